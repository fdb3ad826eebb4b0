// Package csvcell prepares text for the CSV files shop owners open in a
// spreadsheet or feed to shipping and accounting software: cells that a
// spreadsheet would run as formulas are defused, and text is fitted to
// Shift_JIS (Windows-31J), which that software still expects.
package csvcell

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (CSV injection). Japanese Excel converts the
// full-width forms to the half-width ones as it reads, so "＝HYPERLINK(…)"
// runs as well as "=HYPERLINK(…)".
const formulaStarts = "=+-@\t\r＝＋－＠"

// Defuse prefixes an apostrophe to a cell a spreadsheet would read as a
// formula; spreadsheets show the apostrophe as nothing, and Restore takes
// it off again on import.
func Defuse(s string) string {
	if startsFormula(s) {
		return "'" + s
	}
	return s
}

// Restore reverses Defuse.
func Restore(s string) string {
	if strings.HasPrefix(s, "'") && startsFormula(s[1:]) {
		return s[1:]
	}
	return s
}

func startsFormula(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && strings.ContainsRune(formulaStarts, r)
}

// cp932Forms maps characters whose Unicode form differs between the JIS
// and the Microsoft tables to the Microsoft one, which CP932 can encode:
// 〜 (WAVE DASH) is what a Mac or a phone types for the 「～」 in 「14時～16時」.
var cp932Forms = strings.NewReplacer(
	"\u301C", "\uFF5E", // 〜 → ～
	"\u2212", "\uFF0D", // − → －
	"\u2016", "\u2225", // ‖ → ∥
	"\u2014", "\u2015", // — → ―
	"\u00A2", "\uFFE0", // ¢ → ￠
	"\u00A3", "\uFFE1", // £ → ￡
	"\u00AC", "\uFFE2", // ¬ → ￢
)

// Geta (〓) is what Japanese print has long used for a character the type
// cannot show: visible on a label, unlike a '?', so a person corrects it.
const Geta = "〓"

// FitShiftJIS returns s with the Microsoft forms of the characters that
// have two, and with every character Shift_JIS (Windows-31J) still cannot
// hold (𠮷, an emoji) replaced by Geta; replaced reports whether any was.
// Encoding the result never fails.
func FitShiftJIS(s string) (fitted string, replaced bool) {
	fitted, n := FitShiftJISCount(s)
	return fitted, n > 0
}

// FitShiftJISCount is FitShiftJIS that counts the characters replaced.
func FitShiftJISCount(s string) (fitted string, replaced int) {
	s = cp932Forms.Replace(s)
	enc := japanese.ShiftJIS.NewEncoder()
	if _, err := enc.String(s); err == nil {
		return s, 0
	}
	var b strings.Builder
	for _, r := range s {
		if _, err := enc.String(string(r)); err != nil {
			b.WriteString(Geta)
			replaced++
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), replaced
}

// ShiftJIS encodes text that FitShiftJIS has fitted.
func ShiftJIS(s string) ([]byte, error) {
	return japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
}

// Decode returns a CSV file's bytes as UTF-8 text without a byte-order
// mark: valid UTF-8 is UTF-8, anything else is read as Shift_JIS (CP932),
// which Excel and the carriers' software write. sjis says which it was;
// ok is false when the bytes are neither.
func Decode(raw []byte) (text string, sjis, ok bool) {
	if utf8.Valid(raw) {
		return strings.TrimPrefix(string(raw), "\uFEFF"), false, true
	}
	b, err := japanese.ShiftJIS.NewDecoder().Bytes(raw)
	if err != nil || !utf8.Valid(b) || strings.ContainsRune(string(b), utf8.RuneError) {
		return "", true, false
	}
	return string(b), true, true
}

// Blank reports whether every cell of a CSV record is empty or spaces,
// as the empty lines a spreadsheet leaves at the end of a file are.
func Blank(record []string) bool {
	for _, c := range record {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
