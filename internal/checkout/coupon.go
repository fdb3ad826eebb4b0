package checkout

import (
	"context"
	"database/sql"
	"time"

	"kaede/internal/cart"
	"kaede/internal/coupon"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// tooManyCoupons is the refusal's message when a client tries too many
// codes (coupon.AttemptsPerClient).
const tooManyCoupons = "too many coupon codes tried in a short time; please try again later"

// takeCouponAttempt counts a quote or order with a well-formed coupon code
// against the client's coupon attempts, or refuses it with TooMany. Every
// attempt counts, right or wrong: counting only wrong ones would let a
// guesser see a right one succeed after the limit. Without a client
// address or session (tests of other things) or a limiter nothing is
// counted. It has its own transaction: an order refused for its code must
// still count.
func (s *Service) takeCouponAttempt(ctx context.Context, in Input, p shop.Problems) error {
	if s.limiter == nil || in.CouponCode == "" {
		return nil
	}
	if _, bad := p["coupon_code"]; bad {
		return nil
	}
	var rules []throttle.Rule
	if in.Client.Addr != "" {
		rules = append(rules, throttle.Rule{Bucket: "coupon_address", Subject: throttle.Address(in.Client.Addr), Windows: coupon.AttemptsPerClient})
	}
	if in.Client.SessionKey != "" {
		rules = append(rules, throttle.Rule{Bucket: "coupon_session", Subject: throttle.Subject(in.Client.SessionKey), Windows: coupon.AttemptsPerClient})
	}
	if len(rules) == 0 {
		return nil
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.limiter.Take(ctx, tx, s.clock(), tooManyCoupons, rules...)
	})
}

// checkCoupon finds the input's coupon and computes its discount on the
// cart, or adds the reason it cannot be used to p under "coupon_code".
// nil: no coupon (or a problem).
func checkCoupon(ctx context.Context, tx *sql.Tx, c *cart.Cart, in Input, today time.Time, p shop.Problems) (*coupon.Applied, error) {
	if in.CouponCode == "" || len(c.Lines) == 0 {
		return nil, nil
	}
	if _, bad := p["coupon_code"]; bad {
		return nil, nil
	}
	variants := make([]int64, len(c.Lines))
	rates := make([]shop.TaxRate, len(c.Lines))
	amounts := make([]shop.Yen, len(c.Lines))
	for i, l := range c.Lines {
		variants[i], rates[i], amounts[i] = l.VariantID, l.TaxRate, l.LineTotal
	}
	items, err := coupon.ItemsOf(ctx, tx, variants, rates, amounts)
	if err != nil {
		return nil, err
	}
	a, reason, err := coupon.Check(ctx, tx, in.CouponCode, items, coupon.Customer(in.Viewer.MemberID, in.Email), today.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	if reason != "" {
		p.Add("coupon_code", reason)
		return nil, nil
	}
	return &a, nil
}
