package cardpay

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// currency is the only currency the shop charges in, as providers write it.
const currency = "jpy"

// Mismatch is a provider's report on one of the store's payments whose
// amount or currency is not what the store asked it to charge: a payment
// page or request altered on the way (the amount lowered, the currency
// switched), or an account shared with someone else's shop. The store
// refuses such a report, so the order is never marked paid on it, and
// tells the security side (Config.OnMismatch).
type Mismatch struct {
	Order    string
	Ref      string
	Provider string
	// Via is what brought the report: webhook, return, reconcile,
	// capture, expiry.
	Via   string
	State payment.State
	// Want is what the store asked for (yen); Amount, Captured and
	// Currency are what the provider reported.
	Want     shop.Yen
	Amount   shop.Yen
	Captured shop.Yen
	Currency string
}

func (m Mismatch) String() string {
	cur := m.Currency
	if cur == "" {
		cur = "(none)"
	}
	return fmt.Sprintf("%s reported payment %s of order %s as %s: amount %d, captured %d, currency %s; the order asked for ¥%d in jpy (via %s)",
		m.Provider, m.Ref, m.Order, m.State, m.Amount, m.Captured, cur, m.Want, m.Via)
}

// ErrMismatch is what Apply (and so Refresh, Reconcile, Capture and
// expiry) returns for a refused report, after the refusal is recorded.
var ErrMismatch = shop.Errorf(shop.Conflict, "the payment provider reported another amount or currency than the order's; the order is not marked paid")

// mismatch reports whether st disagrees with the attempt on the amount or
// the currency. An amount of 0 is a provider that did not say; a capture
// above the amount asked for is a disagreement too.
func mismatch(a attempt, st payment.Status, provider, via string) (Mismatch, bool) {
	bad := (st.Currency != "" && !strings.EqualFold(st.Currency, currency)) ||
		(st.Amount != 0 && st.Amount != a.Amount) ||
		st.Captured > a.Amount
	return Mismatch{Order: a.Number, Ref: a.Ref, Provider: provider, Via: via, State: st.State,
		Want: a.Amount, Amount: st.Amount, Captured: st.Captured, Currency: st.Currency}, bad
}

// refuse records a mismatched report in tx: the log, and the hook that
// raises the security event with it.
func (s *Service) refuse(ctx context.Context, tx *sql.Tx, m Mismatch) error {
	s.log.Error("card payment refused: amount or currency differs from the order's", "order", m.Order,
		"payment", m.Ref, "state", m.State, "want", int64(m.Want), "amount", int64(m.Amount),
		"captured", int64(m.Captured), "currency", m.Currency, "via", m.Via)
	if s.onMismatch == nil {
		return nil
	}
	if err := s.onMismatch(ctx, tx, m); err != nil {
		return fmt.Errorf("payment %s: report mismatch: %w", m.Ref, err)
	}
	return nil
}
