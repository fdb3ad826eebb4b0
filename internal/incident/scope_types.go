package incident

import (
	"time"

	"kaede/internal/shop"
)

// The scope of an incident: which orders, and so which people, it touched.
// These types are the contract between the scope (which finds them) and the
// notification campaign and the exports (which use them).

// Query selects the affected orders. Every field but From and To is
// optional; an empty list matches everything.
type Query struct {
	From, To  time.Time // orders placed in [From, To)
	Methods   []string  // payment methods, e.g. "card"
	Providers []string  // card providers, e.g. "stripe", "gateway"
	Brands    []string  // card brands, e.g. "visa"
	Products  []int64   // product IDs: orders with a line of one of them
	Customers []string  // customers' e-mail addresses (compared lower-cased)
}

// AffectedOrder is one order in scope, with what the store holds of its
// card payment (brand, last four and the provider's ID, nothing more).
type AffectedOrder struct {
	OrderID           int64
	Number            string
	PlacedAt          time.Time
	Total             shop.Yen
	Method            string
	Provider          string
	Brand             string
	Last4             string
	ProviderPaymentID string
}

// Customer is one affected person: orders from a guest and from a member
// with the same e-mail address are one person, keyed by the lower-cased
// address. Name, phone and postal address are those of the newest order
// (or the member's, when one exists), where a letter reaches them today.
type Customer struct {
	Key        string // lower-cased e-mail address
	Email      string
	MemberID   int64 // 0 for guests
	Name       string
	Phone      string
	PostalCode string
	Prefecture string // the prefecture's name in Japanese
	City       string
	Line1      string
	Line2      string
	Orders     []AffectedOrder // oldest first
}

// Scope is a query saved on an incident with its result. Refining the
// query saves a new version; the older ones stay.
type Scope struct {
	ID         int64
	IncidentID int64
	Version    int
	Query      Query
	Orders     int // affected orders
	Customers  int // distinct affected people
	SavedBy    string
	SavedAt    time.Time
}
