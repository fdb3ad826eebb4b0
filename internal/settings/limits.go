package settings

import (
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// Limits are the shop's limits against one client abusing what every
// customer shares: the stock (orders that are never paid), the customers'
// inboxes (mail bombing) and the shop's capacity (carts). The card form
// has its own (internal/fraud). Every list of windows applies at once; an
// empty list limits nothing.
type Limits struct {
	// Orders placed per client address, per e-mail address and per
	// session, whatever the payment method.
	OrdersPerAddress []throttle.Window `json:"orders_per_address"`
	OrdersPerEmail   []throttle.Window `json:"orders_per_email"`
	OrdersPerSession []throttle.Window `json:"orders_per_session"`
	// UnpaidOrders caps, shop-wide, the orders placed with a method that
	// reserves stock before any money arrives (bank transfer, cash on
	// delivery): a botnet with many addresses stops here.
	UnpaidOrders []throttle.Window `json:"unpaid_orders"`
	// UnpaidLineMax caps the quantity of one variant in an unpaid order;
	// 0 leaves only the variant's own per-order limit.
	UnpaidLineMax int `json:"unpaid_line_max"`
	// UnpaidGraceDays is how many days after a bank transfer's due date an
	// unpaid order is cancelled automatically and its stock returned.
	UnpaidGraceDays int `json:"unpaid_grace_days"`

	// MailsPerRecipientHour caps the e-mails of every kind (orders,
	// verification, password reset) to one address in an hour; the
	// shop's own alerts are not counted. 0 turns the cap off.
	MailsPerRecipientHour int `json:"mails_per_recipient_hour"`
	// Verification mails resent per account and per client address.
	ResendsPerAccount []throttle.Window `json:"resends_per_account"`
	ResendsPerAddress []throttle.Window `json:"resends_per_address"`
	// Carts created per client address (store and API).
	CartsPerAddress []throttle.Window `json:"carts_per_address"`
}

// DefaultLimits are loose enough for a family behind one router ordering
// twice in an evening, and tight enough that one client holds little of
// the stock: 5 orders per address an hour and 20 a day, 3 per e-mail
// address an hour and 10 a day, 3 per session in ten minutes; 30 unpaid
// orders an hour shop-wide (the shop this replaces took about 200
// orders a month); unpaid orders cancelled 3 days after the due date;
// 10 e-mails an hour to one address; 3 resends per account an hour, 10
// per address; 30 carts per address an hour.
func DefaultLimits() Limits {
	return Limits{
		OrdersPerAddress:      []throttle.Window{{Max: 5, Minutes: 60}, {Max: 20, Minutes: 24 * 60}},
		OrdersPerEmail:        []throttle.Window{{Max: 3, Minutes: 60}, {Max: 10, Minutes: 24 * 60}},
		OrdersPerSession:      []throttle.Window{{Max: 3, Minutes: 10}},
		UnpaidOrders:          []throttle.Window{{Max: 30, Minutes: 60}},
		UnpaidLineMax:         0,
		UnpaidGraceDays:       3,
		MailsPerRecipientHour: 10,
		ResendsPerAccount:     []throttle.Window{{Max: 3, Minutes: 60}},
		ResendsPerAddress:     []throttle.Window{{Max: 10, Minutes: 60}},
		CartsPerAddress:       []throttle.Window{{Max: 30, Minutes: 60}},
	}
}

// validate adds the limits out of range, named "limits.<field>".
func (l Limits) validate(p shop.Problems) {
	for name, ws := range map[string][]throttle.Window{
		"limits.orders_per_address":  l.OrdersPerAddress,
		"limits.orders_per_email":    l.OrdersPerEmail,
		"limits.orders_per_session":  l.OrdersPerSession,
		"limits.unpaid_orders":       l.UnpaidOrders,
		"limits.resends_per_account": l.ResendsPerAccount,
		"limits.resends_per_address": l.ResendsPerAddress,
		"limits.carts_per_address":   l.CartsPerAddress,
	} {
		throttle.CheckWindows(p, name, ws)
	}
	if l.UnpaidLineMax < 0 || l.UnpaidLineMax > 10000 {
		p.Add("limits.unpaid_line_max", shop.ReasonRange)
	}
	if l.UnpaidGraceDays < 0 || l.UnpaidGraceDays > 60 {
		p.Add("limits.unpaid_grace_days", shop.ReasonRange)
	}
	if l.MailsPerRecipientHour < 0 || l.MailsPerRecipientHour > 1000 {
		p.Add("limits.mails_per_recipient_hour", shop.ReasonRange)
	}
}
