// Package coupon keeps the shop's coupon codes (クーポン) and their uses:
// what a code takes off an order, how that discount is split over the tax
// rates, and recording a use in the order's transaction so that no coupon
// is used more often than allowed however many orders arrive at once.
package coupon

import (
	"sort"
	"strings"
	"time"

	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// Kind is how a coupon's Amount is read.
type Kind string

// The kinds of discount.
const (
	Fixed   Kind = "fixed"   // Amount yen off the items it applies to
	Percent Kind = "percent" // Amount percent off them, rounded down to the yen
)

// Coupon is one code and its rules. StartsOn and EndsOn are Japan dates
// (YYYY-MM-DD, both days included; "" leaves that end open). MaxUses and
// MaxPerCustomer of 0 do not limit. With no CategoryIDs and no ProductIDs
// the coupon applies to every item; otherwise to the items of any of them.
type Coupon struct {
	ID             int64
	Code           string
	Description    string
	Kind           Kind
	Amount         int64
	MinSpend       shop.Yen
	StartsOn       string
	EndsOn         string
	MaxUses        int
	MaxPerCustomer int
	Uses           int
	Disabled       bool
	CategoryIDs    []int64
	ProductIDs     []int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Item is one order line as a coupon sees it.
type Item struct {
	ProductID  int64
	CategoryID int64
	Rate       shop.TaxRate
	Amount     shop.Yen // the line's tax-included total
}

// Applied is a coupon's discount on one order: in all, and split over the
// standard (10 %) and reduced (8 %) rates of the items it applies to.
type Applied struct {
	CouponID int64
	Code     string
	Discount shop.Yen
	Standard shop.Yen
	Reduced  shop.Yen
}

// ByRate is the discount at rate.
func (a Applied) ByRate(rate shop.TaxRate) shop.Yen {
	if rate == shop.RateReduced {
		return a.Reduced
	}
	return a.Standard
}

// AttemptsPerClient limits how often one client may try a code: guessing
// codes is abuse, a customer types theirs a few times at most.
var AttemptsPerClient = []throttle.Window{{Max: 20, Minutes: 10}, {Max: 60, Minutes: 24 * 60}}

// MaxCodeLength is the longest code.
const MaxCodeLength = 32

// NormalizeCode returns the code as stored: trimmed and upper-case, with
// full-width letters and digits (typed with a Japanese IME) made ASCII.
func NormalizeCode(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			return r - '！' + '!'
		}
		return r
	}, s)
	return strings.ToUpper(s)
}

// ValidCode reports whether a normalised code has the form of a code:
// 3 to 32 ASCII letters, digits, '-' or '_'.
func ValidCode(code string) bool {
	if len(code) < 3 || len(code) > MaxCodeLength {
		return false
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// appliesTo reports whether the coupon covers the item.
func (c *Coupon) appliesTo(it Item) bool {
	if len(c.CategoryIDs) == 0 && len(c.ProductIDs) == 0 {
		return true
	}
	for _, id := range c.CategoryIDs {
		if id == it.CategoryID {
			return true
		}
	}
	for _, id := range c.ProductIDs {
		if id == it.ProductID {
			return true
		}
	}
	return false
}

// Apply computes the coupon's discount on items on the Japan date today
// (YYYY-MM-DD), or the field reason it cannot be used: stopped
// (ReasonCouponUnknown, as if there were no such code), outside its
// period, no item it applies to, or the items it applies to under its
// minimum spend. The use limits need the database (Check).
func (c *Coupon) Apply(items []Item, today string) (Applied, string) {
	if c.Disabled {
		return Applied{}, shop.ReasonCouponUnknown
	}
	if c.StartsOn != "" && today < c.StartsOn || c.EndsOn != "" && today > c.EndsOn {
		return Applied{}, shop.ReasonCouponPeriod
	}
	var eligible [2]int64 // standard, reduced
	any := false
	for _, it := range items {
		if !c.appliesTo(it) || it.Amount <= 0 {
			continue
		}
		any = true
		if it.Rate == shop.RateReduced {
			eligible[1] += int64(it.Amount)
		} else {
			eligible[0] += int64(it.Amount)
		}
	}
	total := eligible[0] + eligible[1]
	if !any || total == 0 {
		return Applied{}, shop.ReasonCouponNoItems
	}
	if total < int64(c.MinSpend) {
		return Applied{}, shop.ReasonCouponMinSpend
	}
	var d int64
	switch c.Kind {
	case Fixed:
		d = min(c.Amount, total)
	case Percent:
		d = total * min(c.Amount, 100) / 100
	}
	if d <= 0 {
		return Applied{}, shop.ReasonCouponNoItems
	}
	parts := Split(d, eligible[:])
	return Applied{CouponID: c.ID, Code: c.Code, Discount: shop.Yen(d),
		Standard: shop.Yen(parts[0]), Reduced: shop.Yen(parts[1])}, ""
}

// Split divides the discount d over amounts in proportion to them, in
// whole yen, by the largest remainder: each part is first rounded down,
// and the yen left over go one each to the parts with the largest
// remainders (the earlier part on a tie), so the parts add up to d
// exactly. d must not exceed the sum of amounts, which must be positive.
func Split(d int64, amounts []int64) []int64 {
	var total int64
	for _, a := range amounts {
		total += a
	}
	parts := make([]int64, len(amounts))
	rems := make([]int64, len(amounts))
	left := d
	for i, a := range amounts {
		parts[i] = d * a / total
		rems[i] = d * a % total
		left -= parts[i]
	}
	order := make([]int, len(amounts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rems[order[a]] > rems[order[b]] })
	for _, i := range order {
		if left == 0 {
			break
		}
		if amounts[i] > 0 {
			parts[i]++
			left--
		}
	}
	return parts
}
