package gateway

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// Challenge is how a card's 3-D Secure authentication goes.
type Challenge string

// The three ways a test card authenticates.
const (
	// Frictionless: the issuer authenticates on risk data alone (name,
	// e-mail, phone), without asking the customer anything.
	Frictionless Challenge = "frictionless"
	// ChallengePasses: the customer is asked for a one-time code; the
	// test code 123456 passes, anything else fails.
	ChallengePasses Challenge = "challenge"
	// ChallengeFails: the customer is asked for a code, and whatever they
	// type the authentication fails.
	ChallengeFails Challenge = "challenge_fails"
)

// ChallengeCode is the one-time code that passes a 3-D Secure challenge.
const ChallengeCode = "123456"

// TestCard is a card number with a fixed outcome, after the conventions of
// the widely used provider test modes, so that developers already know them.
type TestCard struct {
	Number    string // as printed on the card, in groups
	Brand     string
	Challenge Challenge
	// Outcome is Authorized for a card that succeeds (Captured at once
	// when the payment's capture is automatic), or Declined or Failed.
	Outcome payment.State
	// Reason is the code the shop receives for a decline or failure.
	Reason string
}

// TestCards are the cards with a special outcome. Any other Luhn-valid
// number succeeds without a challenge.
var TestCards = []TestCard{
	{"4242 4242 4242 4242", "visa", Frictionless, payment.Authorized, ""},
	{"5555 5555 5555 4444", "mastercard", Frictionless, payment.Authorized, ""},
	{"3530 1113 3330 0000", "jcb", Frictionless, payment.Authorized, ""},
	{"3782 822463 10005", "amex", Frictionless, payment.Authorized, ""},
	{"4000 0000 0000 3220", "visa", ChallengePasses, payment.Authorized, ""},
	{"4000 0084 0000 1629", "visa", ChallengeFails, payment.Failed, ReasonAuthenticationFailed},
	{"4000 0000 0000 0002", "visa", Frictionless, payment.Declined, "generic_decline"},
	{"4000 0000 0000 9995", "visa", Frictionless, payment.Declined, "insufficient_funds"},
	{"4000 0000 0000 0069", "visa", Frictionless, payment.Declined, "expired_card"},
	{"4000 0000 0000 0127", "visa", Frictionless, payment.Declined, "incorrect_cvc"},
	{"4000 0000 0000 0119", "visa", Frictionless, payment.Failed, "processing_error"},
}

// ReasonAuthenticationFailed is the failure code of a payment whose 3-D
// Secure challenge failed, whatever the card.
const ReasonAuthenticationFailed = "authentication_failed"

// The reasons a card field is refused on the card page. They are the
// shop's field reasons plus two that only cards have.
const (
	reasonLuhn    = "luhn"    // the check digit is wrong: a typo
	reasonExpired = "expired" // the expiry month has passed
)

// cardForm is what the customer typed. It lives in one request's memory:
// no field of it is ever stored, logged or written anywhere.
type cardForm struct {
	Name, Number, Expiry, CSC string
}

// card is all the gateway keeps of a card, and what it decided about it.
type card struct {
	Brand     string
	Last4     string
	Challenge Challenge
	Outcome   payment.State
	Reason    string
}

// checkCard validates the form and looks the number up among the test
// cards. The problems name the form's fields, and never echo a value.
func checkCard(f cardForm, now time.Time) (card, shop.Problems) {
	p := shop.Problems{}
	name := strings.TrimSpace(f.Name)
	shop.CheckText(p, "name", name, true, 100)
	if name != "" && strings.IndexFunc(name, unicode.IsLetter) < 0 {
		p.Add("name", shop.ReasonFormat)
	}
	digits, ok := cardDigits(f.Number)
	brand := ""
	switch {
	case strings.TrimSpace(f.Number) == "":
		p.Add("number", shop.ReasonRequired)
	case !ok:
		p.Add("number", shop.ReasonFormat)
	case !luhnValid(digits):
		p.Add("number", reasonLuhn)
	default:
		brand = brandOf(digits)
		if brand == "amex" && len(digits) != 15 {
			p.Add("number", shop.ReasonFormat)
			brand = "" // so the code's length is not blamed as well
		}
	}
	checkExpiry(p, f.Expiry, now)
	checkCSC(p, f.CSC, brand)
	if len(p) > 0 {
		return card{}, p
	}
	c := card{Brand: brand, Last4: digits[len(digits)-4:], Challenge: Frictionless, Outcome: payment.Authorized}
	for _, tc := range TestCards {
		if d, _ := cardDigits(tc.Number); d == digits {
			c.Challenge, c.Outcome, c.Reason = tc.Challenge, tc.Outcome, tc.Reason
		}
	}
	return c, nil
}

// cardDigits returns the digits of a card number typed with spaces or
// hyphens, full-width or not, or false if it is not 12 to 19 digits.
func cardDigits(s string) (string, bool) {
	s = shop.Normalize(s)
	s = strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(s) < 12 || len(s) > 19 || !allDigits(s) {
		return "", false
	}
	return s, true
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// luhnValid reports whether a string of digits ends with a correct Luhn
// check digit (shop.LuhnValid). It catches every single-digit typo and
// most swaps, which is why every card number carries one.
func luhnValid(digits string) bool { return shop.LuhnValid(digits) }

// brandOf names the card network from the number's leading digits (its
// issuer identification number ranges).
func brandOf(d string) string {
	two, four := atoi(d[:2]), atoi(d[:4])
	three := atoi(d[:3])
	switch {
	case d[0] == '4':
		return "visa"
	case two == 34 || two == 37:
		return "amex"
	case (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720):
		return "mastercard"
	case four >= 3528 && four <= 3589:
		return "jcb"
	case (three >= 300 && three <= 305) || two == 36 || two == 38 || two == 39 || four == 3095:
		return "diners"
	case four == 6011 || two == 65 || (three >= 644 && three <= 649):
		return "discover"
	}
	return "unknown"
}

// atoi converts a short string of digits; callers pass digits only.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// checkExpiry accepts MM/YY (also MMYY, MM/YYYY, spaces, full-width
// digits) with a month 1–12 whose last day has not passed.
func checkExpiry(p shop.Problems, s string, now time.Time) {
	s = strings.ReplaceAll(shop.Normalize(s), " ", "")
	if s == "" {
		p.Add("expiry", shop.ReasonRequired)
		return
	}
	month, year, ok := parseExpiry(s)
	if !ok {
		p.Add("expiry", shop.ReasonFormat)
		return
	}
	now = now.In(shop.JST)
	// The first instant after the card's last valid day.
	end := time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, shop.JST)
	switch {
	case !now.Before(end):
		p.Add("expiry", reasonExpired)
	case year > now.Year()+20:
		// No card is issued for that long: a typo.
		p.Add("expiry", shop.ReasonFormat)
	}
}

// parseExpiry splits "MM/YY", "MMYY" or "MM/YYYY" into month and year.
func parseExpiry(s string) (month, year int, ok bool) {
	mm, yy, found := strings.Cut(s, "/")
	if !found {
		if len(s) != 4 {
			return 0, 0, false
		}
		mm, yy = s[:2], s[2:]
	}
	if len(mm) < 1 || len(mm) > 2 || !allDigits(mm) || !allDigits(yy) {
		return 0, 0, false
	}
	month = atoi(mm)
	switch len(yy) {
	case 2:
		year = 2000 + atoi(yy)
	case 4:
		year = atoi(yy)
	default:
		return 0, 0, false
	}
	return month, year, month >= 1 && month <= 12
}

// checkCSC wants 3 digits, or 4 for American Express. When the number is
// wrong the brand is unknown and either length is let through, so that
// the customer is not told two things are wrong when one is.
func checkCSC(p shop.Problems, s, brand string) {
	s = strings.TrimSpace(shop.Normalize(s))
	want := 3
	if brand == "amex" {
		want = 4
	}
	switch {
	case s == "":
		p.Add("csc", shop.ReasonRequired)
	case !allDigits(s) || utf8.RuneCountInString(s) > 4 || len(s) < 3:
		p.Add("csc", shop.ReasonFormat)
	case brand != "" && len(s) != want:
		p.Add("csc", shop.ReasonFormat)
	}
}
