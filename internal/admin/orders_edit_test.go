package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/staff"
)

// editForm is the edit form of o as the page fills it, with qty changed.
func editForm(o *order.Order, qty map[string]string) url.Values {
	a := o.Address
	v := url.Values{"name": {a.Name}, "name_kana": {a.NameKana}, "postal_code": {a.PostalCode},
		"prefecture": {"13"}, "city": {a.City}, "line1": {a.Line1}, "line2": {a.Line2}, "phone": {a.Phone},
		"delivery_date": {o.DeliveryDate}, "delivery_slot": {o.DeliverySlot}}
	for _, l := range o.Lines {
		v.Set("qty."+l.SKU, "1")
	}
	for sku, n := range qty {
		v.Set("qty."+sku, n)
	}
	return v
}

// TestOrderEdit: staff who change orders edit an unshipped order from its
// page: quantities across 8 % and 10 %, re-priced, stock moved, the
// customer told, audited; too much is refused naming the line; support
// sees no form; a shipped order has none and is refused.
func TestOrderEdit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		owner := e.staffBrowser("owner@example.jp", staff.Owner)
		o := e.place(order.BankTransfer, map[string]int{"A": 1, "TEA": 1})
		path := "/admin/orders/" + o.Number
		if !hasForm(owner.get(path).Doc, path+"/edit") {
			t.Fatal("no edit form on an unshipped order")
		}
		wantRedirect(t, owner.post(path+"/edit", editForm(o, map[string]string{"A": "2", "TEA": "3"})), path+"?done=edited")
		got, err := e.orders.Get(e.ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subtotal != 2*1100+3*1080 || got.Total != got.Subtotal+got.ShippingFee || got.Payment.Amount != got.Total {
			t.Fatalf("subtotal %d total %d payment %d", got.Subtotal, got.Total, got.Payment.Amount)
		}
		if a, tea := carttest.Stock(t, d, "A"), carttest.Stock(t, d, "TEA"); a != 98 || tea != 97 {
			t.Fatalf("stock A=%d TEA=%d", a, tea)
		}
		var mails int
		if err := d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM mail_messages WHERE order_id = $1 AND kind = 'order_edited'`,
			o.ID).Scan(&mails); err != nil || mails != 1 {
			t.Fatalf("notices %d (%v)", mails, err)
		}
		if es := e.entries("order.edit", "owner@example.jp"); len(es) != 1 || !strings.Contains(es[0].After, `"Quantity":3`) {
			t.Fatalf("audit %+v", es)
		}

		res := owner.post(path+"/edit", editForm(got, map[string]string{"A": "2", "TEA": "500"}))
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(fieldErrors(res.Doc), "数量（TEA）") {
			t.Errorf("field errors %q", fieldErrors(res.Doc))
		}
		bad := editForm(got, nil)
		bad.Set("postal_code", "郵便")
		wantStatus(t, owner.post(path+"/edit", bad), http.StatusUnprocessableEntity)

		support := e.staffBrowser("support@example.jp", staff.Support)
		if hasForm(support.get(path).Doc, path+"/edit") {
			t.Error("support sees the edit form")
		}
		e.wantDenied(support, http.MethodPost, path+"/edit", editForm(got, nil))

		if _, err := e.orders.Transition(e.ctx, o.Number, order.Paid, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.orders.Transition(e.ctx, o.Number, order.Shipped, ""); err != nil {
			t.Fatal(err)
		}
		if hasForm(owner.get(path).Doc, path+"/edit") {
			t.Error("edit form on a shipped order")
		}
		wantStatus(t, owner.post(path+"/edit", editForm(got, nil)), http.StatusConflict)
		if a := carttest.Stock(t, d, "A"); a != 98 {
			t.Fatalf("stock A=%d after refused edits", a)
		}
		e.verifyAudit()
	})
}

// TestOrderEditProviderPaid: a card order's total is what the provider
// took: the page says so, an edit changing it is refused with the reason,
// and one keeping it (a new address) goes through.
func TestOrderEditProviderPaid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		owner := e.staffBrowser("owner@example.jp", staff.Owner)
		o := e.place(order.BankTransfer, map[string]int{"A": 2})
		e.makeCard(o.Number)
		path := "/admin/orders/" + o.Number
		if find(owner.get(path).Doc, byID("edit-provider")) == nil {
			t.Error("the page does not explain the card rule")
		}
		res := owner.post(path+"/edit", editForm(o, map[string]string{"A": "1"}))
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(alertText(res.Doc), "合計金額を変えられません") {
			t.Errorf("alert %q", alertText(res.Doc))
		}
		moved := editForm(o, map[string]string{"A": "2"})
		moved.Set("line2", "楓ハイツ202")
		wantRedirect(t, owner.post(path+"/edit", moved), path+"?done=edited")
		got := e.order(o.Number).Order
		if got.Address.Line2 != "楓ハイツ202" || got.Total != o.Total || carttest.Stock(t, d, "A") != 98 {
			t.Fatalf("after the address change: %+v total %d", got.Address, got.Total)
		}
	})
}
