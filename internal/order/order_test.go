package order_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/shop"
)

func TestCanTransition(t *testing.T) {
	const (
		aw = order.AwaitingPayment
		pl = order.Placed
		pa = order.Paid
		sh = order.Shipped
		de = order.Delivered
		ca = order.Cancelled
	)
	all := []order.Status{aw, pl, pa, sh, de, ca}
	legal := map[order.PaymentMethod][][2]order.Status{
		order.BankTransfer: {{pl, pa}, {pl, ca}, {pa, sh}, {pa, ca}, {sh, de}},
		order.COD:          {{pl, sh}, {pl, ca}, {sh, de}, {sh, ca}},
		order.Card:         {{aw, pl}, {aw, pa}, {aw, ca}, {pl, pa}, {pl, ca}, {pa, sh}, {pa, ca}, {sh, de}},
		order.Invoice:      {{pl, pa}, {pl, sh}, {pl, ca}, {pa, sh}, {pa, ca}, {sh, de}},
	}
	// Every pair not listed above is refused, including every way out of
	// delivered and cancelled and every step back.
	for method, pairs := range legal {
		for _, from := range all {
			for _, to := range all {
				want := false
				for _, p := range pairs {
					if p == [2]order.Status{from, to} {
						want = true
					}
				}
				if got := order.CanTransition(from, to, method); got != want {
					t.Errorf("%s: %s→%s = %v, want %v", method, from, to, got, want)
				}
			}
		}
	}
	if order.CanTransition(order.Placed, order.Paid, "cheque") {
		t.Error("unknown method allowed a transition")
	}
}

func clock() time.Time { return time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC) }

type fixture struct {
	d        *db.DB
	carts    *cart.Service
	orders   *order.Service
	checkout *checkout.Service
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	return setupAt(t, d, clock)
}

// setupAt is setup on the given clock.
func setupAt(t *testing.T, d *db.DB, clock shop.Clock) fixture {
	t.Helper()
	q := mail.NewTestQueue(clock)
	f := fixture{d: d, carts: cart.New(d, clock), orders: order.New(d, q, clock)}
	f.checkout = checkout.New(d, f.carts, f.orders, q, clock, "https://kaede.example")
	carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 100})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "B", Price: 550, Stock: 100})
	return f
}

var placed int

// place orders 3 A and 1 B, paid by method, and returns the order and its
// access token.
func (f fixture) place(t *testing.T, method order.PaymentMethod, memberID int64) (*order.Order, string) {
	t.Helper()
	ctx := context.Background()
	v := shop.Viewer{MemberID: memberID}
	c, err := f.carts.Create(ctx, memberID)
	if err != nil {
		t.Fatal(err)
	}
	for sku, qty := range map[string]int{"A": 3, "B": 1} {
		if _, err := f.carts.AddItem(ctx, c.ID, sku, qty, v); err != nil {
			t.Fatal(err)
		}
	}
	placed++
	o, token, err := f.checkout.Place(ctx, checkout.Input{CartID: c.ID, Viewer: v, Email: "taro@example.com",
		Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
		PaymentMethod: string(method), IdempotencyKey: fmt.Sprintf("order-test-%d", placed)})
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	return o, token
}

func TestCancelReturnsStock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o, _ := f.place(t, order.BankTransfer, 0)
		if a, b := carttest.Stock(t, d, "A"), carttest.Stock(t, d, "B"); a != 97 || b != 99 {
			t.Fatalf("stock after order A=%d B=%d, want 97 and 99", a, b)
		}
		got, err := f.orders.Cancel(ctx, o.Number, "お客様のご依頼")
		if err != nil {
			t.Fatal(err)
		}
		if a, b := carttest.Stock(t, d, "A"), carttest.Stock(t, d, "B"); a != 100 || b != 100 {
			t.Fatalf("stock after cancel A=%d B=%d, want 100 and 100", a, b)
		}
		if got.Status != order.Cancelled || got.Payment.State != order.PaymentCancelled {
			t.Fatalf("status %s payment %s", got.Status, got.Payment.State)
		}
		last := got.Events[len(got.Events)-1]
		if len(got.Events) != 2 || last.From != order.Placed || last.To != order.Cancelled || last.Note != "お客様のご依頼" {
			t.Fatalf("events %+v", got.Events)
		}
		var mails int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_messages WHERE order_id = $1 AND kind = 'order_cancelled'`,
			o.ID).Scan(&mails); err != nil || mails != 1 {
			t.Fatalf("cancellation mails %d (%v), want 1", mails, err)
		}
		if _, err := f.orders.Cancel(ctx, o.Number, ""); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("second cancel: %v, want conflict", err)
		}
		if a := carttest.Stock(t, d, "A"); a != 100 {
			t.Fatalf("stock after refused cancel A=%d, want 100", a)
		}
	})
}

func TestTransitions(t *testing.T) {
	type step struct {
		to    order.Status
		code  shop.Code // "" for success
		state order.PaymentState
	}
	tests := []struct {
		method order.PaymentMethod
		steps  []step
	}{
		{order.BankTransfer, []step{
			{order.Shipped, shop.Conflict, ""}, // not before the money
			{order.Paid, "", order.PaymentSucceeded},
			{order.Shipped, "", order.PaymentSucceeded},
			{order.Cancelled, shop.Conflict, ""},
			{order.Delivered, "", order.PaymentSucceeded},
			{order.Placed, shop.Conflict, ""},
		}},
		{order.COD, []step{
			{order.Paid, shop.Conflict, ""}, // paid at the door only
			{order.Shipped, "", order.PaymentPending},
			{order.Delivered, "", order.PaymentSucceeded},
			{order.Cancelled, shop.Conflict, ""},
		}},
		{order.COD, []step{
			{order.Shipped, "", order.PaymentPending},
			{order.Cancelled, "", order.PaymentCancelled}, // refused at the door
		}},
		{order.BankTransfer, []step{
			{order.Paid, "", order.PaymentSucceeded},
			// Money taken stays recorded as taken: it is to be refunded.
			{order.Cancelled, "", order.PaymentSucceeded},
		}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for i, tt := range tests {
			o, _ := f.place(t, tt.method, 0)
			for _, st := range tt.steps {
				got, err := f.orders.Transition(ctx, o.Number, st.to, "")
				if shop.ErrorCode(err) != st.code && !(st.code == "" && err == nil) {
					t.Fatalf("case %d %s→%s: %v, want %q", i, o.Status, st.to, err, st.code)
				}
				if err != nil {
					continue
				}
				if got.Status != st.to || got.Payment.State != st.state {
					t.Fatalf("case %d →%s: status %s payment %s, want payment %s", i, st.to, got.Status, got.Payment.State, st.state)
				}
				o = got
			}
		}
		if _, err := f.orders.Transition(ctx, "K20990101-0001", order.Paid, ""); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("unknown order: %v, want not found", err)
		}
	})
}

func TestGetWithToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o, token := f.place(t, order.COD, 0)
		got, err := f.orders.GetWithToken(ctx, o.Number, token)
		if err != nil || got.Number != o.Number || len(got.Lines) != 2 || got.Address.Name != "山田 太郎" {
			t.Fatalf("right token: %v %+v", err, got)
		}
		_, wrong := f.orders.GetWithToken(ctx, o.Number, token+"x")
		_, empty := f.orders.GetWithToken(ctx, o.Number, "")
		_, unknown := f.orders.GetWithToken(ctx, "K20990101-0001", token)
		for name, err := range map[string]error{"wrong": wrong, "empty": empty, "unknown": unknown} {
			if shop.ErrorCode(err) != shop.NotFound {
				t.Errorf("%s: %v, want not found", name, err)
			}
		}
	})
}

func TestListForMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		member := carttest.AddMember(t, d, "m@example.com", false)
		var numbers []string
		for range 3 {
			o, _ := f.place(t, order.COD, member)
			numbers = append(numbers, o.Number)
		}
		f.place(t, order.COD, 0) // a guest's, not listed
		page, total, err := f.orders.ListForMember(ctx, member, 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(page) != 2 || page[0].Number != numbers[2] || page[1].Number != numbers[1] {
			t.Fatalf("total %d, page %d orders starting %s, want 3, 2, %s", total, len(page), page[0].Number, numbers[2])
		}
		if page[0].MemberID != member || len(page[0].Lines) != 2 {
			t.Fatalf("listed order %+v", page[0])
		}
		rest, _, err := f.orders.ListForMember(ctx, member, 2, 2)
		if err != nil || len(rest) != 1 || rest[0].Number != numbers[0] {
			t.Fatalf("second page: %v %d", err, len(rest))
		}
	})
}

func TestOrderNumbersPerDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		a, _ := f.place(t, order.COD, 0)
		b, _ := f.place(t, order.COD, 0)
		if a.Number != "K20261125-0001" || b.Number != "K20261125-0002" {
			t.Fatalf("numbers %s %s", a.Number, b.Number)
		}
		// 23:30 UTC is already the next day in Tokyo.
		late := func() time.Time { return time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC) }
		q := mail.NewTestQueue(late)
		f.orders = order.New(d, q, late)
		f.checkout = checkout.New(d, f.carts, f.orders, q, late, "https://kaede.example")
		c, _ := f.place(t, order.COD, 0)
		if c.Number != "K20261126-0001" {
			t.Fatalf("number %s, want K20261126-0001", c.Number)
		}
	})
}

// A checkout holds one connection of the pool for its transaction and
// must not need a second: with as many checkouts as connections, each
// would wait for another's forever. One connection in the pool makes the
// wait certain; the deadline turns it into a failure.
func TestPlaceNeedsOneConnection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, method := range []order.PaymentMethod{order.BankTransfer, order.COD} {
			c, err := f.carts.Create(t.Context(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.carts.AddItem(t.Context(), c.ID, "A", 1, shop.Viewer{}); err != nil {
				t.Fatal(err)
			}
			d.SetMaxOpenConns(1)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			placed++
			o, _, err := f.checkout.Place(ctx, checkout.Input{CartID: c.ID, Email: "taro@example.com",
				Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
					City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
				PaymentMethod: string(method), IdempotencyKey: fmt.Sprintf("order-test-%d", placed)})
			cancel()
			d.SetMaxOpenConns(20)
			if err != nil {
				t.Fatalf("%s: place with one pooled connection: %v", method, err)
			}
			if o.Number == "" {
				t.Fatalf("%s: order without a number", method)
			}
		}
	})
}

// Insert returns the order it wrote without reading it back; it must be
// what reading it back gives, field for field, on both databases: lines
// in order, taxes per rate highest first, the pending payment, the first
// event and the times as the database keeps them.
func TestInsertReturnsWhatLoadReads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		// A clock with nanoseconds, which PostgreSQL does not keep.
		fine := func() time.Time { return time.Date(2026, 11, 25, 1, 2, 3, 123456789, time.UTC) }
		q := mail.NewTestQueue(fine)
		f.orders = order.New(d, q, fine)
		f.checkout = checkout.New(d, f.carts, f.orders, q, fine, "https://kaede.example")
		carttest.AddVariant(t, d, carttest.Variant{SKU: "R", Price: 540, Stock: 10, Reduced: true})
		for _, method := range []order.PaymentMethod{order.BankTransfer, order.COD} {
			c, err := f.carts.Create(t.Context(), 0)
			if err != nil {
				t.Fatal(err)
			}
			for sku, qty := range map[string]int{"A": 2, "R": 3, "B": 1} {
				if _, err := f.carts.AddItem(t.Context(), c.ID, sku, qty, shop.Viewer{}); err != nil {
					t.Fatal(err)
				}
			}
			placed++
			o, _, err := f.checkout.Place(t.Context(), checkout.Input{CartID: c.ID, Email: "taro@example.com",
				Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
					City: "千代田区", Line1: "千代田1-1", Line2: "楓ビル 3F", Phone: "03-1234-5678"},
				Note: "午前中にお願いします", PaymentMethod: string(method), IdempotencyKey: fmt.Sprintf("order-test-%d", placed)})
			if err != nil {
				t.Fatalf("%s: place: %v", method, err)
			}
			var read *order.Order
			if err := d.ReadTx(t.Context(), func(tx *sql.Tx) error {
				read, err = order.Load(t.Context(), tx, o.Number)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(read.Taxes) != 2 || len(read.Lines) != 3 {
				t.Fatalf("%s: read back %d taxes, %d lines; want 2 and 3", method, len(read.Taxes), len(read.Lines))
			}
			if !reflect.DeepEqual(o, read) {
				t.Errorf("%s: Insert returned\n%+v\nreading it back gives\n%+v", method, *o, *read)
			}
		}
	})
}
