package order_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// today is the dashboard's day around the test clock.
func (f fixture) summary(t *testing.T) order.Summary {
	t.Helper()
	s, err := f.orders.Summarize(context.Background(), clock().Add(-time.Hour), clock().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mailsTo returns the kinds of the order's mails to the address, in order.
func mailsTo(t *testing.T, d *db.DB, orderID int64, to string) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT kind FROM mail_messages
		WHERE order_id = $1 AND to_addr = $2 ORDER BY id`, orderID, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kinds []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	return kinds
}

// history returns the order's history keys, oldest first.
func history(o *order.Order) []string {
	var keys []string
	for _, e := range o.Events {
		keys = append(keys, e.HistoryKey())
	}
	return keys
}

func (f fixture) paidTransfer(t *testing.T) *order.Order {
	t.Helper()
	o := f.placeAs(t, taro(), order.BankTransfer)
	o, err := f.orders.MarkPaid(context.Background(), o.Number, staff)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestFullRefundBeforeShipmentCancels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.paidTransfer(t)
		if s := carttest.Stock(t, d, "A"); s != 97 {
			t.Fatalf("stock A=%d after the order, want 97", s)
		}
		if s := f.summary(t); s.Placed != 1 || s.Sales != o.Total || s.AwaitingShipment != 1 {
			t.Fatalf("before the refund: %+v, want 1 placed, sales %s, 1 to ship", s, o.Total)
		}
		got, err := f.orders.MarkRefunded(ctx, o.Number, o.Total, staff)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != order.Cancelled || got.Payment.State != order.PaymentRefunded {
			t.Fatalf("after the full refund: status %s payment %s, want cancelled, refunded", got.Status, got.Payment.State)
		}
		if a, b := carttest.Stock(t, d, "A"), carttest.Stock(t, d, "B"); a != 100 || b != 100 {
			t.Fatalf("stock A=%d B=%d after the cancellation, want 100 each", a, b)
		}
		if s := f.summary(t); s.Placed != 0 || s.Sales != 0 || s.AwaitingShipment != 0 || s.Refunds != o.Total {
			t.Fatalf("after the refund: %+v, want nothing placed, sold or to ship, refunds %s", s, o.Total)
		}
		h := strings.Join(history(got), " ")
		if h != "created to.paid refund refund_cancel" {
			t.Fatalf("history %q", h)
		}
		if kinds := strings.Join(mailsTo(t, d, o.ID, o.Email), " "); kinds != "order_confirmation order_paid order_cancelled" {
			t.Fatalf("customer's mails: %s", kinds)
		}
		_, bodies := mailBodies(t, d, o.ID, "order_cancelled")
		if !strings.Contains(bodies[0], o.Total.String()+" は、ご返金いたしました") || !strings.Contains(bodies[0], "山田 太郎 様") {
			t.Fatalf("cancellation notice:\n%s", bodies[0])
		}
	})
}

func TestFullRefundAfterShipment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.paidTransfer(t)
		if _, err := f.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); err != nil {
			t.Fatal(err)
		}
		got, err := f.orders.MarkRefunded(ctx, o.Number, o.Total, staff)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != order.Refunded {
			t.Fatalf("status %s, want refunded", got.Status)
		}
		if s := carttest.Stock(t, d, "A"); s != 97 {
			t.Fatalf("stock A=%d: shipped goods are not counted back", s)
		}
		if s := f.summary(t); s.Placed != 1 || s.Sales != 0 || s.AwaitingShipment != 0 {
			t.Fatalf("summary %+v, want 1 placed, no sales, nothing to ship", s)
		}
		if h := strings.Join(history(got), " "); h != "created to.paid to.shipped refund to.refunded" {
			t.Fatalf("history %q", h)
		}
		subjects, bodies := mailBodies(t, d, o.ID, "order_refunded")
		if len(subjects) != 1 || !strings.Contains(subjects[0], "ご返金のお知らせ") || !strings.Contains(bodies[0], "代金の全額") {
			t.Fatalf("refund notices %q:\n%s", subjects, bodies)
		}
		_, err = f.orders.CancelByStaff(ctx, o.Number, "誤操作", staff)
		wantCode(t, "cancel a refunded order", err, shop.Conflict)
	})
}

func TestPartialRefund(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.paidTransfer(t)
		got, err := f.orders.MarkRefunded(ctx, o.Number, 1000, staff)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != order.Paid {
			t.Fatalf("status %s after a partial refund, want paid", got.Status)
		}
		last := got.Events[len(got.Events)-1]
		if last.Kind != order.EventRefund || last.Amount != 1000 || last.HistoryKey() != "refund" {
			t.Fatalf("last event %+v, want the refund of ¥1,000", last)
		}
		if s := f.summary(t); s.Sales != o.Total-1000 || s.Refunds != 1000 || s.AwaitingShipment != 1 {
			t.Fatalf("summary %+v, want sales %s net, refunds ¥1,000, still to ship", s, o.Total-1000)
		}
		_, bodies := mailBodies(t, d, o.ID, "order_refunded")
		if len(bodies) != 1 || !strings.Contains(bodies[0], "代金の一部") || !strings.Contains(bodies[0], "¥1,000") {
			t.Fatalf("refund notices:\n%s", bodies)
		}
	})
}

func TestCancelByCustomer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		by := order.CustomerActor(0, "198.51.100.7")

		// Unpaid: cancelled, stock back, both told.
		o := f.placeAs(t, taro(), order.BankTransfer)
		got, err := f.orders.CancelByCustomer(ctx, o.Number, by)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != order.Cancelled || got.Payment.State != order.PaymentCancelled {
			t.Fatalf("status %s payment %s", got.Status, got.Payment.State)
		}
		if s := carttest.Stock(t, d, "A"); s != 100 {
			t.Fatalf("stock A=%d, want 100", s)
		}
		if h := history(got); h[len(h)-1] != "customer_cancel" {
			t.Fatalf("history %q", h)
		}
		if kinds := strings.Join(mailsTo(t, d, o.ID, o.Email), " "); kinds != "order_confirmation order_cancelled" {
			t.Fatalf("customer's mails: %s", kinds)
		}
		shopAddr := settings.Default().Email
		if kinds := strings.Join(mailsTo(t, d, o.ID, shopAddr), " "); kinds != "shop_new_order shop_order_cancelled" {
			t.Fatalf("shop's mails: %s", kinds)
		}
		_, bodies := mailBodies(t, d, o.ID, "order_cancelled")
		if !strings.Contains(bodies[0], "お客様よりお申し出のありました") {
			t.Fatalf("cancellation notice:\n%s", bodies[0])
		}
		entries := auditEntries(t, d, "order.customer_cancel")
		if len(entries) != 1 || entries[0].Actor != "customer:guest" || entries[0].IP != "198.51.100.7" {
			t.Fatalf("audit %+v", entries)
		}
		// Twice: refused, nothing more sent.
		_, err = f.orders.CancelByCustomer(ctx, o.Number, by)
		wantCode(t, "cancel twice", err, shop.Conflict)
		if n := len(mailsTo(t, d, o.ID, o.Email)); n != 2 {
			t.Fatalf("%d mails to the customer after a refused cancel, want 2", n)
		}

		// Paid by transfer: cancelled, and the shop is asked to refund.
		p := f.paidTransfer(t)
		if _, err := f.orders.CancelByCustomer(ctx, p.Number, order.CustomerActor(12, "198.51.100.7")); err != nil {
			t.Fatal(err)
		}
		_, bodies = mailBodies(t, d, p.ID, "shop_order_cancelled")
		if len(bodies) != 1 || !strings.Contains(bodies[0], "ご返金の手続きをお願いいたします") {
			t.Fatalf("shop's notice:\n%s", bodies)
		}

		// Shipped: refused, nothing changed.
		s := f.paidTransfer(t)
		if _, err := f.orders.Ship(ctx, s.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); err != nil {
			t.Fatal(err)
		}
		_, err = f.orders.CancelByCustomer(ctx, s.Number, by)
		wantCode(t, "cancel after shipment", err, shop.Conflict)
		if got, _ := f.orders.Get(ctx, s.Number); got.Status != order.Shipped {
			t.Fatalf("status %s after a refused cancel", got.Status)
		}
		if n := carttest.Stock(t, d, "A"); n != 97 {
			t.Fatalf("stock A=%d after a refused cancel, want 97", n)
		}
	})
}

func TestShopNotice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		st := settings.Default()
		st.OrderNoticeEmail = "not an address"
		if err := st.Validate(); shop.ErrorFields(err)["order_notice_email"] != shop.ReasonFormat {
			t.Fatalf("bad notice address: %v", err)
		}
		st.OrderNoticeEmail = "orders@kaede.example"
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, st, clock()) }); err != nil {
			t.Fatal(err)
		}
		o := f.placeAs(t, hanako(), order.COD)
		subjects, bodies := mailBodies(t, d, o.ID, "shop_new_order")
		if len(subjects) != 1 || !strings.Contains(subjects[0], o.Number) || !strings.Contains(bodies[0], "代金引換") ||
			!strings.Contains(bodies[0], "佐藤 花子 様（ゲスト）") || !strings.Contains(bodies[0], o.Total.String()) {
			t.Fatalf("shop notice %q:\n%s", subjects, bodies)
		}
		if kinds := mailsTo(t, d, o.ID, "orders@kaede.example"); len(kinds) != 1 {
			t.Fatalf("mails to the notice address: %v", kinds)
		}
	})
}

// TestNoShopMailbox: a shop with no address to tell (settings stored
// before the shop's e-mail was required: Save refuses them now) still has
// the order and the customer's confirmation; only the shop's notice is
// left out.
func TestNoShopMailbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		st := settings.Default()
		st.Email, st.OrderNoticeEmail = "", ""
		if st.OrderNoticeTo() != "" {
			t.Fatalf("notice address %q, want none", st.OrderNoticeTo())
		}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('shop', $1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, string(b), clock()); err != nil {
			t.Fatal(err)
		}
		o := f.placeAs(t, hanako(), order.COD)
		if subjects, _ := mailBodies(t, d, o.ID, "order_confirmation"); len(subjects) != 1 {
			t.Fatalf("customer's confirmations %q, want one", subjects)
		}
		if subjects, _ := mailBodies(t, d, o.ID, "shop_new_order"); len(subjects) != 0 {
			t.Fatalf("shop notices %q with no mailbox", subjects)
		}
	})
}
