package monitor

import "strings"

// Conditions are the positions of the shop's emergency switches a walk is
// taken under. They change what the payment pages rightly serve: with card
// payments stopped checkout offers no card and the walk pays by another
// method; with checkout stopped the cart leads nowhere and only the cart
// page (with its notice) is served. A walk is compared only with a
// baseline taken under the same conditions, so that staff stopping card
// payments during an incident is not itself reported as tampering.
//
// The monitor does not read the switches itself: the caller says where
// they stand (ServiceConfig.Conditions), keeping the monitor a plain
// client of the store.
type Conditions struct {
	CardStopped     bool // card payments off
	CheckoutStopped bool // checkout off
}

// Normal reports whether every switch is in its normal position.
func (c Conditions) Normal() bool { return c == Conditions{} }

// String is the conditions' stored form: "" when normal, else the
// switches away from normal, e.g. "card=off checkout=off".
func (c Conditions) String() string {
	var parts []string
	if c.CardStopped {
		parts = append(parts, "card=off")
	}
	if c.CheckoutStopped {
		parts = append(parts, "checkout=off")
	}
	return strings.Join(parts, " ")
}

// Describe is the conditions for people, in an event's summary.
func (c Conditions) Describe() string {
	switch {
	case c.CardStopped && c.CheckoutStopped:
		return "card payments and checkout stopped"
	case c.CardStopped:
		return "card payments stopped"
	case c.CheckoutStopped:
		return "checkout stopped"
	}
	return "every switch normal"
}

// ParseConditions reads the stored form String writes; words it does not
// know are ignored, so that an older binary reads a newer row.
func ParseConditions(s string) Conditions {
	var c Conditions
	for _, f := range strings.Fields(s) {
		switch f {
		case "card=off":
			c.CardStopped = true
		case "checkout=off":
			c.CheckoutStopped = true
		}
	}
	return c
}
