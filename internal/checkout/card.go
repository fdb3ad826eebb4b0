package checkout

import (
	"context"
	"fmt"
	"time"

	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/switches"
)

// CardOptions turns on card payments at checkout. A card order is placed
// in status awaiting_payment and expires unpaid after TTL; the card payment
// package (internal/cardpay) then sends the customer to the provider.
type CardOptions struct {
	Provider string        // the provider's name, stored with each payment
	Capture  string        // automatic (at order time) or manual (at shipment)
	TTL      time.Duration // how long an unpaid card order holds its stock
}

// EnableCard offers the card payment method at checkout. Without it the
// method is refused as not one of the choices: the shop has no provider.
func (s *Service) EnableCard(o CardOptions) error {
	if o.Provider == "" {
		return fmt.Errorf("checkout: card payments need a provider name")
	}
	if o.Capture != "automatic" && o.Capture != "manual" {
		return fmt.Errorf("checkout: card capture %q: want automatic or manual", o.Capture)
	}
	if o.TTL < time.Minute {
		return fmt.Errorf("checkout: card order TTL %s: want at least a minute", o.TTL)
	}
	s.card = &o
	return nil
}

// CardEnabled reports whether the shop has a card provider; CardOffered
// says whether checkout offers cards now.
func (s *Service) CardEnabled() bool { return s.card != nil }

// cardSetup is what a new order paid through the provider records besides
// the order: a card or PayPay order expires after the TTL, a konbini one
// with its voucher.
func (s *Service) cardSetup(m order.PaymentMethod, st settings.Settings, confirmation mail.Message) order.CardSetup {
	c := order.CardSetup{Provider: s.card.Provider, Capture: s.card.Capture,
		ExpiresAt: s.clock().Add(s.card.TTL), Confirmation: confirmation}
	if m != order.Card {
		c.Capture = "automatic" // paid in full when paid: nothing to capture later
	}
	if m == order.Konbini {
		c.ExpiresAt = VoucherExpiry(s.clock(), st.KonbiniExpiryDays)
	}
	return c
}

// KonbiniLimit is the most a konbini voucher may be for: the stores' (and
// Stripe's) ceiling of ¥300,000 per payment.
const KonbiniLimit shop.Yen = 300_000

// VoucherExpiry is when a konbini voucher issued at now for days expires:
// 23:59:59 JST of the days-th day after today in Tokyo, the rule of
// Stripe's expires_after_days (and the test gateway's).
func VoucherExpiry(now time.Time, days int) time.Time {
	y, m, d := now.In(shop.JST).Date()
	return time.Date(y, m, d+days, 23, 59, 59, 0, shop.JST).UTC()
}

// UseSwitches makes checkout obey the shop's emergency switches: no
// order while checkout is stopped, no card while card payments are.
func (s *Service) UseSwitches(sw *switches.Service) { s.switches = sw }

// switchState is the switches as checkout obeys them: every switch normal
// without a switches service.
func (s *Service) switchState(ctx context.Context) (switches.State, error) {
	if s.switches == nil {
		return switches.State{}, nil
	}
	st, err := s.switches.State(ctx)
	if err != nil {
		return switches.State{}, fmt.Errorf("checkout: %w", err)
	}
	return st, nil
}

// open returns the switches, or switches.ErrCheckoutStopped while the shop
// takes no orders.
func (s *Service) open(ctx context.Context) (switches.State, error) {
	st, err := s.switchState(ctx)
	if err != nil {
		return st, err
	}
	if !st.Checkout() {
		return st, switches.ErrCheckoutStopped
	}
	return st, nil
}

// Open reports whether the shop takes orders now: nil, or
// switches.ErrCheckoutStopped. The cart and checkout pages ask it to say so
// before the customer fills in the form; Quote and Place enforce it.
func (s *Service) Open(ctx context.Context) error {
	_, err := s.open(ctx)
	return err
}

// CardOffered reports whether checkout offers the card method now: the
// shop has a provider (EnableCard) and has not stopped card payments.
func (s *Service) CardOffered(ctx context.Context) (bool, error) {
	if s.card == nil {
		return false, nil
	}
	st, err := s.switchState(ctx)
	if err != nil {
		return false, err
	}
	return st.CardPayments(), nil
}

// checkCardStopped reports a card chosen while card payments are stopped:
// a valid method the customer must change (payment_method: stopped), not
// one the shop never offered (choice).
func (s *Service) checkCardStopped(in Input, sw switches.State, p shop.Problems) {
	if s.card != nil && order.PaymentMethod(in.PaymentMethod) == order.Card && !sw.CardPayments() {
		p.Add("payment_method", shop.ReasonStopped)
	}
}
