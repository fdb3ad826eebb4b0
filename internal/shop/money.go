package shop

import (
	"strconv"
)

// Yen is an amount of money in whole Japanese yen. Kaede never uses
// fractions of a yen: every price, fee, tax and total is a Yen.
type Yen int64

// String formats the amount the way Japanese shops print it: "¥1,234".
func (y Yen) String() string {
	return "¥" + y.Digits()
}

// Digits formats the amount with thousands separators and no currency sign.
func (y Yen) Digits() string {
	n := int64(y)
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}
