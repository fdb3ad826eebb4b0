package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"kaede/internal/billing"
	"kaede/internal/checkout"
	"kaede/internal/coupon"
	"kaede/internal/edge"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// orderEditRules are checkout's pricing and billing's "already invoiced",
// which the order service is given for an edit.
var orderEditRules = order.EditRules{
	Price: func(items []shop.TaxLine, pref int, m order.PaymentMethod, st settings.Settings) (order.Totals, error) {
		t, err := checkout.Price(items, pref, m, st)
		if err != nil {
			return order.Totals{}, err
		}
		return order.Totals{Subtotal: t.Subtotal, ShippingFee: t.ShippingFee, CODFee: t.CODFee, Total: t.Total,
			Taxes: t.Taxes}, nil
	},
	Invoiced:   billing.OnInvoice,
	Discounted: coupon.Discounted,
}

// orderEditAction applies the 「注文内容を編集」 form: each line's
// quantity (qty.SKU, 0 removes it), an added line (add_sku, add_qty), the
// address and the delivery date and slot. The order service re-prices,
// moves the stock, e-mails the customer and audits the edit.
func (s *Server) orderEditAction(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	e, err := s.editFromForm(r)
	if err == nil {
		_, err = s.orders.EditOrder(r.Context(), number, e, orderEditRules, orderActor(r))
	}
	if err != nil {
		s.orderEditFailed(w, r, err)
		return
	}
	http.Redirect(w, r, orderURL(number, "edited"), http.StatusSeeOther)
}

// editFromForm reads the edit form; an added SKU is priced from the
// catalogue at today's list price.
func (s *Server) editFromForm(r *http.Request) (order.Edit, error) {
	f := newForm(r)
	e := order.Edit{Quantities: map[string]int{},
		Address: shop.Address{Name: f.String("name"), NameKana: f.String("name_kana"),
			PostalCode: f.String("postal_code"), Prefecture: f.Int("prefecture"), City: f.String("city"),
			Line1: f.String("line1"), Line2: f.String("line2"), Phone: f.String("phone")},
		DeliveryDate: f.String("delivery_date"), DeliverySlot: f.String("delivery_slot")}
	for name := range f.Values() {
		if sku, ok := strings.CutPrefix(name, "qty."); ok {
			e.Quantities[sku] = f.Int(name)
		}
	}
	if sku := f.String("add_sku"); sku != "" {
		qty := f.Int("add_qty")
		if err := f.Err(); err != nil {
			return order.Edit{}, err
		}
		line, err := s.lineFor(r, sku, qty)
		if err != nil {
			return order.Edit{}, err
		}
		e.Add = append(e.Add, line)
	}
	return e, f.Err()
}

// lineFor is an order line of qty of the variant for sale with the SKU.
func (s *Server) lineFor(r *http.Request, sku string, qty int) (order.Line, error) {
	if s.catalog == nil {
		return order.Line{}, fmt.Errorf("add %s to an order: no catalogue wired", sku)
	}
	p, v, err := s.catalog.VariantBySKU(r.Context(), sku)
	if shop.ErrorCode(err) == shop.NotFound {
		e := shop.Errorf(shop.Invalid, "no product for sale has the SKU %q", sku)
		e.Fields = map[string]string{"add.sku": shop.ReasonChoice}
		return order.Line{}, e
	}
	if err != nil {
		return order.Line{}, err
	}
	// The list price: whether the customer would get the practitioners'
	// price is the staff's call, and the form says which price is used.
	return order.Line{VariantID: v.ID, SKU: v.SKU,
		Name: checkout.LineName(p.NameJa, v.LabelJa), NameEn: checkout.LineName(p.Name("en"), v.LabelEn),
		TaxRate: p.TaxRate(), UnitPrice: v.Price, Quantity: qty}, nil
}

// orderEditFailed shows the order page again with the edit's refusal: the
// bad fields, or why the order cannot be edited, or the line short of
// stock.
func (s *Server) orderEditFailed(w http.ResponseWriter, r *http.Request, err error) {
	view, derr := s.orderDetail(r)
	if derr != nil {
		s.renderError(w, r, derr)
		return
	}
	var se *shop.Error
	if errors.As(err, &se) && se.Code == shop.OutOfStock {
		// Shown like a conflict: the page names the line and its field.
		c := *se
		c.Code = shop.Conflict
		err = &c
	}
	key := "orders.edit.refused." + shop.ErrorFields(err)["order"]
	if !ui.Admin.Has(key) {
		key = "orders.edit.refused"
	}
	p := s.newPage(w, r, view)
	p.Errors = map[string]string{}
	for field, reason := range shop.ErrorFields(err) {
		p.Errors[field] = editFieldMessage(p.Lang, field, reason)
	}
	p.Errors["_form"] = ui.Admin.T(p.Lang, key)
	s.writePage(w, r, edge.Status(err), "orders_detail", p)
}

// editFieldMessage names the edit form's fields: a line's quantity by its
// SKU, the address's parts with the orders' labels.
func editFieldMessage(lang, field, reason string) string {
	key := "reason." + reason
	if !ui.Admin.Has(key) {
		key = "reason.other"
	}
	if sku, ok := strings.CutPrefix(field, "quantity."); ok {
		return ui.Admin.T(lang, key, ui.Admin.T(lang, "orders.edit.field.quantity", sku))
	}
	if ui.Admin.Has("orders.edit.field." + field) {
		return ui.Admin.T(lang, key, ui.Admin.T(lang, "orders.edit.field."+field))
	}
	return orderFieldMessage(lang, field, reason)
}

// orderEditView is what the edit form offers.
type orderEditView struct {
	Slots        []string
	Prefectures  []shop.Prefecture
	ProviderPaid bool // card, konbini or PayPay: the total may not change
}

// orderEditView is the edit form of o, or nil once o has shipped (or is
// cancelled, or still awaits its card payment).
func (s *Server) orderEditView(r *http.Request, o *order.Order) (*orderEditView, error) {
	if !o.Status.Unshipped() {
		return nil, nil
	}
	st, err := s.settings.Get(r.Context())
	if err != nil {
		return nil, err
	}
	return &orderEditView{Slots: st.DeliverySlots, Prefectures: shop.Prefectures,
		ProviderPaid: o.PaymentMethod.ViaProvider()}, nil
}
