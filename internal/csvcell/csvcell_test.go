package csvcell_test

import (
	"testing"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/csvcell"
)

func TestDefuse(t *testing.T) {
	cases := map[string]string{
		"":                  "",
		"山田":                "山田",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+81":               "'+81",
		"-1":                "'-1",
		"@SUM(A1)":          "'@SUM(A1)",
		"\tx":               "'\tx",
		"＝HYPERLINK()":      "'＝HYPERLINK()",
		"＋１":                "'＋１",
		"－５":                "'－５",
		"＠x":                "'＠x",
		"a=b":               "a=b",
		"'quoted":           "'quoted",
	}
	for in, want := range cases {
		got := csvcell.Defuse(in)
		if got != want {
			t.Errorf("Defuse(%q) = %q, want %q", in, got, want)
		}
		if back := csvcell.Restore(got); back != in {
			t.Errorf("Restore(Defuse(%q)) = %q", in, back)
		}
	}
}

func TestFitShiftJIS(t *testing.T) {
	cases := []struct {
		in, want string
		replaced bool
	}{
		{"山田太郎", "山田太郎", false},
		{"髙橋①", "髙橋①", false},
		{"14時〜16時", "14時～16時", false},
		{"𠮷野家", "〓野家", true},
		{"花子😀", "花子〓", true},
	}
	for _, c := range cases {
		got, replaced := csvcell.FitShiftJIS(c.in)
		if got != c.want || replaced != c.replaced {
			t.Errorf("FitShiftJIS(%q) = %q, %v; want %q, %v", c.in, got, replaced, c.want, c.replaced)
		}
		b, err := csvcell.ShiftJIS(got)
		if err != nil {
			t.Errorf("ShiftJIS(%q): %v", got, err)
			continue
		}
		back, _ := japanese.ShiftJIS.NewDecoder().Bytes(b)
		if string(back) != got {
			t.Errorf("round trip %q → %q", got, back)
		}
	}
}

func FuzzFitShiftJIS(f *testing.F) {
	for _, s := range []string{"山田", "𠮷", "〜", "\xff", "=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _ := csvcell.FitShiftJIS(s)
		if _, err := csvcell.ShiftJIS(got); err != nil {
			t.Fatalf("fitted %q does not encode: %v", got, err)
		}
		if r := csvcell.Restore(csvcell.Defuse(s)); r != s {
			t.Fatalf("Restore(Defuse(%q)) = %q", s, r)
		}
	})
}

func TestFitShiftJISCount(t *testing.T) {
	for in, want := range map[string]int{"山田": 0, "𠮷田": 1, "𠮷😀〜": 2, "\xff": 1} {
		if _, n := csvcell.FitShiftJISCount(in); n != want {
			t.Errorf("FitShiftJISCount(%q) replaced %d, want %d", in, n, want)
		}
	}
}
