package checkout

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/cart"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// Client is who is placing an order, for the order limits
// (settings.Limits): the client's address as the edge computed it behind
// its trusted proxies, and a key of the buyer's session (the store's
// session, or the cart for the API). Either may be empty in tests of
// other things; its limit is then not applied.
type Client struct {
	Addr       string
	SessionKey string
}

// unpaid reports whether the method reserves stock before any money
// arrives: a bank transfer (前払い, paid within days), cash on delivery,
// and a konbini voucher (paid within days). A card or PayPay order expires
// within minutes if it is not paid.
func unpaid(m order.PaymentMethod) bool {
	return m == order.BankTransfer || m == order.COD || m == order.Konbini
}

// tooManyOrders is the refusal's message; the store and the API show
// their own polite sentence for TooMany (「しばらくしてから…」), never which
// limit was reached.
const tooManyOrders = "too many orders in a short time; please try again later"

// checkOrder refuses an order over the limits with TooMany (and
// RetryAfter) before anything is written; takeOrder counts it, at the end
// of the order's transaction, so that only placed orders count and the
// limits' locks are held only to the commit.
func (s *Service) checkOrder(ctx context.Context, tx *sql.Tx, in Input, q *Quote, l settings.Limits, now time.Time) error {
	if s.limiter == nil {
		return nil
	}
	return throttle.Check(ctx, tx, now, tooManyOrders, orderRules(in, q, l)...)
}

// takeOrder counts the order against the limits in tx, or refuses it as
// checkOrder does when a concurrent order took the last place.
func (s *Service) takeOrder(ctx context.Context, tx *sql.Tx, in Input, q *Quote, l settings.Limits, now time.Time) error {
	if s.limiter == nil {
		return nil
	}
	return s.limiter.Take(ctx, tx, now, tooManyOrders, orderRules(in, q, l)...)
}

// orderRules are the limits an order counts against.
func orderRules(in Input, q *Quote, l settings.Limits) []throttle.Rule {
	var rules []throttle.Rule
	if in.Client.Addr != "" {
		rules = append(rules, throttle.Rule{Bucket: "order_address", Subject: throttle.Address(in.Client.Addr), Windows: l.OrdersPerAddress})
	}
	rules = append(rules, throttle.Rule{Bucket: "order_email", Subject: throttle.Email(q.Email), Windows: l.OrdersPerEmail})
	if in.Client.SessionKey != "" {
		rules = append(rules, throttle.Rule{Bucket: "order_session", Subject: throttle.Subject(in.Client.SessionKey), Windows: l.OrdersPerSession})
	}
	if unpaid(q.PaymentMethod) {
		rules = append(rules, throttle.Rule{Bucket: "order_unpaid", Windows: l.UnpaidOrders})
	}
	return rules
}

// UseLimiter makes Place count orders against the shop's limits
// (settings.Limits) through l. cmd/kaede always sets it; without it (tests
// of other things) orders are not limited.
func (s *Service) UseLimiter(l *throttle.Limiter) { s.limiter = l }

// checkUnpaidLines reports, for a method that reserves stock unpaid, every
// line over the shop's cap per variant (settings.Limits.UnpaidLineMax).
func checkUnpaidLines(c *cart.Cart, method order.PaymentMethod, l settings.Limits, p shop.Problems) {
	if l.UnpaidLineMax <= 0 || !unpaid(method) {
		return
	}
	for i, line := range c.Lines {
		if line.Quantity > l.UnpaidLineMax {
			p.Add(fmt.Sprintf("cart.lines.%d.quantity", i), shop.ReasonRange)
		}
	}
}
