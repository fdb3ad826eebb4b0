// Package switches holds the shop's emergency switches: stop card
// payments, stop checkout, put the store in maintenance. A shop that hears
// from a card company that its customers' cards leak must be able to stop
// taking cards at once, from the admin or, when the admin cannot be
// reached, from the command line, and every instance of the store must
// obey within seconds (see Service).
//
// Each switch has a position, a banner the shop writes for its customers
// (shown on every store page while the switch is in its emergency
// position), the reason for staff, and who changed it when. Every change
// is audited in the transaction that makes it; the audit log is also the
// switches' history.
//
// The rules the switches impose are applied by the capabilities that own
// the actions: checkout refuses orders and the card method, cardpay
// refuses to start a card payment. The store's edge only shows the
// banners and answers maintenance.
package switches

import (
	"strings"
	"time"

	"kaede/internal/shop"
)

// Name names a switch.
type Name string

// The switches.
const (
	Card        Name = "card"        // card payments: on normally
	Checkout    Name = "checkout"    // placing orders: on normally
	Maintenance Name = "maintenance" // the whole store answers 503: off normally
)

// Names are the switches in the order the admin and the CLI show them.
var Names = []Name{Card, Checkout, Maintenance}

// Known reports whether n names a switch.
func Known(n Name) bool {
	for _, k := range Names {
		if k == n {
			return true
		}
	}
	return false
}

// Normal is the position of a switch when nothing is wrong: card and
// checkout on, maintenance off.
func Normal(n Name) bool { return n != Maintenance }

// Switch is one switch as it stands.
type Switch struct {
	Name Name `json:"name"`
	On   bool `json:"on"`
	// Banner is what customers read on every store page while the switch
	// is in its emergency position (Japanese); empty shows the store's
	// standard sentence for the switch.
	Banner string `json:"banner"`
	// BannerEn is the banner for English pages; empty shows the Japanese
	// one.
	BannerEn  string    `json:"banner_en"`
	Reason    string    `json:"reason"`     // why it was changed, for staff
	ChangedBy string    `json:"changed_by"` // the actor's name; empty if never changed
	ChangedAt time.Time `json:"changed_at"` // zero if never changed
}

// Emergency reports whether the switch is away from its normal position:
// card payments or checkout stopped, or maintenance on.
func (s Switch) Emergency() bool { return s.On != Normal(s.Name) }

// State is every switch as the store sees it now. Its zero value is every
// switch in its normal position.
type State struct {
	set map[Name]Switch
}

// Get returns the switch n; one never set is in its normal position.
func (st State) Get(n Name) Switch {
	if s, ok := st.set[n]; ok {
		return s
	}
	return Switch{Name: n, On: Normal(n)}
}

// All returns every switch, in Names order.
func (st State) All() []Switch {
	out := make([]Switch, len(Names))
	for i, n := range Names {
		out[i] = st.Get(n)
	}
	return out
}

// Emergencies returns the switches away from their normal position, in
// Names order: the banners the store shows.
func (st State) Emergencies() []Switch {
	var out []Switch
	for _, s := range st.All() {
		if s.Emergency() {
			out = append(out, s)
		}
	}
	return out
}

// CardPayments reports whether the shop takes cards now.
func (st State) CardPayments() bool { return st.Get(Card).On }

// Checkout reports whether the shop takes orders now.
func (st State) Checkout() bool { return st.Get(Checkout).On }

// Maintenance reports whether the store is closed for maintenance.
func (st State) Maintenance() bool { return st.Get(Maintenance).On }

// The refusals the switches cause. Their messages are safe to show; the
// edges show their own sentences for them (errors.Is).
var (
	// ErrCheckoutStopped refuses an order while checkout is off.
	ErrCheckoutStopped = &shop.Error{Code: shop.Unavailable, Message: "the shop is not taking orders at the moment"}
	// ErrCardStopped refuses to start a card payment while card payments
	// are off. At checkout the card method is refused as a field
	// (payment_method: shop.ReasonStopped) instead, so that the customer
	// picks another.
	ErrCardStopped = &shop.Error{Code: shop.Unavailable, Message: "card payments are stopped at the moment; please choose another payment method"}
	// ErrMaintenance is the store's answer while maintenance is on.
	ErrMaintenance = &shop.Error{Code: shop.Unavailable, Message: "the store is closed for maintenance"}
)

// Change is a request to set a switch.
type Change struct {
	Name     Name
	On       bool
	Banner   string // Japanese; optional
	BannerEn string // optional
	Reason   string // required when the switch goes to its emergency position
}

// Limits on what a change may hold. A banner is a sentence or two at the
// top of every page; the reason is a note for staff.
const (
	MaxBanner   = 200 // characters, Japanese
	MaxBannerEn = 400 // characters, English takes about twice as many
	MaxReason   = 1000
)

// Validate trims the change's texts and reports every bad field: name
// (not a switch), reason (required when the switch goes to its emergency
// position; at most MaxReason characters, lines allowed), banner and
// banner_en (too long, or holding control or invisible format characters:
// a banner is one paragraph), with the rules every text people type
// follows (shop.CheckText).
func (c Change) Validate() (Change, error) {
	p := shop.Problems{}
	c.Banner = strings.TrimSpace(c.Banner)
	c.BannerEn = strings.TrimSpace(c.BannerEn)
	c.Reason = strings.TrimSpace(c.Reason)
	if !Known(c.Name) {
		p.Add("name", shop.ReasonChoice)
	}
	shop.CheckMultiline(p, "reason", c.Reason, Known(c.Name) && c.On != Normal(c.Name), MaxReason)
	shop.CheckText(p, "banner", c.Banner, false, MaxBanner)
	shop.CheckText(p, "banner_en", c.BannerEn, false, MaxBannerEn)
	return c, p.Err()
}
