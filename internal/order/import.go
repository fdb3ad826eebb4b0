package order

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Past is an order from the shop's past, as checkout placed it and as its
// life went on, for ImportHistory: a shop moving its records to Kaede, or
// the demo's year of trade.
type Past struct {
	// Number is what the customer quotes; FormatNumber of the day the
	// order was placed and its place in that day gives Kaede's own form.
	Number   string
	PlacedAt time.Time
	// Draft is the order as checkout priced it (checkout.Price), with the
	// hash of its access token.
	Draft
	// ExpiresAt is when an unpaid card order would have expired.
	ExpiresAt time.Time
	// Events are the status changes after the order was placed, oldest
	// first, each one CanTransition allows. A change to Shipped without a
	// note gets the shipment's, as Ship writes it.
	Events []Event
	// Card is a card order's payment attempts, oldest first, as the
	// provider left them. Every attempt but the last failed for good.
	Card []CardAttempt
	// Shipment is the parcel of an order that was shipped.
	Shipment *Shipment
	// Refunds are the money returned, oldest first, from the payment that
	// took it: through the provider for a card (ProviderRef set), by bank
	// transfer otherwise.
	Refunds []Refund
}

// CardAttempt is one try at paying a card order, as the provider reported
// it: its reference, the card's brand and last four digits (never more of
// a card), and for a refusal the provider's reason.
type CardAttempt struct {
	Provider    string
	Capture     string // automatic or manual
	Ref         string
	RedirectURL string
	// State is what the provider said last: authorized or captured for
	// the attempt that paid, declined, failed (a 3-D Secure challenge
	// failed: Reason authentication_failed) or cancelled for the others.
	// Refunds and a cancelled order change it as they would have.
	State     PaymentState
	Brand     string
	Last4     string
	Reason    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ImportHistory writes past orders inside tx, in bulk: each with its
// lines, taxes, events, payments (every card attempt), shipment and
// refunds, as checkout, the card path and the staff's actions would have
// left them. Each order is checked first: its figures add up, its events
// follow the status rules, its payments agree with its status; the
// problems name the order ("orders.7.events.2"). Numbers of Kaede's form
// advance the day's sequence, so that the next order of that day is
// numbered after them. The caller reserves the stock that orders still
// open hold (catalog.ReserveStock) in the same transaction; no e-mail is
// written and no audit entry: the caller records the import as one.
func (s *Service) ImportHistory(ctx context.Context, tx *sql.Tx, orders []Past) error {
	p := shop.Problems{}
	lives := make([]life, len(orders))
	seen := make(map[string]bool, len(orders))
	for i := range orders {
		prefix := fmt.Sprintf("orders.%d.", i)
		lives[i] = orders[i].check(prefix, p)
		if seen[orders[i].Number] {
			p.Add(prefix+"number", shop.ReasonTaken)
		}
		seen[orders[i].Number] = true
	}
	if err := p.Err(); err != nil {
		return err
	}
	ids, err := s.importOrders(ctx, tx, orders, lives)
	if err != nil {
		return fmt.Errorf("import orders: %w", err)
	}
	if err := s.importDetails(ctx, tx, orders, ids); err != nil {
		return fmt.Errorf("import orders: %w", err)
	}
	if err := s.importPayments(ctx, tx, orders, lives, ids); err != nil {
		return fmt.Errorf("import orders: %w", err)
	}
	if err := advanceSequences(ctx, tx, orders); err != nil {
		return fmt.Errorf("import orders: %w", err)
	}
	return nil
}

// life is what check derived from a past order: where it ended up and
// what that means for its payment.
type life struct {
	status    Status
	updatedAt time.Time
	payment   PaymentState // of the last payment, refunds applied
	paidAt    time.Time    // when the payment last changed
	refunded  shop.Yen
}

// check normalises o and reports its problems under prefix.
func (o *Past) check(prefix string, p shop.Problems) life {
	o.checkFigures(prefix, p)
	l := o.checkEvents(prefix, p)
	o.checkPayments(prefix, p, &l)
	return l
}

// checkFigures checks the order's fields and that its figures add up.
func (o *Past) checkFigures(prefix string, p shop.Problems) {
	shop.CheckText(p, prefix+"number", o.Number, true, 40)
	if o.PlacedAt.IsZero() {
		p.Add(prefix+"placed_at", shop.ReasonRequired)
	}
	shop.CheckText(p, prefix+"email", o.Email, true, 254)
	if !o.PaymentMethod.Valid() {
		p.Add(prefix+"payment_method", shop.ReasonChoice)
	}
	if o.Locale != "ja" && o.Locale != "en" {
		p.Add(prefix+"locale", shop.ReasonChoice)
	}
	if !o.TaxRounding.Valid() {
		p.Add(prefix+"tax_rounding", shop.ReasonChoice)
	}
	if len(o.AccessTokenHash) != 64 {
		p.Add(prefix+"access_token_hash", shop.ReasonFormat)
	}
	o.Address = shop.ValidateAddress(o.Address, prefix+"shipping_address.", p)
	if len(o.Lines) == 0 {
		p.Add(prefix+"lines", shop.ReasonRequired)
	}
	var subtotal shop.Yen
	for i, l := range o.Lines {
		if l.Quantity <= 0 || l.UnitPrice < 0 || l.LineTotal != l.UnitPrice*shop.Yen(l.Quantity) ||
			(l.TaxRate != shop.RateStandard && l.TaxRate != shop.RateReduced) || l.VariantID == 0 {
			p.Add(fmt.Sprintf("%slines.%d", prefix, i), shop.ReasonRange)
		}
		subtotal += l.LineTotal
	}
	var taxed shop.Yen
	for _, t := range o.Taxes {
		taxed += t.Total()
	}
	if subtotal != o.Subtotal || o.Total != o.Subtotal+o.ShippingFee+o.CODFee || taxed != o.Total ||
		(o.CODFee != 0 && o.PaymentMethod != COD && o.PaymentMethod != Konbini && o.PaymentMethod != PayPay) ||
		(o.CODFee == 0 && o.PaymentMethod == COD) {
		p.Add(prefix+"total", shop.ReasonRange)
	}
}

// checkEvents follows the order's events from its first status and
// returns where it ended.
func (o *Past) checkEvents(prefix string, p shop.Problems) life {
	l := life{status: InitialStatus(o.PaymentMethod), updatedAt: o.PlacedAt}
	shipped := false
	for i, e := range o.Events {
		if e.From != l.status || !CanTransition(e.From, e.To, o.PaymentMethod) || e.At.Before(l.updatedAt) {
			p.Add(fmt.Sprintf("%sevents.%d", prefix, i), shop.ReasonRange)
			return l
		}
		if e.To == Shipped {
			shipped = true
			if o.Shipment == nil {
				p.Add(prefix+"shipment", shop.ReasonRequired)
			} else if sh, err := o.Shipment.validate(o.PlacedAt, e.At); err != nil {
				p.Add(prefix+"shipment", shop.ReasonFormat)
			} else {
				o.Shipment = &sh
				if e.Note == "" {
					o.Events[i].Note = shipmentNote(sh)
				}
			}
		}
		l.status, l.updatedAt = e.To, e.At
	}
	if o.Shipment != nil && !shipped {
		p.Add(prefix+"shipment", shop.ReasonRange)
	}
	return l
}

// checkPayments checks the card attempts and the refunds against the
// order's life, and works out its last payment's state as the order's
// changes and the refunds left it (applyToPayment, recordRefund).
func (o *Past) checkPayments(prefix string, p shop.Problems, l *life) {
	// took: the money arrived (a transfer marked paid, a COD parcel
	// delivered) or, for a card, the payment succeeded (authorised or
	// captured) and captured says whether it was taken.
	took, captured := false, false
	for _, e := range o.Events {
		switch {
		case o.PaymentMethod == Card && (e.To == Placed || e.To == Paid) && e.From == AwaitingPayment:
			took = true
			captured = captured || e.To == Paid
		case o.PaymentMethod == Card && e.To == Paid:
			captured = true
		case o.PaymentMethod == BankTransfer && e.To == Paid, o.PaymentMethod == COD && e.To == Delivered:
			took = true
		}
	}
	l.payment, l.paidAt = PaymentPending, o.PlacedAt
	if o.PaymentMethod == Card {
		if !o.checkAttempts(prefix, p, took, captured) {
			return
		}
		last := o.Card[len(o.Card)-1]
		l.payment, l.paidAt = last.State, last.UpdatedAt
	} else if len(o.Card) > 0 {
		p.Add(prefix+"card", shop.ReasonRange)
	} else if took {
		l.payment = PaymentSucceeded
		l.paidAt = o.moneyAt()
	}
	if l.status == Cancelled {
		switch l.payment {
		case PaymentPending, PaymentRequiresAction, PaymentAuthorized:
			l.payment, l.paidAt = PaymentCancelled, l.updatedAt
		}
	}
	for i, r := range o.Refunds {
		field := fmt.Sprintf("%srefunds.%d", prefix, i)
		card := o.PaymentMethod == Card
		switch {
		case l.payment != PaymentSucceeded && l.payment != PaymentCaptured && l.payment != PaymentPartiallyRefunded,
			r.Amount <= 0, l.refunded+r.Amount > o.Total, card != (r.ProviderRef != ""),
			r.CreatedAt.Before(l.paidAt), r.CreatedBy == "":
			p.Add(field, shop.ReasonRange)
			return
		}
		l.refunded += r.Amount
		l.payment, l.paidAt = PaymentPartiallyRefunded, r.CreatedAt
		if l.refunded == o.Total {
			l.payment = PaymentRefunded
		}
	}
}

// checkAttempts checks a card order's attempts: each but the last failed
// for good, the last one paid exactly when the order was paid, and no
// card is kept beyond its brand and last four digits.
func (o *Past) checkAttempts(prefix string, p shop.Problems, took, captured bool) bool {
	if len(o.Card) == 0 {
		p.Add(prefix+"card", shop.ReasonRequired)
		return false
	}
	ok := true
	for i, a := range o.Card {
		field := fmt.Sprintf("%scard.%d", prefix, i)
		final := a.State == PaymentDeclined || a.State == PaymentFailed || a.State == PaymentCancelled
		paid := a.State == PaymentAuthorized || a.State == PaymentCaptured
		last := i == len(o.Card)-1
		switch {
		case !last && !final, last && paid != took, last && !paid && !final,
			last && captured != (a.State == PaymentCaptured),
			a.Provider == "", a.Ref == "", a.CreatedAt.Before(o.PlacedAt), a.UpdatedAt.Before(a.CreatedAt):
			p.Add(field, shop.ReasonRange)
			ok = false
		case !validLast4(a.Last4) || len(a.Brand) > 20:
			p.Add(field+".last4", shop.ReasonFormat)
			ok = false
		}
	}
	return ok
}

// validLast4 accepts four digits or nothing (a card never entered).
func validLast4(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// moneyAt is when a transfer or COD order's money arrived: the change to
// paid, or a COD parcel's delivery.
func (o *Past) moneyAt() time.Time {
	for _, e := range o.Events {
		if e.To == Paid || (e.To == Delivered && o.PaymentMethod == COD) {
			return e.At
		}
	}
	return o.PlacedAt
}

// importOrders writes the orders and returns their ids by number.
func (s *Service) importOrders(ctx context.Context, tx *sql.Tx, orders []Past, lives []life) (map[string]int64, error) {
	rows := s.db.NewRows("orders", "number", "member_id", "email", "locale", "status", "payment_method",
		"subtotal", "shipping_fee", "cod_fee", "total", "tax_basis", "tax_rounding", "invoice_number",
		"ship_name", "ship_name_kana", "ship_postal_code", "ship_prefecture", "ship_city", "ship_line1", "ship_line2", "ship_phone",
		"delivery_date", "delivery_slot", "note", "access_token_hash", "expires_at", "created_at", "updated_at")
	for i, o := range orders {
		var member, expires any
		if o.MemberID != 0 {
			member = o.MemberID
		}
		if !o.ExpiresAt.IsZero() {
			expires = o.ExpiresAt.UTC()
		}
		a := o.Address
		rows.Add(o.Number, member, o.Email, o.Locale, lives[i].status, o.PaymentMethod,
			o.Subtotal, o.ShippingFee, o.CODFee, o.Total, shop.TaxIncluded, o.TaxRounding, o.InvoiceNumber,
			a.Name, a.NameKana, a.PostalCode, a.Prefecture, a.City, a.Line1, a.Line2, a.Phone,
			o.DeliveryDate, o.DeliverySlot, o.Note, o.AccessTokenHash, expires, o.PlacedAt.UTC(), lives[i].updatedAt.UTC())
	}
	ids := make(map[string]int64, len(orders))
	err := rows.InsertReturning(ctx, tx, "id, number", func(r *sql.Rows) error {
		var id int64
		var number string
		if err := r.Scan(&id, &number); err != nil {
			return err
		}
		ids[number] = id
		return nil
	})
	return ids, err
}

// importDetails writes the orders' lines, taxes, events and shipments.
func (s *Service) importDetails(ctx context.Context, tx *sql.Tx, orders []Past, ids map[string]int64) error {
	lines := s.db.NewRows("order_lines", "order_id", "variant_id", "sku", "name", "name_en", "tax_rate", "unit_price",
		"quantity", "line_total")
	taxes := s.db.NewRows("order_taxes", "order_id", "rate", "taxable", "tax")
	events := s.db.NewRows("order_events", "order_id", "from_status", "to_status", "note", "created_at")
	shipments := s.db.NewRows("shipments", "order_id", "carrier", "carrier_name", "tracking_number", "shipped_at",
		"created_by", "created_at")
	for _, o := range orders {
		id := ids[o.Number]
		for _, l := range o.Lines {
			lines.Add(id, l.VariantID, l.SKU, l.Name, l.NameEn, l.TaxRate, l.UnitPrice, l.Quantity, l.LineTotal)
		}
		for _, t := range o.Taxes {
			taxes.Add(id, t.Rate, t.Taxable, t.Tax)
		}
		events.Add(id, "", InitialStatus(o.PaymentMethod), "", o.PlacedAt.UTC())
		for _, e := range o.Events {
			events.Add(id, e.From, e.To, e.Note, e.At.UTC())
		}
		if sh := o.Shipment; sh != nil {
			by, at := sh.CreatedBy, sh.CreatedAt
			if at.IsZero() {
				at = sh.ShippedAt
			}
			shipments.Add(id, sh.Carrier, sh.CarrierName, sh.TrackingNumber, sh.ShippedAt.UTC(), by, at.UTC())
		}
	}
	for _, r := range []*db.Rows{lines, taxes, events, shipments} {
		if err := r.Insert(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// importPayments writes each order's payments (one per card attempt) and
// its refunds, which belong to the last payment.
func (s *Service) importPayments(ctx context.Context, tx *sql.Tx, orders []Past, lives []life, ids map[string]int64) error {
	rows := s.db.NewRows("payments", "order_id", "method", "provider", "state", "amount", "refunded", "provider_ref",
		"brand", "last4", "attempt", "capture", "captured", "reason", "redirect_url", "created_at", "updated_at")
	for i, o := range orders {
		id, l := ids[o.Number], lives[i]
		if o.PaymentMethod != Card {
			rows.Add(id, o.PaymentMethod, "", l.payment, o.Total, l.refunded, "", "", "", 1, "", 0, "", "",
				o.PlacedAt.UTC(), l.paidAt.UTC())
			continue
		}
		for n, a := range o.Card {
			state, refunded, updated := a.State, shop.Yen(0), a.UpdatedAt
			if n == len(o.Card)-1 {
				state, refunded, updated = l.payment, l.refunded, l.paidAt
			}
			var captured shop.Yen
			if a.State == PaymentCaptured {
				captured = o.Total
			}
			rows.Add(id, Card, a.Provider, state, o.Total, refunded, a.Ref, a.Brand, a.Last4, n+1, a.Capture,
				captured, a.Reason, a.RedirectURL, a.CreatedAt.UTC(), updated.UTC())
		}
	}
	type key struct {
		order   int64
		attempt int
	}
	payments := make(map[key]int64, rows.Len())
	err := rows.InsertReturning(ctx, tx, "id, order_id, attempt", func(r *sql.Rows) error {
		var k key
		var id int64
		if err := r.Scan(&id, &k.order, &k.attempt); err != nil {
			return err
		}
		payments[k] = id
		return nil
	})
	if err != nil {
		return err
	}
	refunds := s.db.NewRows("refunds", "order_id", "payment_id", "amount", "provider_ref", "note", "created_by", "created_at")
	for _, o := range orders {
		id := ids[o.Number]
		last := max(len(o.Card), 1)
		for _, r := range o.Refunds {
			refunds.Add(id, payments[key{id, last}], r.Amount, r.ProviderRef, r.Note, r.CreatedBy, r.CreatedAt.UTC())
		}
	}
	return refunds.Insert(ctx, tx)
}

// kaedeNumber matches numbers of Kaede's form: the day and its sequence.
var kaedeNumber = regexp.MustCompile(`^K([0-9]{8})-([0-9]{4,})$`)

// advanceSequences moves each day's sequence past the imported numbers of
// that day, never back.
func advanceSequences(ctx context.Context, tx *sql.Tx, orders []Past) error {
	last := map[string]int{}
	var days []string
	for _, o := range orders {
		m := kaedeNumber.FindStringSubmatch(o.Number)
		if m == nil {
			continue
		}
		seq, err := strconv.Atoi(m[2])
		if err != nil {
			continue
		}
		if _, ok := last[m[1]]; !ok {
			days = append(days, m[1])
		}
		last[m[1]] = max(last[m[1]], seq)
	}
	for _, day := range days {
		_, err := tx.ExecContext(ctx, `INSERT INTO order_sequences (day, last) VALUES ($1, $2)
			ON CONFLICT (day) DO UPDATE SET last = CASE WHEN excluded.last > order_sequences.last
				THEN excluded.last ELSE order_sequences.last END`, day, last[day])
		if err != nil {
			return fmt.Errorf("advance the sequence of %s: %w", day, err)
		}
	}
	return nil
}
