package cardpay_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cardpay"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/shop"
)

// manualCapture makes e's shop authorise cards at checkout and capture
// them later, as KAEDE_CARD_CAPTURE=manual does.
func (e *env) manualCapture() {
	e.t.Helper()
	if err := e.checkout.EnableCard(checkout.CardOptions{Provider: gateway.Name, Capture: string(payment.CaptureManual), TTL: 30 * time.Minute}); err != nil {
		e.t.Fatal(err)
	}
	var err error
	e.pay, err = cardpay.New(e.d, e.orders, e.clock, slog.New(slog.NewTextHandler(io.Discard, nil)), cardpay.Config{
		Provider: e.provider, Capture: payment.CaptureManual, BaseURL: "https://kaede.example", PageOrigins: []string{e.gwURL}})
	if err != nil {
		e.t.Fatal(err)
	}
}

// paidOrder places a card order and pays it at the gateway; the store
// learns of it as the customer's return does.
func (e *env) paidOrder(key string) (*order.Order, string) {
	e.t.Helper()
	number, ref := e.order(key)
	e.payAtGateway(ref)
	if err := e.pay.Refresh(context.Background(), number); err != nil {
		e.t.Fatal(err)
	}
	o, err := e.orders.Get(context.Background(), number)
	if err != nil {
		e.t.Fatal(err)
	}
	return o, ref
}

// kindsOf lists the order's mails as "to:kind", in order.
func kindsOf(t *testing.T, d *db.DB, orderID int64) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT to_addr, kind, body FROM mail_messages WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var to, kind, body string
		if err := rows.Scan(&to, &kind, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, to+":"+kind)
	}
	return out
}

func mailBody(t *testing.T, d *db.DB, orderID int64, kind string) string {
	t.Helper()
	var body string
	if err := d.QueryRowContext(context.Background(), `SELECT body FROM mail_messages WHERE order_id = $1 AND kind = $2`,
		orderID, kind).Scan(&body); err != nil {
		t.Fatalf("mail %s: %v", kind, err)
	}
	return body
}

// TestCustomerCancelsCapturedCard: a captured card order cancelled by its
// customer is refunded in full at the provider, once, and the order is
// cancelled with its stock back; the customer and the shop are told.
func TestCustomerCancelsCapturedCard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		o, ref := e.paidOrder("cancel-captured")
		if o.Status != order.Paid || carttest.Stock(t, d, "N-1") != 99 {
			t.Fatalf("before: status %s stock %d", o.Status, carttest.Stock(t, d, "N-1"))
		}
		by := order.CustomerActor(0, "203.0.113.9")
		got, err := e.pay.CancelOrder(ctx, o.Number, by)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != order.Cancelled || got.Payment.State != order.PaymentRefunded {
			t.Fatalf("after: status %s payment %s, want cancelled, refunded", got.Status, got.Payment.State)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 100 {
			t.Fatalf("stock %d, want 100", s)
		}
		st, err := e.provider.Get(ctx, ref)
		if err != nil || st.State != payment.Refunded || st.Refunded != o.Total {
			t.Fatalf("at the gateway: %+v %v, want refunded %s", st, err, o.Total)
		}
		want := "taro@example.com:order_confirmation support@kaede.example:shop_new_order " +
			"taro@example.com:order_cancelled support@kaede.example:shop_order_cancelled"
		if got := strings.Join(kindsOf(t, d, o.ID), " "); got != want {
			t.Fatalf("mails %s\nwant %s", got, want)
		}
		if b := mailBody(t, d, o.ID, "order_cancelled"); !strings.Contains(b, "クレジットカード会社を通じてご返金いたしました") {
			t.Fatalf("customer's notice:\n%s", b)
		}
		es, err := audit.List(ctx, d, audit.Filter{Action: "order.customer_cancel"})
		if err != nil || len(es) != 1 || es[0].Actor != "customer:guest" {
			t.Fatalf("audit %+v %v", es, err)
		}

		// Again: refused politely, nothing refunded twice.
		_, err = e.pay.CancelOrder(ctx, o.Number, by)
		if shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("second cancel: %v, want conflict", err)
		}
		var refunds int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_operations WHERE kind = 'refund'`).Scan(&refunds); err != nil || refunds != 1 {
			t.Fatalf("%d refunds asked of the provider (%v), want 1", refunds, err)
		}
	})
}

// TestCustomerCancelsAuthorisedCard: an authorisation (manual capture) is
// voided, not refunded: nothing is charged.
func TestCustomerCancelsAuthorisedCard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.manualCapture()
		ctx := context.Background()
		o, ref := e.paidOrder("cancel-authorised")
		if o.Status != order.Placed || o.Payment.State != order.PaymentAuthorized {
			t.Fatalf("before: status %s payment %s, want placed, authorized", o.Status, o.Payment.State)
		}
		got, err := e.pay.CancelOrder(ctx, o.Number, order.CustomerActor(7, "203.0.113.9"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != order.Cancelled || got.Payment.State != order.PaymentCancelled {
			t.Fatalf("after: status %s payment %s, want cancelled, cancelled", got.Status, got.Payment.State)
		}
		if st, err := e.provider.Get(ctx, ref); err != nil || st.State != payment.Cancelled || st.Captured != 0 {
			t.Fatalf("at the gateway: %+v %v, want cancelled, nothing captured", st, err)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 100 {
			t.Fatalf("stock %d, want 100", s)
		}
		if b := mailBody(t, d, o.ID, "order_cancelled"); !strings.Contains(b, "ご請求は発生いたしません") {
			t.Fatalf("customer's notice:\n%s", b)
		}
		if b := mailBody(t, d, o.ID, "shop_order_cancelled"); !strings.Contains(b, "与信を取り消しました") {
			t.Fatalf("shop's notice:\n%s", b)
		}
	})
}

// TestStaffFullCardRefundBeforeShipment: the shop's full card refund of an
// order not shipped cancels it: no longer to ship, no sale, stock back.
func TestStaffFullCardRefundBeforeShipment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		o, _ := e.paidOrder("staff-refund")
		from, to := e.clock().Add(-time.Hour), e.clock().Add(time.Hour)
		if s, _ := e.orders.Summarize(ctx, from, to); s.AwaitingShipment != 1 || s.Sales != o.Total {
			t.Fatalf("before: %+v", s)
		}
		if _, err := e.pay.Refund(ctx, o.Number, o.Total, audit.Actor{Name: "owner@example.jp"}); err != nil {
			t.Fatal(err)
		}
		got, _ := e.orders.Get(ctx, o.Number)
		if got.Status != order.Cancelled {
			t.Fatalf("status %s, want cancelled", got.Status)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 100 {
			t.Fatalf("stock %d, want 100", s)
		}
		if s, _ := e.orders.Summarize(ctx, from, to); s.AwaitingShipment != 0 || s.Sales != 0 || s.Placed != 0 || s.Refunds != o.Total {
			t.Fatalf("after: %+v", s)
		}
		if b := mailBody(t, d, o.ID, "order_cancelled"); !strings.Contains(b, "ご返金いたしました") {
			t.Fatalf("notice:\n%s", b)
		}
	})
}

// shipDuringRefund is the gateway with the shop shipping the order while
// the provider refunds it: the race between a customer's cancellation and
// the warehouse.
type shipDuringRefund struct {
	payment.Provider
	ship func()
}

func (p shipDuringRefund) Refund(ctx context.Context, ref string, amount shop.Yen, key string) (payment.Status, error) {
	p.ship()
	return p.Provider.Refund(ctx, ref, amount, key)
}

// TestCustomerCancelRacesShipment: the order ships between the
// customer's click and the provider's refund. The money is back, so the
// refund is recorded (once) and the order becomes refunded, not
// cancelled: its goods are gone and its stock stays out.
func TestCustomerCancelRacesShipment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		o, _ := e.paidOrder("cancel-race")
		staff := audit.Actor{Name: "owner@example.jp"}
		var err error
		e.pay, err = cardpay.New(d, e.orders, e.clock, slog.New(slog.NewTextHandler(io.Discard, nil)), cardpay.Config{
			Provider: shipDuringRefund{Provider: e.provider, ship: func() {
				if _, err := e.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); err != nil {
					t.Errorf("ship: %v", err)
				}
			}},
			Capture: payment.CaptureAutomatic, BaseURL: "https://kaede.example", PageOrigins: []string{e.gwURL}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.pay.CancelOrder(ctx, o.Number, order.CustomerActor(0, "203.0.113.9"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != order.Refunded || got.Payment.State != order.PaymentRefunded {
			t.Fatalf("status %s payment %s, want refunded, refunded", got.Status, got.Payment.State)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 99 {
			t.Fatalf("stock %d: shipped goods are not counted back", s)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM refunds WHERE order_id = $1`, o.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d refunds recorded (%v), want 1", n, err)
		}
	})
}
