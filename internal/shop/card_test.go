package shop_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"kaede/internal/shop"
)

func TestLuhnValid(t *testing.T) {
	for digits, want := range map[string]bool{
		"4111111111111111": true, "4111111111111112": false, "378282246310005": true,
		"30569309025904": true, "0": false, "": false, "4111-1111": false, "79927398713": true,
	} {
		if got := shop.LuhnValid(digits); got != want {
			t.Errorf("LuhnValid(%q)=%v, want %v", digits, got, want)
		}
	}
}

func TestMaskCardNumbers(t *testing.T) {
	for _, c := range []struct {
		in, want string
		n        int
	}{
		{"カード番号は4111111111111111です", "カード番号は************1111です", 1},
		{"4111 1111 1111 1111", "**** **** **** 1111", 1},
		{"4111-1111-1111-1111 の明細", "****-****-****-1111 の明細", 1},
		{"４１１１　１１１１　１１１１　１１１１", "****　****　****　１１１１", 1},
		{"Amex 3782 822463 10005", "Amex **** ****** *0005", 1},
		{"Diners 3056 930902 5904", "Diners **** ****** 5904", 1},
		// The security code typed after the number, with or without a space.
		{"4111 1111 1111 1111 123", "**** **** **** 1111 123", 1},
		{"4111111111111111123", "************1111123", 1},
		{"4111111111111111 12/27", "************1111 12/27", 1},
		{"two: 4111111111111111, 5555555555554444.", "two: ************1111, ************4444.", 2},
		// What must stay: order numbers, phone numbers, dates, postal
		// codes, a number failing the check, a long identifier.
		{"注文番号 K20261125-0007", "注文番号 K20261125-0007", 0},
		{"03-1234-5678 / 090-1234-5678", "03-1234-5678 / 090-1234-5678", 0},
		{"2026-11-25 2026-11-26", "2026-11-25 2026-11-26", 0},
		{"〒100-0001", "〒100-0001", 0},
		{"4111111111111112", "4111111111111112", 0},
		{"123456789012345678901234567890", "123456789012345678901234567890", 0},
		{"", "", 0},
	} {
		got, n := shop.MaskCardNumbers(c.in)
		if got != c.want || n != c.n {
			t.Errorf("MaskCardNumbers(%q)=%q, %d; want %q, %d", c.in, got, n, c.want, c.n)
		}
	}
}

// FuzzMaskCardNumbers: masking only ever turns digits into '*', keeps the
// text's length and validity, and leaves no Luhn-valid 13–19 digit run
// (ASCII or full-width) typed without a break.
func FuzzMaskCardNumbers(f *testing.F) {
	for _, s := range []string{"4111111111111111", "4111 1111 1111 1111 123", "４１１１－１１１１", "K20261125-0007", "a1b2", "\xff4111111111111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, n := shop.MaskCardNumbers(s)
		if n == 0 && out != s {
			t.Fatalf("nothing masked but %q became %q", s, out)
		}
		if !utf8.ValidString(s) {
			return // invalid bytes become U+FFFD in the rune round trip; not text anyone typed
		}
		in, got := []rune(s), []rune(out)
		if len(in) != len(got) {
			t.Fatalf("%q: %d runes became %d", s, len(in), len(got))
		}
		for i := range in {
			if in[i] != got[i] && (got[i] != '*' || !strings.ContainsRune("0123456789０１２３４５６７８９", in[i])) {
				t.Fatalf("%q: rune %d %q became %q", s, i, in[i], got[i])
			}
		}
		run := []byte{}
		check := func() {
			if len(run) >= 13 && len(run) <= 19 && shop.LuhnValid(string(run)) {
				t.Fatalf("%q: card-like run %s left in %q", s, run, out)
			}
			run = run[:0]
		}
		for _, r := range out {
			switch {
			case r >= '0' && r <= '9':
				run = append(run, byte(r))
				continue
			case r >= '０' && r <= '９':
				run = append(run, byte('0'+r-'０'))
				continue
			}
			check()
		}
		check()
	})
}
