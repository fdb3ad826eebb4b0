package order_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// pastOrder is a priced order of 2 A (¥1,100) to Tokyo, placed the day
// before the test clock's, numbered seq.
func pastOrder(t *testing.T, d *db.DB, method order.PaymentMethod, seq int) order.Past {
	t.Helper()
	var id int64
	if err := d.QueryRowContext(context.Background(), `SELECT id FROM variants WHERE sku = 'A'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	placed := clock().Add(-24 * time.Hour)
	lines := []order.Line{{VariantID: id, SKU: "A", Name: "A", TaxRate: shop.RateStandard, UnitPrice: 1100, Quantity: 2, LineTotal: 2200}}
	st := settings.Default()
	tot, err := checkout.Price([]shop.TaxLine{{Rate: shop.RateStandard, Amount: 2200}}, 13, method, st)
	if err != nil {
		t.Fatal(err)
	}
	p := order.Past{Number: order.FormatNumber(placed, seq), PlacedAt: placed, Draft: order.Draft{
		Email: "taro@example.com", Locale: "ja", PaymentMethod: method,
		Subtotal: tot.Subtotal, ShippingFee: tot.ShippingFee, CODFee: tot.CODFee, Total: tot.Total, Taxes: tot.Taxes,
		TaxRounding: st.TaxRounding, InvoiceNumber: st.InvoiceNumber, Lines: lines,
		Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
		AccessTokenHash: order.HashToken("token")}}
	if method == order.Card {
		p.ExpiresAt = placed.Add(30 * time.Minute)
	}
	return p
}

// The imported history reads back as the paths that write orders leave
// them, and the next order of an imported day is numbered after it.
func TestImportHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		card := pastOrder(t, d, order.Card, 1)
		at := card.PlacedAt
		card.Card = []order.CardAttempt{
			{Provider: "test_gateway", Capture: "automatic", Ref: "pay_a", State: order.PaymentFailed, Brand: "visa", Last4: "3220",
				Reason: "authentication_failed", CreatedAt: at.Add(time.Minute), UpdatedAt: at.Add(2 * time.Minute)},
			{Provider: "test_gateway", Capture: "automatic", Ref: "pay_b", State: order.PaymentCaptured, Brand: "visa", Last4: "3220",
				CreatedAt: at.Add(3 * time.Minute), UpdatedAt: at.Add(4 * time.Minute)},
		}
		card.Events = []order.Event{
			{From: order.AwaitingPayment, To: order.Paid, Note: "card captured (return)", At: at.Add(4 * time.Minute)},
			{From: order.Paid, To: order.Shipped, At: at.Add(3 * time.Hour)},
			{From: order.Shipped, To: order.Delivered, Note: "配達完了", At: at.Add(20 * time.Hour)},
		}
		card.Shipment = &order.Shipment{Carrier: order.Yamato, TrackingNumber: "1234-5678-9012", ShippedAt: at.Add(3 * time.Hour), CreatedBy: "system:demo"}
		card.Refunds = []order.Refund{{Amount: 1100, ProviderRef: "kaede-refund-1", Note: "返品", CreatedBy: "system:demo", CreatedAt: at.Add(21 * time.Hour)}}
		cod := pastOrder(t, d, order.COD, 2)
		transfer := pastOrder(t, d, order.BankTransfer, 3)
		transfer.PlacedAt = clock().Add(-time.Hour)
		transfer.Number = order.FormatNumber(transfer.PlacedAt, 5)
		err := d.Tx(ctx, func(tx *sql.Tx) error { return f.orders.ImportHistory(ctx, tx, []order.Past{card, cod, transfer}) })
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.orders.GetDetail(ctx, card.Number)
		if err != nil {
			t.Fatal(err)
		}
		o := got.Order
		if o.Status != order.Delivered || o.Payment.State != order.PaymentPartiallyRefunded || got.Refunded != 1100 ||
			o.Payment.Last4 != "3220" || len(o.Events) != 4 || o.Events[2].Note != "ヤマト運輸 123456789012" ||
			len(got.Shipments) != 1 || len(got.Refunds) != 1 || !o.CreatedAt.Equal(at) {
			t.Fatalf("card order read back as %+v, payment %+v, shipments %+v, refunds %+v", o, o.Payment, got.Shipments, got.Refunds)
		}
		var attempts int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments p JOIN orders o ON o.id = p.order_id
			WHERE o.number = $1 AND p.reason = 'authentication_failed' AND p.attempt = 1`, card.Number).Scan(&attempts); err != nil || attempts != 1 {
			t.Fatalf("the failed 3-D Secure attempt: %d rows (err %v)", attempts, err)
		}
		if o, err := f.orders.Get(ctx, cod.Number); err != nil || o.Status != order.Placed || o.Payment.State != order.PaymentPending || o.CODFee == 0 {
			t.Fatalf("COD order: %+v, %v", o, err)
		}
		// The next order today follows the imported fifth.
		next, _ := f.place(t, order.BankTransfer, 0)
		if want := order.FormatNumber(clock(), 6); next.Number != want {
			t.Fatalf("next order %s, want %s", next.Number, want)
		}
	})
}

// Every inconsistent past order is refused, naming the order and what is
// wrong with it, and nothing is written.
func TestImportHistoryRefuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		paidCard := func() order.Past {
			p := pastOrder(t, d, order.Card, 1)
			p.Card = []order.CardAttempt{{Provider: "test_gateway", Ref: "pay_x", State: order.PaymentCaptured, Brand: "visa", Last4: "4242",
				CreatedAt: p.PlacedAt, UpdatedAt: p.PlacedAt.Add(time.Minute)}}
			p.Events = []order.Event{{From: order.AwaitingPayment, To: order.Paid, At: p.PlacedAt.Add(time.Minute)}}
			return p
		}
		for _, tt := range []struct {
			name  string
			field string
			edit  func(p *order.Past)
		}{
			{"total", "orders.0.total", func(p *order.Past) { p.Total++ }},
			{"line", "orders.0.lines.0", func(p *order.Past) { p.Lines[0].LineTotal = 1 }},
			{"illegal change", "orders.0.events.0", func(p *order.Past) {
				p.Events = []order.Event{{From: order.AwaitingPayment, To: order.Delivered, At: p.PlacedAt}}
			}},
			{"event before the order", "orders.0.events.0", func(p *order.Past) { p.Events[0].At = p.PlacedAt.Add(-time.Hour) }},
			{"paid by a declined card", "orders.0.card.0", func(p *order.Past) { p.Card[0].State = order.PaymentDeclined }},
			{"more of a card than its last four", "orders.0.card.0.last4", func(p *order.Past) { p.Card[0].Last4 = "4242424242424242" }},
			{"no card attempt", "orders.0.card", func(p *order.Past) { p.Card = nil }},
			{"refund beyond the total", "orders.0.refunds.0", func(p *order.Past) {
				p.Refunds = []order.Refund{{Amount: p.Total + 1, ProviderRef: "r", CreatedBy: "x", CreatedAt: p.PlacedAt.Add(time.Hour)}}
			}},
			{"card refund without the provider's reference", "orders.0.refunds.0", func(p *order.Past) {
				p.Refunds = []order.Refund{{Amount: 100, CreatedBy: "x", CreatedAt: p.PlacedAt.Add(time.Hour)}}
			}},
			{"shipped without a shipment", "orders.0.shipment", func(p *order.Past) {
				p.Events = append(p.Events, order.Event{From: order.Paid, To: order.Shipped, At: p.PlacedAt.Add(time.Hour)})
			}},
			{"no address", "orders.0.shipping_address.postal_code", func(p *order.Past) { p.Address.PostalCode = "" }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				p := paidCard()
				tt.edit(&p)
				err := d.Tx(ctx, func(tx *sql.Tx) error { return f.orders.ImportHistory(ctx, tx, []order.Past{p}) })
				if shop.ErrorCode(err) != shop.Invalid || shop.ErrorFields(err)[tt.field] == "" {
					t.Fatalf("err=%v (fields %v), want Invalid on %s", err, shop.ErrorFields(err), tt.field)
				}
			})
		}
		good := paidCard()
		twice := []order.Past{good, good}
		err := d.Tx(ctx, func(tx *sql.Tx) error { return f.orders.ImportHistory(ctx, tx, twice) })
		if fields := shop.ErrorFields(err); fields["orders.1.number"] != shop.ReasonTaken {
			t.Fatalf("a number given twice: err=%v", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d orders written by refused imports (err %v)", n, err)
		}
		if !strings.HasPrefix(good.Number, "K") {
			t.Fatalf("number %q", good.Number)
		}
	})
}
