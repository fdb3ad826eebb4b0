package checkout

import (
	"fmt"
	"time"

	"kaede/internal/mail"
	"kaede/internal/order"
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

// CardEnabled reports whether checkout offers card payments.
func (s *Service) CardEnabled() bool { return s.card != nil }

// cardSetup is what a new card order records besides the order.
func (s *Service) cardSetup(confirmation mail.Message) order.CardSetup {
	return order.CardSetup{Provider: s.card.Provider, Capture: s.card.Capture,
		ExpiresAt: s.clock().Add(s.card.TTL), Confirmation: confirmation}
}
