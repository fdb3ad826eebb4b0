package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	"kaede/internal/shop"
)

// ErrQuoteChanged refuses an order whose cart, prices, fees, payment
// method or delivery differ from the final confirmation screen the
// customer saw (特定商取引法, 2022: what is ordered is what was confirmed).
var ErrQuoteChanged = &shop.Error{Code: shop.QuoteChanged,
	Message: "the order differs from the confirmation screen; please confirm it again"}

// Fingerprint is a digest of everything on the confirmation screen that
// makes up the contract: each line (variant, quantity, unit price, amount,
// tax rate), the fees and the total, the payment method, the e-mail, the
// delivery address, date, slot and note. Two quotes with one fingerprint
// order the same thing. The wording (payment and delivery sentences, due
// date) is left out: it follows from these and the day, and an order
// placed a minute after midnight is still the order confirmed.
func (q *Quote) Fingerprint() string {
	h := sha256.New()
	field(h, "kaede quote v1")
	for _, l := range q.Lines {
		field(h, "line", l.VariantID, l.SKU, l.Quantity, int64(l.UnitPrice), int64(l.LineTotal), int(l.TaxRate))
	}
	field(h, "amounts", int64(q.Subtotal), int64(q.ShippingFee), int64(q.CODFee), int64(q.Total))
	if c := q.Coupon; c != nil {
		// Only with a coupon, so that the fingerprints of quotes without
		// one stay what they were.
		field(h, "coupon", c.CouponID, c.Code, int64(c.Discount), int64(c.Standard), int64(c.Reduced))
	}
	field(h, "payment", string(q.PaymentMethod))
	a := q.Address
	field(h, "address", q.Email, a.Name, a.NameKana, a.PostalCode, a.Prefecture, a.City, a.Line1, a.Line2, a.Phone)
	field(h, "delivery", q.DeliveryDate, q.DeliverySlot, q.Note)
	return hex.EncodeToString(h.Sum(nil))
}

// field writes one record of values, each length-prefixed so that no two
// different records hash alike ("ab","c" vs "a","bc").
func field(h hash.Hash, values ...any) {
	for _, v := range values {
		s := fmt.Sprint(v)
		fmt.Fprintf(h, "%d:", len(s))
		io.WriteString(h, s)
	}
	io.WriteString(h, "\n")
}

// checkConfirmed refuses the quote when the input says what the customer
// confirmed (a fingerprint, a total) and the quote differs from it.
func checkConfirmed(in Input, q *Quote) error {
	if in.QuoteFingerprint != "" && in.QuoteFingerprint != q.Fingerprint() {
		return ErrQuoteChanged
	}
	if in.ExpectedTotal != nil && *in.ExpectedTotal != q.Total {
		return ErrQuoteChanged
	}
	return nil
}
