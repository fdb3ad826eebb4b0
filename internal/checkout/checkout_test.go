package checkout_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
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

// 10:00 on 25 November 2026 in Tokyo.
func clock() time.Time { return time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC) }

type fixture struct {
	d        *db.DB
	carts    *cart.Service
	orders   *order.Service
	checkout *checkout.Service
}

func setup(tb testing.TB, d *db.DB) fixture {
	tb.Helper()
	q := mail.NewTestQueue(clock)
	f := fixture{d: d, carts: cart.New(d, clock), orders: order.New(d, q, clock)}
	f.checkout = checkout.New(d, f.carts, f.orders, q, clock, "https://kaede.example/")
	return f
}

// cartWith returns a new guest cart holding sku×qty pairs.
func (f fixture) cartWith(tb testing.TB, v shop.Viewer, items ...any) string {
	tb.Helper()
	ctx := context.Background()
	c, err := f.carts.Create(ctx, v.MemberID)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < len(items); i += 2 {
		if _, err := f.carts.AddItem(ctx, c.ID, items[i].(string), items[i+1].(int), v); err != nil {
			tb.Fatalf("add %v: %v", items[i], err)
		}
	}
	return c.ID
}

func input(cartID, method, key string) checkout.Input {
	return checkout.Input{
		CartID: cartID,
		Email:  "taro@example.com",
		Address: shop.Address{Name: "山田 太郎", NameKana: "やまだ たろう", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
		PaymentMethod:  method,
		IdempotencyKey: key,
	}
}

func TestQuoteNamesEveryBadField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		in := input(f.cartWith(t, shop.Viewer{}), "card", "")
		in.Email = "taro at example"
		in.Address.PostalCode = "100"
		in.Address.Phone = ""
		in.DeliveryDate = "2026-11-26" // tomorrow: earlier than the 3 days' minimum
		in.DeliverySlot = "深夜"
		in.Locale = "fr"
		in.Note = "a\x00b"
		_, err := f.checkout.Quote(context.Background(), in)
		want := map[string]string{
			"email":                        shop.ReasonFormat,
			"shipping_address.postal_code": shop.ReasonFormat,
			"shipping_address.phone":       shop.ReasonRequired,
			"payment_method":               shop.ReasonChoice,
			"delivery_date":                shop.ReasonRange,
			"delivery_slot":                shop.ReasonChoice,
			"locale":                       shop.ReasonChoice,
			"note":                         shop.ReasonFormat,
			"cart":                         shop.ReasonRequired,
		}
		got := shop.ErrorFields(err)
		if shop.ErrorCode(err) != shop.Invalid || len(got) != len(want) {
			t.Fatalf("err=%v, want invalid with %d fields", err, len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s=%q, want %q", k, got[k], v)
			}
		}
	})
}

func TestQuoteDeliveryDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 5})
		id := f.cartWith(t, shop.Viewer{}, "A", 1)
		for date, reason := range map[string]string{"": "", "2026-11-28": "", "2026-12-25": "",
			"2026-11-27": shop.ReasonRange, "2026-12-26": shop.ReasonRange, "28/11/2026": shop.ReasonFormat} {
			in := input(id, "cod", "")
			in.DeliveryDate, in.DeliverySlot = date, "午前中"
			q, err := f.checkout.Quote(context.Background(), in)
			if got := shop.ErrorFields(err)["delivery_date"]; got != reason {
				t.Errorf("%q: reason %q (err %v), want %q", date, got, err, reason)
			}
			if reason == "" && date != "" && !strings.Contains(q.DeliveryTime, "午前中") {
				t.Errorf("%q: delivery time %q does not name the slot", date, q.DeliveryTime)
			}
		}
	})
}

func TestQuoteCartState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "PRO", Price: 1100, Stock: 5, PractitionersOnly: true})
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 5})
		carttest.AddVariant(t, d, carttest.Variant{SKU: "BIG", Price: 300000, Stock: 5})

		pro := f.cartWith(t, shop.Viewer{Practitioner: true}, "PRO", 1)
		if _, err := f.checkout.Quote(ctx, input(pro, "cod", "")); shop.ErrorCode(err) != shop.Forbidden {
			t.Errorf("practitioners-only for a guest: %v, want forbidden", err)
		}
		in := input(pro, "cod", "")
		in.Viewer.Practitioner = true
		if _, err := f.checkout.Quote(ctx, in); err != nil {
			t.Errorf("practitioners-only for a practitioner: %v", err)
		}

		short := f.cartWith(t, shop.Viewer{}, "A", 3)
		if _, err := d.ExecContext(ctx, `UPDATE variants SET stock = 2 WHERE sku = 'A'`); err != nil {
			t.Fatal(err)
		}
		_, err := f.checkout.Quote(ctx, input(short, "cod", ""))
		if shop.ErrorCode(err) != shop.OutOfStock || !strings.Contains(err.Error(), "A") {
			t.Errorf("short stock: %v, want out of stock naming A", err)
		}

		big := f.cartWith(t, shop.Viewer{}, "BIG", 1)
		_, err = f.checkout.Quote(ctx, input(big, "cod", ""))
		if shop.ErrorFields(err)["payment_method"] != shop.ReasonRange {
			t.Errorf("COD over the limit: %v, want payment_method range", err)
		}
		if _, err := f.checkout.Quote(ctx, input(big, "bank_transfer", "")); err != nil {
			t.Errorf("bank transfer of the same cart: %v", err)
		}
	})
}

func TestFreeShipping(t *testing.T) {
	tests := []struct {
		name       string
		price      shop.Yen
		prefecture int
		want       shop.Yen
	}{
		{"below threshold, Tokyo", 10999, 13, 880},
		{"at threshold", 11000, 13, 0},
		{"above threshold, Okinawa", 20000, 47, 0},
		{"below threshold, Hokkaido", 5000, 1, 1320},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for i, tt := range tests {
			sku := fmt.Sprintf("S%d", i)
			carttest.AddVariant(t, d, carttest.Variant{SKU: sku, Price: tt.price, Stock: 5})
			in := input(f.cartWith(t, shop.Viewer{}, sku, 1), "bank_transfer", "")
			in.Address.Prefecture = tt.prefecture
			q, err := f.checkout.Quote(context.Background(), in)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if q.ShippingFee != tt.want || q.Total != tt.price+tt.want || q.CODFee != 0 {
				t.Errorf("%s: shipping %d total %d cod %d, want shipping %d", tt.name, q.ShippingFee, q.Total, q.CODFee, tt.want)
			}
		}
	})
}

// A 10 % item, two 8 % items, shipping ¥880 and the COD fee ¥330: the
// fees are taxed at 10 % with the goods, each rate rounded once (floor).
func TestMixedRateTax(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "NEEDLE", Price: 2200, Stock: 5})
		carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 540, Stock: 5, Reduced: true})
		in := input(f.cartWith(t, shop.Viewer{}, "NEEDLE", 1, "TEA", 2), "cod", "k-tax")

		q, err := f.checkout.Quote(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		// 10 %: 2200 + 880 + 330 = 3410, tax floor(3410×10/110) = 310.
		// 8 %: 1080, tax floor(1080×8/108) = 80.
		want := []shop.TaxSummary{{Rate: 10, Taxable: 3100, Tax: 310}, {Rate: 8, Taxable: 1000, Tax: 80}}
		if fmt.Sprint(q.Taxes) != fmt.Sprint(want) {
			t.Fatalf("taxes %+v, want %+v", q.Taxes, want)
		}
		if q.Subtotal != 3280 || q.ShippingFee != 880 || q.CODFee != 330 || q.Total != 4490 {
			t.Fatalf("subtotal %d shipping %d cod %d total %d", q.Subtotal, q.ShippingFee, q.CODFee, q.Total)
		}
		if q.InvoiceNumber != "T1234567890123" || q.ReturnPolicy == "" || !strings.Contains(q.PaymentTime, "代金引換") {
			t.Fatalf("confirmation text missing: %+v", q)
		}

		o, _, err := f.checkout.Place(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if o.Total != 4490 || fmt.Sprint(o.Taxes) != fmt.Sprint(want) {
			t.Fatalf("order total %d taxes %+v", o.Total, o.Taxes)
		}
		rows, err := d.QueryContext(ctx, `SELECT rate, taxable, tax FROM order_taxes WHERE order_id = $1 ORDER BY rate DESC`, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []shop.TaxSummary
		for rows.Next() {
			var s shop.TaxSummary
			if err := rows.Scan(&s.Rate, &s.Taxable, &s.Tax); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("order_taxes %+v, want %+v", got, want)
		}
	})
}

func TestPlace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 5})
		id := f.cartWith(t, shop.Viewer{}, "A", 2)
		o, token, err := f.checkout.Place(ctx, input(id, "bank_transfer", "k1"))
		if err != nil {
			t.Fatal(err)
		}
		if o.Number != "K20261125-0001" || o.Status != order.Placed || o.Payment.State != order.PaymentPending ||
			o.Payment.Amount != o.Total || o.Total != 2200+880 || len(o.Lines) != 1 || len(o.Events) != 1 {
			t.Fatalf("order %+v", o)
		}
		if carttest.Stock(t, d, "A") != 3 {
			t.Fatalf("stock %d, want 3", carttest.Stock(t, d, "A"))
		}
		if c, err := f.carts.Get(ctx, id, shop.Viewer{}); err != nil || len(c.Lines) != 0 {
			t.Fatalf("cart after order: %v %+v, want empty", err, c)
		}
		if _, err := f.orders.GetWithToken(ctx, o.Number, token); err != nil {
			t.Fatalf("token does not open the order: %v", err)
		}
		var stored string
		if err := d.QueryRowContext(ctx, `SELECT access_token_hash FROM orders WHERE id = $1`, o.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == token || stored != order.HashToken(token) {
			t.Fatalf("stored %q: want the SHA-256 of the token only", stored)
		}
		second, _, err := f.checkout.Place(ctx, input(f.cartWith(t, shop.Viewer{}, "A", 1), "bank_transfer", "k2"))
		if err != nil || second.Number != "K20261125-0002" {
			t.Fatalf("second order: %v %v, want K20261125-0002", err, second)
		}
	})
}

func TestConfirmationMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 5})
		carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 540, Stock: 5, Reduced: true})
		o, token, err := f.checkout.Place(ctx, input(f.cartWith(t, shop.Viewer{}, "A", 1, "TEA", 1), "bank_transfer", "k1"))
		if err != nil {
			t.Fatal(err)
		}
		subject, body := mailOf(t, d, o.ID)
		for _, want := range []string{o.Number, "山田 太郎 様", "¥1,100 × 1", "※", "送料：¥880", "合計（税込）：¥2,520",
			"10%対象", "8%対象", "T1234567890123", "楓銀行 本店営業部 普通 1234567", "2026年12月2日まで",
			"返品", "https://kaede.example/orders/" + o.Number + "?token=" + token} {
			if !strings.Contains(body, want) {
				t.Errorf("body lacks %q:\n%s", want, body)
			}
		}
		if !strings.Contains(subject, o.Number) {
			t.Errorf("subject %q", subject)
		}
		if n := strings.Count(body, "楓銀行 本店営業部 普通 1234567"); n != 1 {
			t.Errorf("the bank account is in the mail %d times, want once:\n%s", n, body)
		}

		in := input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", "k2")
		in.Locale = "en"
		en, _, err := f.checkout.Place(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		_, body = mailOf(t, d, en.ID)
		for _, want := range []string{"Thank you", "Cash-on-delivery fee: ¥330", "pay the carrier", "T1234567890123"} {
			if !strings.Contains(body, want) {
				t.Errorf("English body lacks %q:\n%s", want, body)
			}
		}

		before := carttest.Count(t, d, "mail_messages")
		short := f.cartWith(t, shop.Viewer{}, "A", 3)
		if _, err := d.ExecContext(ctx, `UPDATE variants SET stock = 1 WHERE sku = 'A'`); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.checkout.Place(ctx, input(short, "cod", "k3")); shop.ErrorCode(err) != shop.OutOfStock {
			t.Fatalf("err=%v, want out of stock", err)
		}
		if n := carttest.Count(t, d, "mail_messages"); n != before {
			t.Fatalf("%d mails after a failed order, want %d", n, before)
		}
	})
}

func mailOf(t *testing.T, d *db.DB, orderID int64) (subject, body string) {
	t.Helper()
	err := d.QueryRowContext(context.Background(), `SELECT subject, body FROM mail_messages
		WHERE order_id = $1 AND kind = 'order_confirmation'`, orderID).Scan(&subject, &body)
	if err != nil {
		t.Fatalf("confirmation of order %d: %v", orderID, err)
	}
	return subject, body
}

func TestIdempotencyKeyFormat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 5})
		id := f.cartWith(t, shop.Viewer{}, "A", 1)
		for key, reason := range map[string]string{"": shop.ReasonRequired, "é": shop.ReasonFormat,
			"a\nb": shop.ReasonFormat, strings.Repeat("k", 256): shop.ReasonLength} {
			_, _, err := f.checkout.Place(context.Background(), input(id, "cod", key))
			if got := shop.ErrorFields(err)["idempotency_key"]; got != reason {
				t.Errorf("key %q: %v, want %s", key, err, reason)
			}
		}
	})
}

func TestIdempotentReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 50})
		in := input(f.cartWith(t, shop.Viewer{}, "A", 2), "cod", "same-key")
		first, token, err := f.checkout.Place(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		again, token2, err := f.checkout.Place(ctx, in)
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		if again.Number != first.Number || token2 != token {
			t.Fatalf("replay gave %s/%q, want %s/%q", again.Number, token2, first.Number, token)
		}
		other := in
		other.Email = "other@example.com"
		if _, _, err := f.checkout.Place(ctx, other); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("same key, different request: %v, want conflict", err)
		}
		if n := carttest.Count(t, d, "orders"); n != 1 {
			t.Fatalf("%d orders, want 1", n)
		}
		if carttest.Stock(t, d, "A") != 48 {
			t.Fatalf("stock %d, want 48", carttest.Stock(t, d, "A"))
		}
	})
}

func TestConcurrentDoubleSubmit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 50})
		in := input(f.cartWith(t, shop.Viewer{}, "A", 2), "cod", "double-click")
		numbers := make([]string, 10)
		tokens := make([]string, 10)
		errs := make([]error, 10)
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				var o *order.Order
				o, tokens[i], errs[i] = f.checkout.Place(context.Background(), in)
				if o != nil {
					numbers[i] = o.Number
				}
			})
		}
		wg.Wait()
		for i := range 10 {
			if errs[i] != nil {
				t.Fatalf("submit %d: %v", i, errs[i])
			}
			if numbers[i] != numbers[0] || tokens[i] != tokens[0] {
				t.Fatalf("submit %d gave %s, submit 0 %s", i, numbers[i], numbers[0])
			}
		}
		if n := carttest.Count(t, d, "orders"); n != 1 {
			t.Fatalf("%d orders, want 1", n)
		}
		if s := carttest.Stock(t, d, "A"); s != 48 {
			t.Fatalf("stock %d, want 48", s)
		}
	})
}

// Thirty customers race for the last five units: exactly five orders, no
// overselling, and nothing half-written by the twenty-five who lose.
func TestNoOverselling(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "LAST", Price: 1100, Stock: 5})
		const buyers = 30
		carts := make([]string, buyers)
		for i := range carts {
			carts[i] = f.cartWith(t, shop.Viewer{}, "LAST", 1)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[shop.Code]int{}
		for i := range buyers {
			wg.Go(func() {
				_, _, err := f.checkout.Place(context.Background(), input(carts[i], "cod", fmt.Sprintf("buyer-%d", i)))
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					codes["ok"]++
				} else {
					codes[shop.ErrorCode(err)]++
					if shop.ErrorCode(err) != shop.OutOfStock {
						t.Errorf("buyer %d: %v", i, err)
					}
				}
			})
		}
		wg.Wait()
		if codes["ok"] != 5 || codes[shop.OutOfStock] != 25 {
			t.Fatalf("outcomes %v, want 5 ok and 25 out of stock", codes)
		}
		if s := carttest.Stock(t, d, "LAST"); s != 0 {
			t.Fatalf("stock %d, want 0", s)
		}
		for _, table := range []string{"orders", "order_lines", "payments", "order_events", "idempotency_keys"} {
			if n := carttest.Count(t, d, table); n != 5 {
				t.Errorf("%s: %d rows, want 5", table, n)
			}
		}
		// Each order: the customer's confirmation and the shop's notice.
		if n := carttest.Count(t, d, "mail_messages"); n != 10 {
			t.Errorf("mail_messages: %d rows, want 10", n)
		}
	})
}

// BenchmarkPlaceOrder measures placing one-line orders on SQLite, the
// default database: orders/s counts only the Place calls.
func BenchmarkPlaceOrder(b *testing.B) {
	d := dbtest.SQLite(b)
	f := setup(b, d)
	carttest.AddVariant(b, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 1 << 30})
	carttest.AddVariant(b, d, carttest.Variant{SKU: "TEA", Price: 540, Stock: 1 << 30, Reduced: true})
	ctx := context.Background()
	var placing time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		in := input(f.cartWith(b, shop.Viewer{}, "A", 2, "TEA", 1), "bank_transfer", fmt.Sprintf("bench-%d", i))
		b.StartTimer()
		start := time.Now()
		if _, _, err := f.checkout.Place(ctx, in); err != nil {
			b.Fatal(err)
		}
		placing += time.Since(start)
	}
	b.ReportMetric(float64(b.N)/placing.Seconds(), "orders/s")
}
