package demo

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"kaede/internal/cardpay"
	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// The notes the order history shows, as the real paths write them.
const (
	noteCardReturn  = "card captured (return)"  // cardpay.followOrder, via the customer's return
	noteCardWebhook = "card captured (webhook)" // the same, via the provider's webhook
	noteCardExpired = "card payment not completed in time"
	notePaid        = "入金確認" // order.MarkPaid
	noteDelivered   = "配達完了" // order.MarkDelivered
	noteCustomer    = "お客様のご依頼によりキャンセル"
	noteUnpaid      = "お支払い期限を過ぎてもご入金が確認できなかったためキャンセル"
	noteRefused     = "受取拒否のため返送"
	noteTransferRef = "銀行振込にて返金" // order.MarkRefunded
)

// reviewer is the staff name on the scenario's licence reviews,
// shipments and refunds: the demo itself, as the audit log calls it.
const reviewer = "system:demo"

// item is a variant the scenario's customers can buy.
type item struct {
	product *catalog.Product
	variant catalog.Variant
	weight  float64
}

// planned is an order's time and customer, before anything else of it.
type planned struct {
	at  time.Time
	who int
}

// plan draws the orders' times over the history, more on weekdays, in the
// busy months and as the shop grows, at the hours people shop; and gives
// every customer at least one, the rest by each customer's weight.
func (g *generator) plan(n int, ps []*person) []planned {
	days := int(g.end.Sub(g.start) / (24 * time.Hour))
	dayW := make([]float64, days)
	for d := range dayW {
		t := g.start.AddDate(0, 0, d).In(shop.JST)
		w := 0.85 + 0.3*float64(d)/float64(days)
		switch t.Weekday() {
		case time.Saturday:
			w *= 0.85
		case time.Sunday:
			w *= 0.75
		}
		switch t.Month() {
		case time.March, time.December:
			w *= 1.2 // the clinics' year end and the gift season
		case time.August:
			w *= 0.85
		}
		dayW[d] = w
	}
	// JST hours; none in the last hour, so that a card order's payment
	// (minutes later) is settled before the day ends.
	hourW := []float64{2, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 5, 6, 6, 7, 6, 5, 5, 4, 4, 4, 5, 7, 8, 6, 0}
	dayCum, hourCum := cumulative(dayW), cumulative(hourW)
	times := make([]time.Time, n)
	for i := range times {
		d, h := g.draw(dayCum), g.draw(hourCum)
		times[i] = g.start.AddDate(0, 0, d).Add(time.Duration(h)*time.Hour +
			time.Duration(g.rng.IntN(3600))*time.Second + time.Duration(g.rng.IntN(1000))*time.Millisecond)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	who := make([]int, 0, n)
	for i := range ps {
		who = append(who, i)
	}
	weights := make([]float64, len(ps))
	for i, p := range ps {
		weights[i] = p.weight
	}
	cum := cumulative(weights)
	for len(who) < n {
		who = append(who, g.draw(cum))
	}
	g.rng.Shuffle(len(who), func(i, j int) { who[i], who[j] = who[j], who[i] })
	out := make([]planned, n)
	for i := range out {
		out[i] = planned{at: times[i], who: who[i]}
	}
	return out
}

// cumulative returns the running sums of ws, for draw.
func cumulative(ws []float64) []float64 {
	out := make([]float64, len(ws))
	var sum float64
	for i, w := range ws {
		sum += w
		out[i] = sum
	}
	return out
}

// draw returns an index of the running sums cum, each as likely as its
// weight, in logarithmic time (a million orders over thousands of
// customers).
func (g *generator) draw(cum []float64) int {
	x := g.rng.Float64() * cum[len(cum)-1]
	return min(sort.SearchFloat64s(cum, x), len(cum)-1)
}

// pastOrder is one generated order with what the scenario needs besides.
type pastOrder struct {
	order.Past
	who    int
	member bool               // placed while logged in: MemberID is set after the import
	holds  []catalog.Quantity // the stock it still holds when open
}

// makeOrder makes the seq-th order of its day, placed at pl.at by its
// customer, and its life up to the end of the history.
func (g *generator) makeOrder(pl planned, seq int, p *person) pastOrder {
	placed := pl.at.UTC()
	o := pastOrder{who: pl.who}
	o.Number, o.PlacedAt = order.FormatNumber(placed, seq), placed
	o.member = p.member && !placed.Before(p.registered) && g.rng.IntN(25) != 0
	o.Email = p.email
	if !o.member && p.member && g.rng.IntN(5) == 0 {
		// A guest checkout by someone with an account, typed with a
		// capital: still the same customer.
		o.Email = strings.ToUpper(p.email[:1]) + p.email[1:]
	}
	o.Locale = p.locale
	o.Address = p.home
	if p.clinic != nil && g.rng.IntN(4) != 0 {
		o.Address = *p.clinic
	}
	o.PaymentMethod = p.method
	if g.rng.IntN(7) == 0 {
		o.PaymentMethod = g.pick([]order.PaymentMethod{order.Card, order.BankTransfer, order.COD}, []float64{1, 1, 1})
	}
	if !g.enabled[o.PaymentMethod] {
		o.PaymentMethod = order.Card
	}
	o.fillChoices(g, placed)
	refund := g.live(&o, p)
	status := order.InitialStatus(o.PaymentMethod)
	if len(o.Events) > 0 {
		status = o.Events[len(o.Events)-1].To
	}
	open := status == order.Placed || status == order.Paid
	g.lines(&o, p, open)
	g.refund(&o, refund)
	return o
}

// fillChoices sets the delivery wishes, the note and the access token.
func (o *pastOrder) fillChoices(g *generator, placed time.Time) {
	if g.rng.IntN(7) == 0 && len(g.st.DeliverySlots) > 0 {
		o.DeliverySlot = g.st.DeliverySlots[g.rng.IntN(len(g.st.DeliverySlots))]
	}
	if g.rng.IntN(12) == 0 {
		day := placed.In(shop.JST).AddDate(0, 0, g.st.DeliveryMinDays+1+g.rng.IntN(7))
		o.DeliveryDate = day.Format("2006-01-02")
	}
	if g.rng.IntN(16) == 0 {
		o.Note = orderNotes[g.rng.IntN(len(orderNotes))]
	}
	o.AccessTokenHash = g.tokenHash()
}

// refundPlan is a refund the order's life calls for; its amount depends
// on the lines, drawn afterwards.
type refundPlan struct {
	at   time.Time
	full bool // the whole order; otherwise one item of one line
}

// life adds events while they happened before the history's end: once one
// is past it, so are the ones after.
type life struct {
	g    *generator
	o    *pastOrder
	done bool
}

func (l *life) to(to order.Status, at time.Time, note string) bool {
	if l.done || !at.Before(l.g.end) {
		l.done = true
		return false
	}
	from := order.InitialStatus(l.o.PaymentMethod)
	if n := len(l.o.Events); n > 0 {
		from = l.o.Events[n-1].To
	}
	l.o.Events = append(l.o.Events, order.Event{From: from, To: to, Note: note, At: at})
	return true
}

// live plays the order's life after checkout: the payment, the shop's
// shipment and the delivery, and the cancellations, refusals and returns
// a year of trade brings. It returns the refund to record, if any.
func (g *generator) live(o *pastOrder, p *person) *refundPlan {
	l := &life{g: g, o: o}
	t := o.PlacedAt
	switch o.PaymentMethod {
	case order.Card:
		var ok bool
		if t, ok = g.cardPayment(l, p); !ok {
			return nil
		}
		if g.rng.IntN(50) == 0 {
			at := g.workTime(t.Add(g.hours(1, 20)))
			if l.to(order.Cancelled, at, noteCustomer) {
				return &refundPlan{at: at.Add(g.minutes(5, 60)), full: true}
			}
			return nil
		}
	case order.BankTransfer:
		if g.rng.IntN(25) == 0 {
			l.to(order.Cancelled, g.workTime(t.AddDate(0, 0, g.st.PaymentDueDays+1+g.rng.IntN(4))), noteUnpaid)
			return nil
		}
		if g.rng.IntN(100) == 0 {
			l.to(order.Cancelled, g.workTime(t.Add(g.hours(1, 30))), noteCustomer)
			return nil
		}
		t = g.workTime(t.Add(g.hours(4, 96)))
		if !l.to(order.Paid, t, notePaid) {
			return nil
		}
		if g.rng.IntN(70) == 0 {
			at := g.workTime(t.Add(g.hours(1, 20)))
			if l.to(order.Cancelled, at, noteCustomer) {
				return &refundPlan{at: g.workTime(at.Add(g.hours(18, 30))), full: true}
			}
			return nil
		}
	case order.COD:
		if g.rng.IntN(70) == 0 {
			l.to(order.Cancelled, g.workTime(t.Add(g.hours(1, 20))), noteCustomer)
			return nil
		}
	}
	return g.ship(l, o, t)
}

// ship sends the parcel, delivers it (or, cash on delivery, sees it
// refused) and sometimes takes an item back.
func (g *generator) ship(l *life, o *pastOrder, ready time.Time) *refundPlan {
	shipped := g.workTime(ready.Add(g.hours(6, 60)))
	carrier := []order.Carrier{order.Yamato, order.Sagawa, order.JapanPost}[g.weighted([]float64{60, 25, 15})]
	sh := order.Shipment{Carrier: carrier, TrackingNumber: fmt.Sprintf("%d%011d", 1+g.rng.IntN(9), g.rng.Int64N(1e11)),
		ShippedAt: shipped, CreatedBy: reviewer, CreatedAt: shipped}
	if !l.to(order.Shipped, shipped, "") {
		return nil
	}
	o.Shipment = &sh
	days := 1 + g.rng.IntN(2)
	if p := o.Address.Prefecture; p == 1 || p == 47 {
		days++ // Hokkaido and Okinawa are a day further
	}
	if o.PaymentMethod == order.COD && g.rng.IntN(70) == 0 {
		l.to(order.Cancelled, g.workTime(shipped.AddDate(0, 0, 8+g.rng.IntN(3))), noteRefused)
		return nil
	}
	delivered := time.Date(shipped.Year(), shipped.Month(), shipped.Day(), 0, 0, 0, 0, time.UTC).
		AddDate(0, 0, days).Add(g.hours(0, 12)) // 09:00–21:00 JST
	if !l.to(order.Delivered, delivered, noteDelivered) {
		return nil
	}
	if g.rng.IntN(70) == 0 {
		return &refundPlan{at: g.workTime(delivered.AddDate(0, 0, 2+g.rng.IntN(8))), full: g.rng.IntN(3) == 0}
	}
	return nil
}

// cardPayment plays the customer at the provider's page: most cards pass
// 3-D Secure without a challenge and are captured at once; some fail the
// challenge or are declined and the customer tries again; a few give up
// and the order expires. It returns when the money was taken, and false
// when the order did not get that far.
func (g *generator) cardPayment(l *life, p *person) (time.Time, bool) {
	o := l.o
	o.ExpiresAt = o.PlacedAt.Add(g.opts.CardOrderTTL)
	var fails []string // the reasons of the failed attempts, in order
	giveUp := false
	switch g.weighted([]float64{920, 30, 25, 5, 20}) {
	case 1:
		fails = []string{reasonAuthFailed} // the challenge's code mistyped
	case 2:
		fails = []string{declines[g.rng.IntN(len(declines))]}
	case 3:
		fails = []string{"processing_error"}
	case 4:
		giveUp = true
		fails = []string{declines[g.rng.IntN(len(declines))]}
		if g.rng.IntN(2) == 0 {
			fails = append(fails, reasonAuthFailed)
		}
	}
	t := o.PlacedAt.Add(g.seconds(5, 40))
	c := p.cards[0]
	for i, reason := range fails {
		state := order.PaymentDeclined
		if reason == reasonAuthFailed || reason == "processing_error" {
			state = order.PaymentFailed
		}
		done := t.Add(g.seconds(30, 120))
		o.Card = append(o.Card, g.attempt(state, c, reason, t, done))
		t = done.Add(g.seconds(20, 150))
		if state == order.PaymentDeclined && i == len(fails)-1 {
			// Declined: the next try is with another card.
			if len(p.cards) < 2 {
				p.cards = append(p.cards, g.card())
			}
			c = p.cards[1]
		}
	}
	if giveUp {
		l.to(order.Cancelled, o.ExpiresAt.Add(g.seconds(5, 60)), noteCardExpired)
		return time.Time{}, false
	}
	done := t.Add(g.seconds(30, 120))
	o.Card = append(o.Card, g.attempt(order.PaymentCaptured, c, "", t, done))
	note := noteCardReturn
	if g.rng.IntN(5) == 0 {
		note = noteCardWebhook
	}
	return done, l.to(order.Paid, done, note)
}

// reasonAuthFailed is the provider's reason for a failed 3-D Secure
// challenge (gateway.ReasonAuthenticationFailed).
const reasonAuthFailed = "authentication_failed"

// attempt is one card payment as the provider left it.
func (g *generator) attempt(state order.PaymentState, c card, reason string, at, done time.Time) order.CardAttempt {
	ref := "pay_" + g.hexID(24)
	return order.CardAttempt{Provider: g.opts.Provider, Capture: "automatic", Ref: ref,
		RedirectURL: g.opts.GatewayURL + "/pay/" + ref, State: state, Brand: c.brand, Last4: c.last4,
		Reason: reason, CreatedAt: at, UpdatedAt: done}
}

// lines fills the order's items and prices them as checkout does. An
// order still open holds its stock, so it buys only what the stock can
// spare (a quarter of each variant's): the catalogue stays in stock.
func (g *generator) lines(o *pastOrder, p *person, open bool) {
	practitioner := o.member && p.practitioner()
	n := 1 + g.weighted([]float64{45, 30, 15, 7, 3})
	taken := map[int64]bool{}
	var items []shop.TaxLine
	for tries := 0; len(o.Lines) < n && tries < 20; tries++ {
		it := g.items[g.draw(g.itemCum)]
		v := it.variant
		if taken[v.ID] || (it.product.PractitionersOnly && !practitioner) {
			continue
		}
		qty := 1 + g.weighted([]float64{70, 20, 10})
		if strings.HasPrefix(it.product.CategorySlug, "hari") && practitioner {
			qty = 1 + g.rng.IntN(5)
		}
		if v.Price > 10000 {
			qty = 1
		}
		qty = min(qty, v.MaxPerOrder, cart.MaxQuantity)
		if open {
			qty = min(qty, g.budget[v.ID])
			if qty == 0 {
				continue
			}
			g.budget[v.ID] -= qty
			o.holds = append(o.holds, catalog.Quantity{VariantID: v.ID, SKU: v.SKU, Quantity: qty})
		}
		price := v.Price
		if practitioner && v.MemberPrice > 0 {
			price = v.MemberPrice
		}
		taken[v.ID] = true
		rate := it.product.TaxClass.Rate()
		o.Lines = append(o.Lines, order.Line{VariantID: v.ID, SKU: v.SKU,
			Name: checkout.LineName(it.product.NameJa, v.LabelJa), NameEn: checkout.LineName(it.product.NameEn, v.LabelEn),
			TaxRate: rate, UnitPrice: price, Quantity: qty, LineTotal: price * shop.Yen(qty)})
		items = append(items, shop.TaxLine{Rate: rate, Amount: price * shop.Yen(qty)})
	}
	if len(o.Lines) == 0 {
		// Nothing drawn could be spared: the first item anyone may buy
		// that can.
		it, ok := g.spare(open)
		if !ok {
			g.err = fmt.Errorf("order %s: the catalogue's stock cannot hold the open orders; generate fewer orders", o.Number)
		}
		v := it.variant
		if open && ok {
			g.budget[v.ID]--
			o.holds = append(o.holds, catalog.Quantity{VariantID: v.ID, SKU: v.SKU, Quantity: 1})
		}
		rate := it.product.TaxClass.Rate()
		o.Lines = append(o.Lines, order.Line{VariantID: v.ID, SKU: v.SKU,
			Name: checkout.LineName(it.product.NameJa, v.LabelJa), NameEn: checkout.LineName(it.product.NameEn, v.LabelEn),
			TaxRate: rate, UnitPrice: v.Price, Quantity: 1, LineTotal: v.Price})
		items = append(items, shop.TaxLine{Rate: rate, Amount: v.Price})
	}
	t, err := checkout.Price(items, o.Address.Prefecture, o.PaymentMethod, g.st)
	if err != nil {
		panic(fmt.Sprintf("demo: price order %s: %v", o.Number, err)) // the rates come from the catalogue
	}
	o.Subtotal, o.ShippingFee, o.CODFee, o.Total, o.Taxes = t.Subtotal, t.ShippingFee, t.CODFee, t.Total, t.Taxes
	o.TaxRounding, o.InvoiceNumber = g.st.TaxRounding, g.st.InvoiceNumber
}

// refund records the planned refund: through the provider for a card
// (with the reference cardpay records it by), by bank transfer otherwise.
func (g *generator) refund(o *pastOrder, r *refundPlan) {
	if r == nil || !r.at.Before(g.end) {
		return
	}
	amount := o.Total
	if !r.full {
		amount = o.Lines[g.rng.IntN(len(o.Lines))].UnitPrice
	}
	ref := order.Refund{Amount: amount, Note: noteTransferRef, CreatedBy: reviewer, CreatedAt: r.at}
	if o.PaymentMethod == order.Card {
		last := o.Card[len(o.Card)-1]
		ref.ProviderRef = cardpay.IdempotencyKey(o.Number, len(o.Card), last.CreatedAt, "refund-1")
		ref.Note = "カード返金（" + g.opts.Provider + "）"
	}
	o.Refunds = []order.Refund{ref}
}

// workTime moves t into the shop's working hours, 10:00–18:00 Tokyo time,
// Monday to Saturday, when staff mark payments, ship and refund.
func (g *generator) workTime(t time.Time) time.Time {
	for {
		j := t.In(shop.JST)
		switch {
		case j.Weekday() == time.Sunday:
			t = time.Date(j.Year(), j.Month(), j.Day()+1, 10, 0, 0, 0, shop.JST).Add(g.minutes(0, 120))
		case j.Hour() < 10:
			t = time.Date(j.Year(), j.Month(), j.Day(), 10, 0, 0, 0, shop.JST).Add(g.minutes(0, 120))
		case j.Hour() >= 18:
			t = time.Date(j.Year(), j.Month(), j.Day()+1, 10, 0, 0, 0, shop.JST).Add(g.minutes(0, 120))
		default:
			return t.UTC()
		}
	}
}

func (g *generator) seconds(lo, hi int) time.Duration {
	return time.Duration(lo+g.rng.IntN(hi-lo+1)) * time.Second
}

func (g *generator) minutes(lo, hi int) time.Duration {
	return time.Duration(lo*60+g.rng.IntN((hi-lo)*60+1)) * time.Second
}

func (g *generator) hours(lo, hi int) time.Duration {
	return time.Duration(lo*3600+g.rng.IntN((hi-lo)*3600+1)) * time.Second
}

// hexID returns n random hex digits, as providers make payment ids, never
// with thirteen decimal digits in a row: a scan for card numbers should
// find none in the demo, not even by chance.
func (g *generator) hexID(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for {
		run, longest := 0, 0
		for i := range b {
			b[i] = digits[g.rng.IntN(16)]
			if b[i] <= '9' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
		if longest < 13 {
			return string(b)
		}
	}
}

// itemWeights are how often each category's goods sell, by the category's
// root slug.
var itemWeights = map[string]float64{"hari": 3, "kyu": 2, "oil": 2, "linen": 1.5, "bed": 0.8, "books": 0.6, "food": 1.5}

// setItems makes the buyable variants of the published products, and
// each variant's budget: what open orders may hold of its stock.
func (g *generator) setItems(ps []catalog.Product) error {
	g.budget = map[int64]int{}
	for i := range ps {
		p := &ps[i]
		if p.Status != catalog.StatusPublished || len(p.Variants) == 0 {
			continue
		}
		root, _, _ := strings.Cut(p.CategorySlug, "-")
		w, ok := itemWeights[root]
		if !ok {
			w = 1
		}
		for _, v := range p.Variants {
			g.items = append(g.items, item{product: p, variant: v, weight: w / math.Sqrt(float64(len(p.Variants)))})
			g.budget[v.ID] = v.Stock / 4
		}
	}
	if len(g.items) == 0 {
		return fmt.Errorf("the catalogue has no published products to sell")
	}
	ws := make([]float64, len(g.items))
	for i, it := range g.items {
		ws[i] = it.weight
	}
	g.itemCum = cumulative(ws)
	return nil
}

// spare returns the first item anyone may buy and, for an open order,
// whose stock can spare one more; false when there is none.
func (g *generator) spare(open bool) (item, bool) {
	for _, it := range g.items {
		if !it.product.PractitionersOnly && (!open || g.budget[it.variant.ID] > 0) {
			return it, true
		}
	}
	return g.items[0], false
}
