package order

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Edit is a staff change to an order that has not shipped: the new
// quantity of each line by SKU (0 removes it; a SKU not on the order adds
// the line in Add), the shipping address and the delivery date and slot.
type Edit struct {
	Quantities   map[string]int
	Add          []Line // new lines, priced by the caller from the catalog
	Address      shop.Address
	DeliveryDate string // YYYY-MM-DD, or "" for the earliest
	DeliverySlot string
}

// Totals is what an edited order costs, as checkout prices it.
type Totals struct {
	Subtotal    shop.Yen
	ShippingFee shop.Yen
	CODFee      shop.Yen
	Total       shop.Yen
	Taxes       []shop.TaxSummary
}

// EditRules are what the order package cannot know by itself: the
// checkout's pricing (checkout imports order, so it is passed in) and
// whether the order is already on an issued monthly invoice (billing's).
type EditRules struct {
	Price    func(items []shop.TaxLine, prefecture int, method PaymentMethod, st settings.Settings) (Totals, error)
	Invoiced func(ctx context.Context, tx *sql.Tx, orderID int64) (bool, error)
	// Discounted reports whether a coupon lowered the order's price: Price
	// knows no discount, so such an order keeps its total (its address and
	// delivery may still change); nil: no coupons.
	Discounted func(ctx context.Context, tx *sql.Tx, orderID int64) (bool, error)
}

// editState is an order as the audit log records it before and after an
// edit.
type editState struct {
	Lines        []Line       `json:"lines"`
	Address      shop.Address `json:"address"`
	DeliveryDate string       `json:"delivery_date"`
	DeliverySlot string       `json:"delivery_slot"`
	Subtotal     shop.Yen     `json:"subtotal"`
	ShippingFee  shop.Yen     `json:"shipping_fee"`
	CODFee       shop.Yen     `json:"cod_fee"`
	Total        shop.Yen     `json:"total"`
}

func editStateOf(o *Order) editState {
	return editState{Lines: o.Lines, Address: o.Address, DeliveryDate: o.DeliveryDate, DeliverySlot: o.DeliverySlot,
		Subtotal: o.Subtotal, ShippingFee: o.ShippingFee, CODFee: o.CODFee, Total: o.Total}
}

// Why an order cannot be edited, on the field "order".
const (
	reasonShipped  = "shipped"
	reasonInvoiced = "invoiced"
	reasonPaid     = "paid_through_provider"
	reasonCoupon   = "coupon"
)

// EditOrder changes an order that has not shipped (placed or paid), in one
// transaction: the lines, the address and delivery, the totals and tax
// re-priced by rules.Price, the stock (reserved or returned by the
// difference; a shortfall is OutOfStock naming the SKU), the payment's
// amount, the customer's notice of the change and the audit entry
// ("order.edit", before and after). Bad input is Invalid naming the field.
//
// The rule for money: an order paid or being paid through the provider
// (card, konbini, PayPay) keeps its total — the provider holds that
// amount; an edit changing it is refused on "order" (paid_through_provider)
// and the shop cancels or refunds instead. A bank transfer or COD order's
// amount simply changes. An invoice order already on an issued monthly
// invoice cannot be edited (invoiced). A COD order stays within the
// carrier's COD limit, as at checkout (total: range).
func (s *Service) EditOrder(ctx context.Context, number string, e Edit, rules EditRules, by audit.Actor) (*Order, error) {
	p := shop.Problems{}
	e.Address = shop.ValidateAddress(e.Address, "address.", p)
	if e.DeliveryDate != "" {
		// Staff may choose any day the customer agrees to, outside the
		// store's window, but not one already past.
		today := s.clock().In(shop.JST).Format(time.DateOnly)
		if _, err := time.Parse(time.DateOnly, e.DeliveryDate); err != nil {
			p.Add("delivery_date", shop.ReasonFormat)
		} else if e.DeliveryDate < today {
			p.Add("delivery_date", shop.ReasonRange)
		}
	}
	for sku, n := range e.Quantities {
		if n < 0 || n > 999 {
			p.Add("quantity."+sku, shop.ReasonRange)
		}
	}
	for _, l := range e.Add {
		if l.Quantity < 1 || l.Quantity > 999 {
			p.Add("add.quantity", shop.ReasonRange)
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out *Order
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, _, err := s.lockOrder(ctx, tx, number)
		if err != nil {
			return err
		}
		o, err := Load(ctx, tx, number)
		if err != nil {
			return err
		}
		if !o.Status.Unshipped() {
			return editErr(shop.Conflict, "order", reasonShipped,
				"order %s is %s: only an order not yet shipped can be edited", number, o.Status)
		}
		if rules.Invoiced != nil {
			on, err := rules.Invoiced(ctx, tx, id)
			if err != nil {
				return err
			}
			if on {
				return editErr(shop.Conflict, "order", reasonInvoiced,
					"order %s is on an issued monthly invoice and cannot be edited", number)
			}
		}
		st, err := settings.LoadTx(ctx, tx)
		if err != nil {
			return err
		}
		if e.DeliverySlot != "" && !st.HasSlot(e.DeliverySlot) {
			return editErr(shop.Invalid, "delivery_slot", shop.ReasonChoice, "unknown delivery slot")
		}
		lines, err := editLines(o.Lines, e)
		if err != nil {
			return err
		}
		if err := adjustStock(ctx, tx, o.Lines, lines); err != nil {
			return err
		}
		items := make([]shop.TaxLine, len(lines))
		for i, l := range lines {
			items[i] = shop.TaxLine{Rate: l.TaxRate, Amount: l.LineTotal}
		}
		t, err := rules.Price(items, e.Address.Prefecture, o.PaymentMethod, st)
		if err != nil {
			return fmt.Errorf("order %s: price edit: %w", number, err)
		}
		if o.PaymentMethod == COD && t.Total > st.CODLimit {
			return editErr(shop.Invalid, "total", shop.ReasonRange,
				"cash on delivery is for orders up to %s; the edit would make it %s", st.CODLimit, t.Total)
		}
		if o.PaymentMethod.ViaProvider() && t.Total != o.Total {
			return editErr(shop.Conflict, "order", reasonPaid,
				"order %s is paid through the payment provider for %s; an edit may not change the total (it would be %s)",
				number, o.Total, t.Total)
		}
		if rules.Discounted != nil && t.Total != o.Total {
			discounted, err := rules.Discounted(ctx, tx, id)
			if err != nil {
				return fmt.Errorf("order %s: %w", number, err)
			}
			if discounted {
				return editErr(shop.Conflict, "order", reasonCoupon,
					"order %s was discounted by a coupon; an edit may not change its total (it would be %s)", number, t.Total)
			}
		}
		before := editStateOf(o)
		now := s.clock().UTC()
		if err := writeEdit(ctx, tx, id, lines, e, t, now); err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		if out, err = Load(ctx, tx, number); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, by, "order.edit", "order:"+number, before, editStateOf(out)); err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		return s.notifyEdited(ctx, tx, out, st)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// editLines applies the edit's quantities and additions to the order's
// lines. An order left without a line is refused: that is a cancellation.
func editLines(old []Line, e Edit) ([]Line, error) {
	var lines []Line
	seen := map[string]bool{}
	for _, l := range old {
		seen[l.SKU] = true
		if n, ok := e.Quantities[l.SKU]; ok {
			l.Quantity = n
		}
		if l.Quantity == 0 {
			continue
		}
		l.LineTotal = l.UnitPrice * shop.Yen(l.Quantity)
		lines = append(lines, l)
	}
	for _, l := range e.Add {
		if seen[l.SKU] {
			return nil, editErr(shop.Invalid, "add.sku", shop.ReasonTaken,
				"%s is already on the order: change its quantity", l.SKU)
		}
		seen[l.SKU] = true
		l.LineTotal = l.UnitPrice * shop.Yen(l.Quantity)
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return nil, editErr(shop.Invalid, "quantity", shop.ReasonRequired,
			"an order needs at least one line; cancel it instead")
	}
	return lines, nil
}

// adjustStock reserves what the edit adds and returns what it takes away,
// through catalog, which owns the stock and never lets it go below zero.
func adjustStock(ctx context.Context, tx *sql.Tx, old, lines []Line) error {
	delta := map[int64]catalog.Quantity{}
	for _, l := range old {
		q := delta[l.VariantID]
		q.VariantID, q.SKU, q.Quantity = l.VariantID, l.SKU, q.Quantity-l.Quantity
		delta[l.VariantID] = q
	}
	for _, l := range lines {
		q := delta[l.VariantID]
		q.VariantID, q.SKU, q.Quantity = l.VariantID, l.SKU, q.Quantity+l.Quantity
		delta[l.VariantID] = q
	}
	var take, give []catalog.Quantity
	for _, q := range delta {
		switch {
		case q.Quantity > 0:
			take = append(take, q)
		case q.Quantity < 0:
			q.Quantity = -q.Quantity
			give = append(give, q)
		}
	}
	if err := catalog.ReturnStock(ctx, tx, give); err != nil {
		return err
	}
	sort.Slice(take, func(i, j int) bool { return take[i].VariantID < take[j].VariantID })
	for _, q := range take {
		err := catalog.ReserveStock(ctx, tx, []catalog.Quantity{q})
		if shop.ErrorCode(err) == shop.OutOfStock {
			return editErr(shop.OutOfStock, "quantity."+q.SKU, shop.ReasonRange,
				"not enough stock of %s for %d more", q.SKU, q.Quantity)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// editErr is an edit's refusal naming the field.
func editErr(code shop.Code, field, reason, format string, args ...any) error {
	e := shop.Errorf(code, format, args...)
	e.Fields = map[string]string{field: reason}
	return e
}

// writeEdit replaces the order's lines and taxes and updates its header
// and the amount of its payment.
func writeEdit(ctx context.Context, tx *sql.Tx, id int64, lines []Line, e Edit, t Totals, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM order_lines WHERE order_id = $1`, id); err != nil {
		return fmt.Errorf("edit: delete lines: %w", err)
	}
	if err := insertLines(ctx, tx, id, lines); err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM order_taxes WHERE order_id = $1`, id); err != nil {
		return fmt.Errorf("edit: delete taxes: %w", err)
	}
	if err := insertTaxes(ctx, tx, id, t.Taxes); err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	a := e.Address
	_, err := tx.ExecContext(ctx, `UPDATE orders SET subtotal = $1, shipping_fee = $2, cod_fee = $3, total = $4,
			ship_name = $5, ship_name_kana = $6, ship_postal_code = $7, ship_prefecture = $8, ship_city = $9,
			ship_line1 = $10, ship_line2 = $11, ship_phone = $12, delivery_date = $13, delivery_slot = $14, updated_at = $15
		WHERE id = $16`, t.Subtotal, t.ShippingFee, t.CODFee, t.Total,
		a.Name, a.NameKana, a.PostalCode, a.Prefecture, a.City, a.Line1, a.Line2, a.Phone,
		e.DeliveryDate, e.DeliverySlot, now, id)
	if err != nil {
		return fmt.Errorf("edit: update order: %w", err)
	}
	// Only a payment that has not taken money follows the new total; a
	// provider's payment never gets here with a different total.
	_, err = tx.ExecContext(ctx, `UPDATE payments SET amount = $1, updated_at = $2
		WHERE order_id = $3 AND state IN ('pending', 'requires_action', 'authorized')`, t.Total, now, id)
	if err != nil {
		return fmt.Errorf("edit: update payment: %w", err)
	}
	return nil
}

// editNotice is the notice of an edited order: its new lines and totals,
// and where and when it goes.
type editNotice struct {
	noticeData
	Items       []editItem
	Subtotal    string
	ShippingFee string
	Fee         string // the payment method's fee; "" for none
	Taxes       []editTax
	Address     string
	Delivery    string
	HasReduced  bool // a line at the reduced rate: the notice explains ※
}

type editItem struct {
	Name     string
	Quantity int
	Amount   string
	Reduced  bool // at the reduced rate (※ in the notice)
}

type editTax struct {
	Rate    shop.TaxRate
	Taxable string
	Tax     string
}

// notifyEdited tells the customer what the order now is.
func (s *Service) notifyEdited(ctx context.Context, tx *sql.Tx, o *Order, st settings.Settings) error {
	locale := localeOf(o)
	d := editNotice{noticeData: newNotice(o, st, locale), Subtotal: o.Subtotal.String(),
		ShippingFee: o.ShippingFee.String()}
	if o.CODFee > 0 {
		d.Fee = o.CODFee.String()
	}
	for _, l := range o.Lines {
		name := l.Name
		if locale == "en" && l.NameEn != "" {
			name = l.NameEn
		}
		d.Items = append(d.Items, editItem{Name: name, Quantity: l.Quantity, Amount: l.LineTotal.String(),
			Reduced: l.TaxRate != shop.RateStandard})
		d.HasReduced = d.HasReduced || l.TaxRate != shop.RateStandard
	}
	for _, t := range o.Taxes {
		d.Taxes = append(d.Taxes, editTax{Rate: t.Rate, Taxable: t.Taxable.String(), Tax: t.Tax.String()})
	}
	a := o.Address
	d.Address = fmt.Sprintf("〒%s %s%s%s %s", a.PostalCode, a.PrefectureName(), a.City, a.Line1, a.Line2)
	d.Delivery = deliveryWords(o.DeliveryDate, o.DeliverySlot, locale == "en")
	m, err := s.renderNotice(ctx, "order_edited", locale, o.Email, o.ID, d)
	if err != nil {
		return err
	}
	if _, err := s.mail.Enqueue(ctx, tx, m); err != nil {
		return fmt.Errorf("order %s: %w", o.Number, err)
	}
	return nil
}

// deliveryWords is the delivery date and slot as a notice says them.
func deliveryWords(date, slot string, en bool) string {
	switch {
	case date == "" && slot == "" && en:
		return "As early as possible"
	case date == "" && slot == "":
		return "最短でのお届け"
	}
	w := date
	if date == "" {
		w = map[bool]string{true: "Earliest date", false: "最短日"}[en]
	} else if d, err := time.Parse(time.DateOnly, date); err == nil && !en {
		w = d.Format("2006年1月2日")
	}
	if slot != "" {
		w += " " + slot
	}
	return w
}
