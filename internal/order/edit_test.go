package order_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// editRules prices edits as checkout does; no order is on an invoice.
var editRules = order.EditRules{
	Price: func(items []shop.TaxLine, pref int, m order.PaymentMethod, st settings.Settings) (order.Totals, error) {
		t, err := checkout.Price(items, pref, m, st)
		return order.Totals{Subtotal: t.Subtotal, ShippingFee: t.ShippingFee, CODFee: t.CODFee, Total: t.Total,
			Taxes: t.Taxes}, err
	},
}

// editOf is the edit that keeps o as it is, but for the quantities.
func editOf(o *order.Order, qty map[string]int) order.Edit {
	return order.Edit{Quantities: qty, Address: o.Address, DeliveryDate: o.DeliveryDate, DeliverySlot: o.DeliverySlot}
}

func TestEditOrderAcrossTaxRates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 1080, Stock: 10, Reduced: true})
		c := taro()
		c.Items = map[string]int{"A": 1, "TEA": 1}
		o := f.placeAs(t, c, order.BankTransfer)
		st, err := settings.Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.orders.EditOrder(ctx, o.Number, editOf(o, map[string]int{"A": 2, "TEA": 3}), editRules, staff)
		if err != nil {
			t.Fatal(err)
		}
		// 2 × 1,100 at 10 % and 3 × 1,080 at 8 %; shipping at 10 %.
		ship := st.ShippingFee(13, 5440)
		if got.Subtotal != 5440 || got.ShippingFee != ship || got.Total != 5440+ship {
			t.Fatalf("totals %d + %d = %d, want 5440 + %d", got.Subtotal, got.ShippingFee, got.Total, ship)
		}
		// Taxable is without the tax, the tax rounded down once per rate.
		std, red := (2200+ship)*10/110, shop.Yen(3240*8/108)
		want := map[shop.TaxRate][2]shop.Yen{
			shop.RateStandard: {2200 + ship - std, std},
			shop.RateReduced:  {3240 - red, red},
		}
		if len(got.Taxes) != 2 {
			t.Fatalf("taxes %+v", got.Taxes)
		}
		for _, tx := range got.Taxes {
			if w := want[tx.Rate]; tx.Taxable != w[0] || tx.Tax != w[1] {
				t.Errorf("tax at %d%%: %d on %d, want %d on %d", tx.Rate, tx.Tax, tx.Taxable, w[1], w[0])
			}
		}
		if got.Payment.Amount != got.Total {
			t.Errorf("payment amount %d, want %d", got.Payment.Amount, got.Total)
		}
		if a, tea := carttest.Stock(t, d, "A"), carttest.Stock(t, d, "TEA"); a != 98 || tea != 7 {
			t.Errorf("stock A=%d TEA=%d, want 98 and 7", a, tea)
		}
		subjects, bodies := mailBodies(t, d, o.ID, "order_edited")
		if len(bodies) != 1 || !strings.Contains(subjects[0], "ご注文内容変更のお知らせ") ||
			!strings.Contains(bodies[0], got.Total.String()) || !strings.Contains(bodies[0], "山田 太郎 様") ||
			!strings.Contains(bodies[0], "変更いたしました") || !strings.Contains(bodies[0], "※ × 3") ||
			!strings.Contains(bodies[0], "8%対象 ¥3,000　内消費税 ¥240") || !strings.Contains(bodies[0], "軽減税率") {
			t.Fatalf("notice %q %q", subjects, bodies)
		}
		es := auditEntries(t, d, "order.edit")
		if len(es) != 1 || !strings.Contains(es[0].After, `"subtotal":5440`) || strings.Contains(es[0].Before, `"subtotal":5440`) {
			t.Fatalf("audit before %s after %s", es[0].Before, es[0].After)
		}

		// Removing a line returns its stock.
		if _, err := f.orders.EditOrder(ctx, o.Number, editOf(got, map[string]int{"TEA": 0}), editRules, staff); err != nil {
			t.Fatal(err)
		}
		if tea := carttest.Stock(t, d, "TEA"); tea != 10 {
			t.Errorf("stock TEA=%d after removing, want 10", tea)
		}
	})
}

func TestEditOrderRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.placeAs(t, taro(), order.BankTransfer)

		// More than the stock: refused naming the line, nothing changed.
		_, err := f.orders.EditOrder(ctx, o.Number, editOf(o, map[string]int{"B": 102}), editRules, staff)
		if shop.ErrorCode(err) != shop.OutOfStock || shop.ErrorFields(err)["quantity.B"] == "" {
			t.Fatalf("over-allocation: %v", err)
		}
		if b := carttest.Stock(t, d, "B"); b != 99 {
			t.Fatalf("stock B=%d after refused edit, want 99", b)
		}
		_, err = f.orders.EditOrder(ctx, o.Number, editOf(o, map[string]int{"A": -1}), editRules, staff)
		wantField(t, "negative quantity", err, "quantity.A", shop.ReasonRange)
		past := editOf(o, nil)
		past.DeliveryDate = "2026-11-24"
		_, err = f.orders.EditOrder(ctx, o.Number, past, editRules, staff)
		wantField(t, "past delivery date", err, "delivery_date", shop.ReasonRange)
		bad := editOf(o, nil)
		bad.Address.PostalCode = "abc"
		_, err = f.orders.EditOrder(ctx, o.Number, bad, editRules, staff)
		wantField(t, "postal code", err, "address.postal_code", shop.ReasonFormat)

		// After shipment nothing may change.
		if _, err := f.orders.Transition(ctx, o.Number, order.Paid, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.orders.Transition(ctx, o.Number, order.Shipped, ""); err != nil {
			t.Fatal(err)
		}
		_, err = f.orders.EditOrder(ctx, o.Number, editOf(o, map[string]int{"A": 1}), editRules, staff)
		if shop.ErrorCode(err) != shop.Conflict || shop.ErrorFields(err)["order"] != "shipped" {
			t.Fatalf("edit after shipment: %v", err)
		}
		if a := carttest.Stock(t, d, "A"); a != 97 {
			t.Fatalf("stock A=%d after refused edit, want 97", a)
		}
		if n := len(auditEntries(t, d, "order.edit")); n != 0 {
			t.Fatalf("%d audit entries for refused edits", n)
		}
	})
}

func TestEditOrderCODLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "BED", Price: 200000, Stock: 5})
		c := taro()
		c.Items = map[string]int{"BED": 1}
		o := f.placeAs(t, c, order.COD)
		_, err := f.orders.EditOrder(context.Background(), o.Number, editOf(o, map[string]int{"BED": 2}), editRules, staff)
		wantField(t, "over the COD limit", err, "total", shop.ReasonRange)
		if n := carttest.Stock(t, d, "BED"); n != 4 {
			t.Fatalf("stock %d after refused edit, want 4", n)
		}
	})
}

func TestEditOrderInvoiced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		o := f.placeAs(t, taro(), order.BankTransfer)
		rules := editRules
		rules.Invoiced = func(context.Context, *sql.Tx, int64) (bool, error) { return true, nil }
		_, err := f.orders.EditOrder(context.Background(), o.Number, editOf(o, map[string]int{"A": 1}), rules, staff)
		if shop.ErrorCode(err) != shop.Conflict || shop.ErrorFields(err)["order"] != "invoiced" {
			t.Fatalf("edit of an invoiced order: %v", err)
		}
	})
}

// An order a coupon discounted keeps its total (Price knows no discount):
// a new quantity is refused, a new address is not.
func TestEditOrderDiscounted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		o := f.placeAs(t, taro(), order.BankTransfer)
		rules := editRules
		rules.Discounted = func(context.Context, *sql.Tx, int64) (bool, error) { return true, nil }
		_, err := f.orders.EditOrder(context.Background(), o.Number, editOf(o, map[string]int{"A": 2}), rules, staff)
		if shop.ErrorCode(err) != shop.Conflict || shop.ErrorFields(err)["order"] != "coupon" {
			t.Fatalf("quantity edit of a discounted order: %v", err)
		}
		e := editOf(o, nil)
		e.Address.Line2 = "2F"
		if _, err := f.orders.EditOrder(context.Background(), o.Number, e, rules, staff); err != nil {
			t.Fatalf("address edit of a discounted order: %v", err)
		}
	})
}

// A staff edit and a customer's order race for the last items of a
// variant: the stock never goes below zero and exactly one gets them.
func TestEditOrderRacesCheckout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "LAST", Price: 500, Stock: 3})
		c := taro()
		c.Items = map[string]int{"LAST": 1}
		o := f.placeAs(t, c, order.BankTransfer) // 2 left
		cart, err := f.carts.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.carts.AddItem(ctx, cart.ID, "LAST", 2, shop.Viewer{}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var editErr, placeErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, editErr = f.orders.EditOrder(ctx, o.Number, editOf(o, map[string]int{"LAST": 3}), editRules, staff)
		}()
		go func() {
			defer wg.Done()
			h := hanako()
			_, _, placeErr = f.checkout.Place(ctx, checkout.Input{CartID: cart.ID, Email: h.Email, Address: h.Address,
				PaymentMethod: string(order.BankTransfer), IdempotencyKey: "edit-race"})
		}()
		wg.Wait()
		if (editErr == nil) == (placeErr == nil) {
			t.Fatalf("edit: %v; checkout: %v — want exactly one to succeed", editErr, placeErr)
		}
		if n := carttest.Stock(t, d, "LAST"); n != 0 {
			t.Fatalf("stock %d, want 0", n)
		}
	})
}
