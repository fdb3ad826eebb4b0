package catalog

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// NormalizeSearch folds text for substring search, the same way for the
// stored search text and for what a customer types: NFKC (full-width
// letters and digits to plain ones, half-width katakana to full-width),
// lower case, and hiragana to katakana, so that 「ＳＥＩＲＩＮ」 finds
// "seirin" and 「はり」 finds 「ハリ」. Runs of white space become one space.
//
// Japanese has no spaces between words, so the search matches substrings
// of this text rather than words.
func NormalizeSearch(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = norm.NFKC.String(s)
	s = strings.ToLower(s)
	s = strings.Map(hiraganaToKatakana, s)
	// Lower-casing and kana folding can leave text that NFKC would change
	// again (a letter whose lower case decomposes); normalising once more
	// makes the function idempotent, which stored text relies on.
	s = norm.NFKC.String(s)
	return strings.Join(strings.Fields(s), " ")
}

// hiraganaToKatakana maps ぁ–ゖ and the iteration marks ゝゞ to katakana.
func hiraganaToKatakana(r rune) rune {
	switch {
	case r >= 'ぁ' && r <= 'ゖ', r == 'ゝ', r == 'ゞ':
		return r + ('ァ' - 'ぁ')
	}
	return r
}

// searchTerms splits a customer's query into normalised terms; a product
// must contain every term.
func searchTerms(q string) []string {
	return strings.Fields(NormalizeSearch(q))
}

// searchText is what a product's search runs on: its names, reading,
// descriptions, SKUs and variant labels, and the names of its category and
// the categories above it, one per line so that no term matches across
// two of them.
func searchText(p Product, categoryNames []string) string {
	parts := []string{p.Slug, p.NameJa, p.NameEn, p.NameKana, p.DescriptionJa, p.DescriptionEn}
	for _, v := range p.Variants {
		parts = append(parts, v.SKU, v.LabelJa, v.LabelEn)
	}
	parts = append(parts, p.Tags...)
	parts = append(parts, categoryNames...)
	var b strings.Builder
	for _, part := range parts {
		if n := NormalizeSearch(part); n != "" {
			b.WriteString(n)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
