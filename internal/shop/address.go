package shop

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Address is a Japanese delivery address as the customer types it, in the
// order of a Japanese form: postal code, prefecture, city, street, building.
type Address struct {
	Name       string // 氏名
	NameKana   string // フリガナ, in katakana
	PostalCode string // 〒, normalised to "123-4567"
	Prefecture int    // JIS code, 1–47
	City       string // 市区町村
	Line1      string // 番地
	Line2      string // 建物名・部屋番号 (optional)
	Phone      string // digits and hyphens, normalised
}

// PrefectureName returns the Japanese name of the address's prefecture.
func (a Address) PrefectureName() string {
	p, _ := PrefectureByCode(a.Prefecture)
	return p.Name
}

// Normalize converts full-width digits, letters and hyphens to their plain
// forms (NFKC) and trims spaces, the way Japanese customers' input needs.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	s = strings.Map(func(r rune) rune {
		switch r {
		case '‐', '‑', '‒', '–', '—', '―', '−', 'ー':
			// Hyphen-like characters in numbers; a long-vowel mark in
			// a postal code or a phone number is a typo for a hyphen.
			return '-'
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// NormalizePostalCode returns the code as "123-4567", or false.
func NormalizePostalCode(s string) (string, bool) {
	s = strings.ReplaceAll(Normalize(s), "-", "")
	s = strings.TrimPrefix(s, "〒")
	if len(s) != 7 || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return "", false
	}
	return s[:3] + "-" + s[3:], true
}

// NormalizePhone returns a Japanese phone number with only digits and
// hyphens, or false. Domestic numbers have 10 or 11 digits and start with 0.
func NormalizePhone(s string) (string, bool) {
	s = Normalize(s)
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-':
		default:
			return "", false
		}
	}
	if digits < 10 || digits > 11 || !strings.HasPrefix(s, "0") {
		return "", false
	}
	return s, true
}

// NormalizeKana converts hiragana to katakana and half-width katakana to
// full-width, and reports whether what remains is katakana and spaces only.
func NormalizeKana(s string) (string, bool) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	out := []rune(s)
	for i, r := range out {
		if r >= 'ぁ' && r <= 'ゖ' {
			out[i] = r + ('ァ' - 'ぁ')
		}
	}
	s = string(out)
	if s == "" {
		return "", false
	}
	for _, r := range s {
		if !(unicode.In(r, unicode.Katakana) || r == 'ー' || r == '・' || r == ' ' || r == '　') {
			return "", false
		}
	}
	return s, true
}

// ValidateAddress normalises a and reports each bad field under the prefix
// (e.g. "shipping_address."), so that every problem is shown at once.
func ValidateAddress(a Address, prefix string, p Problems) Address {
	a.Name = strings.TrimSpace(a.Name)
	CheckText(p, prefix+"name", a.Name, true, 60)
	if strings.TrimSpace(a.NameKana) == "" {
		p.Add(prefix+"name_kana", ReasonRequired)
	} else if k, ok := NormalizeKana(a.NameKana); !ok || utf8.RuneCountInString(k) > 60 {
		p.Add(prefix+"name_kana", ReasonFormat)
	} else {
		a.NameKana = k
	}
	if strings.TrimSpace(a.PostalCode) == "" {
		p.Add(prefix+"postal_code", ReasonRequired)
	} else if pc, ok := NormalizePostalCode(a.PostalCode); !ok {
		p.Add(prefix+"postal_code", ReasonFormat)
	} else {
		a.PostalCode = pc
	}
	if a.Prefecture == 0 {
		p.Add(prefix+"prefecture", ReasonRequired)
	} else if _, ok := PrefectureByCode(a.Prefecture); !ok {
		p.Add(prefix+"prefecture", ReasonChoice)
	}
	a.City = strings.TrimSpace(a.City)
	CheckText(p, prefix+"city", a.City, true, 60)
	a.Line1 = strings.TrimSpace(a.Line1)
	CheckText(p, prefix+"line1", a.Line1, true, 100)
	a.Line2 = strings.TrimSpace(a.Line2)
	CheckText(p, prefix+"line2", a.Line2, false, 100)
	if strings.TrimSpace(a.Phone) == "" {
		p.Add(prefix+"phone", ReasonRequired)
	} else if ph, ok := NormalizePhone(a.Phone); !ok {
		p.Add(prefix+"phone", ReasonFormat)
	} else {
		a.Phone = ph
	}
	return a
}

// CheckText reports an empty required value, an over-long value, or one
// holding characters no name, address line or title needs: control
// characters, and the invisible format characters (Unicode category Cf:
// bidi overrides and isolates U+202A–202E and U+2066–2069, zero-width
// U+200B–200F, the BOM U+FEFF…), which let a name read one way on screen
// and another in a file, reverse text on a shipping slip, or make an
// export's encoder fail.
func CheckText(p Problems, field, v string, required bool, max int) {
	checkText(p, field, v, required, max, false)
}

// CheckMultiline is CheckText for text with line breaks and tabs: a note
// to the shop, a news post, a reply.
func CheckMultiline(p Problems, field, v string, required bool, max int) {
	checkText(p, field, v, required, max, true)
}

func checkText(p Problems, field, v string, required bool, max int, multiline bool) {
	switch {
	case strings.TrimSpace(v) == "" && required:
		p.Add(field, ReasonRequired)
	case utf8.RuneCountInString(v) > max:
		p.Add(field, ReasonLength)
	case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return Disallowed(r, multiline) }):
		p.Add(field, ReasonFormat)
	}
}

// Disallowed reports whether r has no place in text people type: a control
// character (but line breaks and tabs where multiline), an invisible format
// character, a lone surrogate or a non-character.
func Disallowed(r rune, multiline bool) bool {
	switch {
	case multiline && (r == '\n' || r == '\r' || r == '\t'):
		return false
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
		return true
	}
	return false
}
