package shop

import (
	"net/mail"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail returns an e-mail address in the form Kaede stores and
// looks it up in: NFKC (a full-width ＠ typed with a Japanese IME becomes
// @), trimmed, lower-cased.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
}

// CheckEmail reports under field a missing, over-long or malformed
// address. Only a bare address with a dotted domain is accepted: no
// display name, no comments, nothing outside printable ASCII, so that the
// address can go into a mail header as it is.
func CheckEmail(p Problems, field, email string) {
	switch {
	case email == "":
		p.Add(field, ReasonRequired)
	case len(email) > 254:
		p.Add(field, ReasonLength)
	default:
		a, err := mail.ParseAddress(email)
		at := strings.LastIndexByte(email, '@')
		if err != nil || a.Address != email || at < 1 || !strings.Contains(email[at+1:], ".") ||
			strings.IndexFunc(email, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
			p.Add(field, ReasonFormat)
		}
	}
}
