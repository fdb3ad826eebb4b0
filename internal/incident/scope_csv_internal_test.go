package incident

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// FuzzShiftJISRepertoire: whatever a customer typed, the Shift_JIS export
// can write it (no error), and only the characters it cannot hold are
// replaced, each by one 〓, counted.
func FuzzShiftJISRepertoire(f *testing.F) {
	for _, s := range []string{"", "山田 太郎", "髙橋 𠮷子", "1〜2丁目", "😀=cmd", "\xff\xfe", "①②③ ㈱", "Ａｂｃ－１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, n := toShiftJISRepertoire(s)
		b, err := japanese.ShiftJIS.NewEncoder().String(out)
		if err != nil {
			t.Fatalf("%q → %q still fails: %v", s, out, err)
		}
		back, err := japanese.ShiftJIS.NewDecoder().String(b)
		if err != nil || back != out {
			t.Fatalf("%q → %q → %q (%v)", s, out, back, err)
		}
		in := cp932Forms.Replace(strings.ToValidUTF8(s, "\uFFFD"))
		if utf8.RuneCountInString(out) != utf8.RuneCountInString(in) && utf8.ValidString(s) {
			t.Fatalf("%q → %q changed the length", s, out)
		}
		if n < 0 || n > utf8.RuneCountInString(out) || (n == 0 && out != cp932Forms.Replace(s)) {
			t.Fatalf("%q → %q: %d replaced", s, out, n)
		}
	})
}
