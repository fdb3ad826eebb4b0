package cardpay

import (
	"testing"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// TestAdvances: a payment's state only moves forward; at the same state
// only more money captured or refunded is news.
func TestAdvances(t *testing.T) {
	tests := []struct {
		from     payment.State
		refunded int
		to       payment.State
		toRef    int
		want     bool
	}{
		{payment.Pending, 0, payment.RequiresAction, 0, true},
		{payment.Pending, 0, payment.Captured, 0, true},
		{payment.RequiresAction, 0, payment.Pending, 0, false},
		{payment.Captured, 0, payment.Pending, 0, false},
		{payment.Captured, 0, payment.RequiresAction, 0, false},
		{payment.Captured, 0, payment.Captured, 0, false},
		{payment.Captured, 0, payment.Cancelled, 0, false},
		{payment.Authorized, 0, payment.Captured, 0, true},
		{payment.Authorized, 0, payment.Cancelled, 0, true},
		{payment.Declined, 0, payment.Pending, 0, false},
		{payment.Declined, 0, payment.Authorized, 0, false},
		{payment.Captured, 0, payment.PartiallyRefunded, 300, true},
		{payment.PartiallyRefunded, 300, payment.PartiallyRefunded, 300, false},
		{payment.PartiallyRefunded, 300, payment.PartiallyRefunded, 500, true},
		{payment.PartiallyRefunded, 500, payment.PartiallyRefunded, 300, false},
		{payment.Refunded, 1000, payment.PartiallyRefunded, 300, false},
		{payment.PartiallyRefunded, 300, payment.Refunded, 1000, true},
		{payment.Pending, 0, "bogus", 0, false},
	}
	for _, tt := range tests {
		a := attempt{State: tt.from, Refunded: shop.Yen(tt.refunded)}
		st := payment.Status{State: tt.to, Refunded: shop.Yen(tt.toRef)}
		if got := advances(a, st); got != tt.want {
			t.Errorf("%s(refunded %d) → %s(refunded %d): %v, want %v", tt.from, tt.refunded, tt.to, tt.toRef, got, tt.want)
		}
	}
}
