// Package checkout turns a cart into an order: it validates the customer's
// input, prices the cart from the database, shows everything the final
// confirmation screen must show (特定商取引法, 2022), and places the order in
// one transaction that reserves the stock, writes the order and its
// confirmation e-mail, and records the Idempotency-Key.
package checkout

import (
	"context"
	"database/sql"
	"fmt"
	"kaede/internal/calendar"
	"strings"
	"time"

	"kaede/internal/billing"
	"kaede/internal/cart"
	"kaede/internal/coupon"
	"kaede/internal/db"
	"kaede/internal/mail"
	"kaede/internal/mailtext"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/switches"
	"kaede/internal/throttle"
)

// Service validates, prices and places orders.
type Service struct {
	db      *db.DB
	carts   *cart.Service
	orders  *order.Service
	mail    *mail.Queue
	clock   shop.Clock
	baseURL string
	card    *CardOptions // nil: the shop takes no cards
	// switches stop checkout or card payments; nil: no switches (tests
	// of other things). cmd/kaede always sets them (UseSwitches).
	switches *switches.Service
	// limiter counts orders per client, e-mail, session and unpaid
	// orders shop-wide; nil: no limits (UseLimiter).
	limiter *throttle.Limiter
	// texts are the shop's wording of the confirmation; nil: the
	// embedded (UseTexts).
	texts *mailtext.Service
	// accounts are the business customers who may order on account
	// (order.Invoice); nil: nobody may (UseAccounts).
	accounts *billing.Service
}

// New returns the checkout service. baseURL (e.g. "https://kaede.example")
// starts the link to the order in the confirmation e-mail.
func New(d *db.DB, carts *cart.Service, orders *order.Service, q *mail.Queue, clock shop.Clock, baseURL string) *Service {
	return &Service{db: d, carts: carts, orders: orders, mail: q, clock: clock,
		baseURL: strings.TrimRight(baseURL, "/")}
}

// Input is what the customer submits at checkout. Field names in errors
// are the JSON API's: "email", "shipping_address.postal_code",
// "payment_method", "delivery_date", "delivery_slot", "note", "locale",
// "idempotency_key", and "cart" for the cart itself.
type Input struct {
	CartID         string
	Viewer         shop.Viewer
	Email          string
	Address        shop.Address
	PaymentMethod  string
	DeliveryDate   string // YYYY-MM-DD, or "" for the earliest
	DeliverySlot   string // one of the shop's slots, or "" for any time
	Note           string
	Locale         string // "ja" (the default) or "en"
	IdempotencyKey string // required by Place: 1..255 printable ASCII
	// Client is who places the order, for the order limits (limits.go).
	Client Client
	// QuoteFingerprint and ExpectedTotal are what the customer confirmed
	// (Quote.Fingerprint, Quote.Total); Place refuses with ErrQuoteChanged
	// when the order would differ. Empty or nil: not checked (the API's
	// older clients); the store's order button always sends a fingerprint.
	QuoteFingerprint string
	ExpectedTotal    *shop.Yen
	// CouponCode is the coupon the customer entered ("" for none); its
	// problems are reported on the field "coupon_code".
	CouponCode string
}

// Quote is everything the final confirmation screen shows, on one screen,
// just before the order button: the items with quantities and prices,
// every fee and the total, the tax per rate, when and how to pay, when the
// goods arrive, and how to cancel or return.
type Quote struct {
	Lines         []cart.Line
	Count         int
	Subtotal      shop.Yen        // items, tax included
	ShippingFee   shop.Yen        // 0 over the free-shipping threshold
	CODFee        shop.Yen        // the payment method's fee: COD, konbini or PayPay
	Coupon        *coupon.Applied // the coupon's discount, nil without one
	Discount      shop.Yen        // the coupon's discount, 0 without one
	Total         shop.Yen
	Taxes         []shop.TaxSummary // per rate, on the discounted amounts, rounded once per rate
	TaxRounding   shop.Rounding
	InvoiceNumber string // the shop's registration number, T + 13 digits
	Email         string
	Address       shop.Address // normalised
	PaymentMethod order.PaymentMethod
	PaymentTime   string                // when and how to pay, in the input's language
	PaymentDue    string                // bank transfer: the last day to pay, YYYY-MM-DD
	BankAccount   *settings.BankAccount // bank transfer: where to pay (振込先)
	DeliveryDate  string
	DeliverySlot  string
	DeliveryTime  string // when the goods arrive, in the input's language
	ReturnPolicy  string // cancellation and returns (返品・キャンセル)
	Note          string
	Locale        string
}

// Quote validates the input against the cart and the shop's settings and
// prices the cart for the confirmation screen. While the shop has stopped
// checkout (switches) it is switches.ErrCheckoutStopped whatever the
// input. Every bad field is reported at once (Invalid; a card while card
// payments are stopped is payment_method: shop.ReasonStopped); once the
// fields are right, a practitioners-only item for a viewer without an
// approved licence is Forbidden, and an item short of stock is OutOfStock
// naming its SKU. The idempotency key is not needed to quote and is not
// checked.
func (s *Service) Quote(ctx context.Context, in Input) (*Quote, error) {
	sw, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Shop(ctx, s.db)
	if err != nil {
		return nil, err
	}
	today := tokyoDate(s.clock())
	in, p := normalize(in, st, today, cal, false, s.card != nil)
	s.checkCardStopped(in, sw, p)
	if err := s.takeCouponAttempt(ctx, in, p); err != nil {
		return nil, err
	}
	var q *Quote
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		q, err = s.quote(ctx, tx, in, p, st, today, cal)
		return err
	})
	return q, err
}

// quote loads and checks the cart inside tx and prices it. p holds the
// problems normalize found; the cart's own are added to them.
func (s *Service) quote(ctx context.Context, tx *sql.Tx, in Input, p shop.Problems, st settings.Settings, today time.Time,
	cal calendar.Calendar) (*Quote, error) {
	c := &cart.Cart{}
	if in.CartID == "" {
		p.Add("cart", shop.ReasonRequired)
	} else {
		var err error
		if c, err = cart.Load(ctx, tx, in.CartID, in.Viewer); err != nil {
			return nil, err
		}
	}
	checkCartFields(c, p)
	checkUnpaidLines(c, order.PaymentMethod(in.PaymentMethod), st.Limits, p)
	applied, err := checkCoupon(ctx, tx, c, in, today, p)
	if err != nil {
		return nil, err
	}
	q, err := price(c, in, st, today, cal, applied)
	if err != nil {
		return nil, err
	}
	s.addCardLimit(q)
	if q.PaymentMethod == order.COD && q.Total > st.CODLimit {
		p.Add("payment_method", shop.ReasonRange)
	}
	if err := s.checkAccount(ctx, tx, in, q, p, false); err != nil {
		return nil, err
	}
	if q.PaymentMethod == order.Konbini && q.Total > KonbiniLimit {
		p.Add("payment_method", shop.ReasonRange)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if err := checkCartState(c, in.Viewer); err != nil {
		return nil, err
	}
	return q, nil
}

// checkCartFields reports an empty cart and a line over its per-order
// limit (which the shop may have lowered since it was added).
func checkCartFields(c *cart.Cart, p shop.Problems) {
	if len(c.Lines) == 0 {
		p.Add("cart", shop.ReasonRequired)
	}
	for i, l := range c.Lines {
		if l.Quantity > l.Limit() {
			p.Add(fmt.Sprintf("cart.lines.%d.quantity", i), shop.ReasonRange)
		}
	}
}

// checkCartState refuses practitioners-only items to other viewers, then
// items short of stock, naming every such SKU.
func checkCartState(c *cart.Cart, viewer shop.Viewer) error {
	var restricted, short []string
	for _, l := range c.Lines {
		if l.PractitionersOnly && !viewer.Practitioner {
			restricted = append(restricted, l.SKU)
		}
		if l.Quantity > l.Stock {
			short = append(short, l.SKU)
		}
	}
	if len(restricted) > 0 {
		return shop.Errorf(shop.Forbidden, "%s sold only to practitioners whose licence the shop has approved",
			strings.Join(restricted, ", "))
	}
	if len(short) > 0 {
		return shop.Errorf(shop.OutOfStock, "not enough stock of %s", strings.Join(short, ", "))
	}
	return nil
}

// price computes the fees, the total and the tax per rate of the cart
// (Price), and describes the quote for the confirmation screen.
func price(c *cart.Cart, in Input, st settings.Settings, today time.Time, cal calendar.Calendar, applied *coupon.Applied) (*Quote, error) {
	q := &Quote{Lines: c.Lines, Count: c.Count, Subtotal: c.Subtotal, Email: in.Email, Address: in.Address,
		PaymentMethod: order.PaymentMethod(in.PaymentMethod), DeliveryDate: in.DeliveryDate, DeliverySlot: in.DeliverySlot,
		TaxRounding: st.TaxRounding, InvoiceNumber: st.InvoiceNumber, ReturnPolicy: st.ReturnPolicy,
		Note: in.Note, Locale: in.Locale}
	items := make([]shop.TaxLine, len(c.Lines))
	for i, l := range c.Lines {
		items[i] = shop.TaxLine{Rate: l.TaxRate, Amount: l.LineTotal}
	}
	t, err := PriceDiscounted(items, applied, in.Address.Prefecture, q.PaymentMethod, st)
	if err != nil {
		return nil, fmt.Errorf("quote: %w", err)
	}
	q.ShippingFee, q.CODFee, q.Discount, q.Total, q.Taxes = t.ShippingFee, t.CODFee, t.Discount, t.Total, t.Taxes
	q.Coupon = applied
	if err := describe(q, st, today, cal); err != nil {
		return nil, err
	}
	return q, nil
}

// Totals is what an order costs: its items, its fees, the total the
// customer pays and the tax per rate.
type Totals struct {
	Subtotal    shop.Yen // items, tax included
	ShippingFee shop.Yen // 0 over the free-shipping threshold
	CODFee      shop.Yen // the payment method's fee: COD, konbini or PayPay
	Discount    shop.Yen // a coupon's, taken off the items
	Total       shop.Yen
	Taxes       []shop.TaxSummary // per rate, rounded once per rate
}

// Price computes what items (each line's tax-included total at its rate)
// cost delivered to the prefecture and paid by method, under the shop's
// settings. Shipping and the COD fee are taxed at the standard rate with
// the goods; the tax of each rate is rounded once, never per line. It is
// the one rule behind every quote, and what imported orders are priced by.
func Price(items []shop.TaxLine, prefecture int, method order.PaymentMethod, st settings.Settings) (Totals, error) {
	return PriceDiscounted(items, nil, prefecture, method, st)
}

// PriceDiscounted is Price with a coupon's discount (nil: none) taken off
// the items. The free-shipping threshold looks at the items before the
// discount, as the cart showed it. The tax of each rate is computed on
// that rate's items less the part of the discount split onto them
// (coupon.Split), plus the fees: the qualified invoice states the tax on
// what was actually paid per rate (値引き後の税率ごとの対価の額).
func PriceDiscounted(items []shop.TaxLine, discount *coupon.Applied, prefecture int, method order.PaymentMethod, st settings.Settings) (Totals, error) {
	var t Totals
	for _, it := range items {
		t.Subtotal += it.Amount
	}
	if len(items) > 0 {
		t.ShippingFee = st.ShippingFee(prefecture, t.Subtotal)
	}
	// The method's own fee: the COD fee, or the konbini or PayPay fee,
	// kept as the order's one payment fee (order.FeeLabel names it).
	switch method {
	case order.COD:
		t.CODFee = st.CODFee
	case order.Konbini:
		t.CODFee = st.KonbiniFee
	case order.PayPay:
		t.CODFee = st.PayPayFee
	}
	perRate := map[shop.TaxRate]shop.Yen{}
	var rates []shop.TaxRate
	for _, it := range items {
		if _, seen := perRate[it.Rate]; !seen {
			rates = append(rates, it.Rate)
		}
		perRate[it.Rate] += it.Amount
	}
	if discount != nil {
		t.Discount = discount.Discount
		for _, r := range []shop.TaxRate{shop.RateStandard, shop.RateReduced} {
			if discount.ByRate(r) > perRate[r] {
				return Totals{}, fmt.Errorf("price: discount %d at %d%% over the items' %d", discount.ByRate(r), r, perRate[r])
			}
			perRate[r] -= discount.ByRate(r)
		}
	}
	t.Total = t.Subtotal - t.Discount + t.ShippingFee + t.CODFee
	taxLines := make([]shop.TaxLine, 0, len(rates)+2)
	for _, r := range rates {
		taxLines = append(taxLines, shop.TaxLine{Rate: r, Amount: perRate[r]})
	}
	for _, fee := range []shop.Yen{t.ShippingFee, t.CODFee} {
		if fee > 0 {
			taxLines = append(taxLines, shop.TaxLine{Rate: shop.RateStandard, Amount: fee})
		}
	}
	var err error
	if t.Taxes, err = shop.ComputeTax(taxLines, shop.TaxIncluded, st.TaxRounding); err != nil {
		return Totals{}, err
	}
	return t, nil
}
