package ui

import "fmt"

// DefaultPage is the text a content page starts with before the shop edits
// it: a title and a plain-text body in each language.
type DefaultPage struct {
	Slug             string
	TitleJa, TitleEn string
	BodyJa, BodyEn   string
}

// defaultTitles are the content pages the store links to from every page.
// "tokushoho" is the free-text part of the 特定商取引法 notice; the rest of
// that notice is generated from the shop's settings.
var defaultTitles = []struct{ slug, ja, en string }{
	{"privacy", "プライバシーポリシー", "Privacy policy"},
	{"terms", "ご利用規約", "Terms of use"},
	{"tokushoho", "特定商取引法に基づく表記（その他）", "Legal notice (other)"},
}

// DefaultPages returns the default text of every content page.
func DefaultPages() ([]DefaultPage, error) {
	var out []DefaultPage
	for _, d := range defaultTitles {
		ja, err := files.ReadFile("content/" + d.slug + ".ja.txt")
		if err != nil {
			return nil, fmt.Errorf("default %s: %w", d.slug, err)
		}
		en, err := files.ReadFile("content/" + d.slug + ".en.txt")
		if err != nil {
			return nil, fmt.Errorf("default %s: %w", d.slug, err)
		}
		out = append(out, DefaultPage{Slug: d.slug, TitleJa: d.ja, TitleEn: d.en, BodyJa: string(ja), BodyEn: string(en)})
	}
	return out, nil
}
