package demo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/demo"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/password"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// fastHash keeps the accounts' one password hash cheap in tests.
var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// breachNow is a Tuesday afternoon in Tokyo.
var breachNow = time.Date(2026, 5, 12, 5, 30, 0, 0, time.UTC)

// services are the scenario's owners of tables on d, with the clock at now.
func services(d *db.DB, now time.Time) demo.BreachServices {
	clock := func() time.Time { return now }
	return demo.BreachServices{Catalog: catalog.New(d, clock), Members: member.New(d, nil, clock, "http://shop.example"),
		Orders: order.New(d, nil, clock)}
}

func seedBreach(tb testing.TB, d *db.DB, orders int, seed uint64) demo.BreachSummary {
	tb.Helper()
	s, err := demo.SeedBreach(context.Background(), d, services(d, breachNow), tb.TempDir(), demo.BreachOptions{
		Seed: seed, Orders: orders, Now: breachNow, PasswordParams: &fastHash})
	if err != nil {
		tb.Fatalf("seed breach: %v", err)
	}
	return s
}

// The scenario's history is a year of plausible trade, its window and
// counts are what the database says, and it holds no card number.
func TestSeedBreach(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seedBreach(t, d, 500, 7)
		t.Logf("%d orders, %d customers (%d members, %d guests, %d members also ordered as guests); window %s – %s: %d card orders, %d card customers; %v %v",
			s.Orders, s.Customers, s.Members, s.Guests, s.SharedEmails, s.WindowFrom.In(shop.JST), s.WindowLastDay().Format("2006-01-02"),
			s.CardOrders, s.CardCustomers, s.ByMethod, s.ByStatus)
		if s.Orders != 500 || s.Customers != 150 || s.Members+s.Guests != s.Customers || s.Members == 0 || s.Guests == 0 {
			t.Fatalf("summary %+v, want 500 orders from 150 customers, members and guests", s)
		}
		checkOrderCount(t, d, 500)
		checkWindow(t, d, s)
		checkVarietyOfTrade(t, d)
		checkTotals(t, d)
		checkStock(t, d)
		checkNoCardNumbers(t, d)
		if _, err := audit.Verify(ctx, d); err != nil {
			t.Fatalf("audit chain: %v", err)
		}
	})
}

func checkOrderCount(t *testing.T, d *db.DB, want int) {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM orders`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("%d orders in the database, want %d", n, want)
	}
}

// checkWindow: 303 days ending some weeks ago, and the summary's counts
// are the database's, customers counted once by e-mail whatever its case
// and whether they ordered as a member or a guest.
func checkWindow(t *testing.T, d *db.DB, s demo.BreachSummary) {
	t.Helper()
	ctx := context.Background()
	if days := s.WindowLastDay().Sub(s.WindowFrom.In(shop.JST)).Hours() / 24; days != demo.BreachWindowDays {
		t.Errorf("window %s – %s is %v days, want %d", s.WindowFrom, s.WindowLastDay(), days, demo.BreachWindowDays)
	}
	if gap := breachNow.Sub(s.WindowTo); gap < 4*7*24*time.Hour || gap > 10*7*24*time.Hour {
		t.Errorf("window ends %s before now, want some weeks", gap)
	}
	if !s.HistoryFrom.Before(s.WindowFrom) || s.HistoryTo.After(breachNow) {
		t.Errorf("history %s – %s does not surround the window or passes now", s.HistoryFrom, s.HistoryTo)
	}
	var orders, customers, rows int
	err := d.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT LOWER(email)), COUNT(DISTINCT email || '/' || COALESCE(member_id, 0))
		FROM orders WHERE payment_method = 'card' AND created_at >= $1 AND created_at < $2`,
		s.WindowFrom, s.WindowTo).Scan(&orders, &customers, &rows)
	if err != nil {
		t.Fatal(err)
	}
	if orders != s.CardOrders || customers != s.CardCustomers {
		t.Fatalf("window: %d card orders from %d customers in the database, summary says %d and %d",
			orders, customers, s.CardOrders, s.CardCustomers)
	}
	if customers == 0 || customers >= orders || customers >= rows {
		t.Fatalf("window: %d orders, %d customers, %d e-mail/account pairs: want repeat buyers and shared e-mails",
			orders, customers, rows)
	}
	// A member who also ordered as a guest, with the same address.
	var shared int
	err = d.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT LOWER(email) FROM orders
		GROUP BY LOWER(email) HAVING COUNT(DISTINCT COALESCE(member_id, 0)) > 1 AND MIN(COALESCE(member_id, 0)) = 0) x`).Scan(&shared)
	if err != nil {
		t.Fatal(err)
	}
	if shared == 0 || shared != s.SharedEmails {
		t.Fatalf("%d members ordered as guests too, summary says %d; want some", shared, s.SharedEmails)
	}
}

// checkVarietyOfTrade: every payment method the shop has, the statuses a
// year gives, refunds, declines and failed 3-D Secure challenges.
func checkVarietyOfTrade(t *testing.T, d *db.DB) {
	t.Helper()
	want := map[string][]string{
		`SELECT DISTINCT payment_method FROM orders`:                                               {"bank_transfer", "card", "cod"},
		`SELECT DISTINCT status FROM orders WHERE status IN ('delivered', 'shipped', 'cancelled')`: {"cancelled", "delivered", "shipped"},
		`SELECT DISTINCT 'open' FROM orders WHERE status IN ('placed', 'paid')`:                    {"open"},
		`SELECT DISTINCT state FROM payments WHERE state IN ('refunded', 'partially_refunded', 'captured', 'succeeded', 'declined', 'failed', 'cancelled', 'pending')`: {
			"cancelled", "captured", "declined", "failed", "partially_refunded", "pending", "refunded", "succeeded"},
		`SELECT DISTINCT reason FROM payments WHERE reason = 'authentication_failed'`: {"authentication_failed"},
		`SELECT DISTINCT brand FROM payments WHERE method = 'card'`:                   {"amex", "jcb", "mastercard", "visa"},
		`SELECT DISTINCT carrier FROM shipments`:                                      {"japanpost", "sagawa", "yamato"},
		`SELECT DISTINCT status FROM licences`:                                        {"approved"},
	}
	for q, w := range want {
		got := strings.Join(column(t, d, q+` ORDER BY 1`), ",")
		if !strings.Contains(got, strings.Join(w, ",")) && got != strings.Join(w, ",") {
			t.Errorf("%s: got %s, want %s", q, got, strings.Join(w, ","))
		}
	}
	var bad int
	err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM payments
		WHERE method = 'card' AND (provider_ref = '' OR LENGTH(last4) <> 4 OR brand = '')`).Scan(&bad)
	if err != nil || bad != 0 {
		t.Fatalf("%d card payments without a reference, a brand or four last digits (err %v)", bad, err)
	}
	var awaiting int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM orders WHERE status = 'awaiting_payment'`).Scan(&awaiting); err != nil || awaiting != 0 {
		t.Fatalf("%d orders still await payment in the past (err %v)", awaiting, err)
	}
}

func column(t *testing.T, d *db.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// checkTotals recomputes every order from its lines: the shipping and COD
// fees from the settings, the tax per rate with shop.ComputeTax.
func checkTotals(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	st, err := settings.Load(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	type header struct {
		method                           string
		pref                             int
		subtotal, ship, cod, total, paid shop.Yen
		lines                            []shop.TaxLine
		taxes                            []shop.TaxSummary
	}
	orders := map[int64]*header{}
	rows, err := d.QueryContext(ctx, `SELECT o.id, o.payment_method, o.ship_prefecture, o.subtotal, o.shipping_fee, o.cod_fee, o.total,
			(SELECT amount FROM payments p WHERE p.order_id = o.id ORDER BY p.id DESC LIMIT 1)
		FROM orders o`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		h := &header{}
		if err := rows.Scan(&id, &h.method, &h.pref, &h.subtotal, &h.ship, &h.cod, &h.total, &h.paid); err != nil {
			t.Fatal(err)
		}
		orders[id] = h
	}
	rows.Close()
	rows, err = d.QueryContext(ctx, `SELECT order_id, tax_rate, unit_price, quantity, line_total FROM order_lines ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var rate shop.TaxRate
		var unit, total shop.Yen
		var qty int
		if err := rows.Scan(&id, &rate, &unit, &qty, &total); err != nil {
			t.Fatal(err)
		}
		if total != unit*shop.Yen(qty) {
			t.Fatalf("order %d: line %d × %d = %d", id, unit, qty, total)
		}
		orders[id].lines = append(orders[id].lines, shop.TaxLine{Rate: rate, Amount: total})
	}
	rows.Close()
	rows, err = d.QueryContext(ctx, `SELECT order_id, rate, taxable, tax FROM order_taxes ORDER BY order_id, rate DESC`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var s shop.TaxSummary
		if err := rows.Scan(&id, &s.Rate, &s.Taxable, &s.Tax); err != nil {
			t.Fatal(err)
		}
		orders[id].taxes = append(orders[id].taxes, s)
	}
	rows.Close()
	for id, h := range orders {
		var sub shop.Yen
		for _, l := range h.lines {
			sub += l.Amount
		}
		wantCOD := shop.Yen(0)
		if h.method == "cod" {
			wantCOD = st.CODFee
		}
		if sub != h.subtotal || h.ship != st.ShippingFee(h.pref, sub) || h.cod != wantCOD || h.total != sub+h.ship+h.cod || h.paid != h.total {
			t.Fatalf("order %d: subtotal %d (lines %d), shipping %d, COD %d, total %d, payment %d", id, h.subtotal, sub, h.ship, h.cod, h.total, h.paid)
		}
		lines := append([]shop.TaxLine(nil), h.lines...)
		for _, fee := range []shop.Yen{h.ship, h.cod} {
			if fee > 0 {
				lines = append(lines, shop.TaxLine{Rate: shop.RateStandard, Amount: fee})
			}
		}
		want, err := shop.ComputeTax(lines, shop.TaxIncluded, st.TaxRounding)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(want, h.taxes) {
			t.Fatalf("order %d: taxes %+v, want %+v", id, h.taxes, want)
		}
	}
}

// checkStock: the catalogue's stock is the demo's less what open orders
// hold, and what sold well is still in stock.
func checkStock(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	held := map[string]int{}
	rows, err := d.QueryContext(ctx, `SELECT l.sku, SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE o.status IN ('placed', 'paid') GROUP BY l.sku`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var sku string
		var n int
		if err := rows.Scan(&sku, &n); err != nil {
			t.Fatal(err)
		}
		held[sku] = n
	}
	rows.Close()
	if len(held) == 0 {
		t.Fatal("no open order holds stock")
	}
	stock := map[string]int{}
	for _, p := range demo.Products(breachNow) {
		for _, v := range p.Variants {
			stock[v.SKU] = v.Stock
		}
	}
	rows, err = d.QueryContext(ctx, `SELECT sku, stock FROM variants`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var sku string
		var n int
		if err := rows.Scan(&sku, &n); err != nil {
			t.Fatal(err)
		}
		if n != stock[sku]-held[sku] {
			t.Errorf("%s: stock %d, want %d less %d held", sku, n, stock[sku], held[sku])
		}
		if stock[sku] >= 4 && n < stock[sku]*3/4 {
			t.Errorf("%s: stock %d of %d: open orders hold more than a quarter", sku, n, stock[sku])
		}
	}
}

// checkNoCardNumbers scans every text value of every table for a card
// number, then plants one to show that the scan would find it.
func checkNoCardNumbers(t *testing.T, d *db.DB) {
	t.Helper()
	if found := scanForCards(t, d); len(found) > 0 {
		t.Fatalf("card numbers in the database: %v", found)
	}
	if _, err := d.ExecContext(context.Background(), `UPDATE orders SET note = 'カード番号4111 1111 1111 1111で' WHERE id = (SELECT MIN(id) FROM orders)`); err != nil {
		t.Fatal(err)
	}
	if found := scanForCards(t, d); len(found) != 1 || !strings.Contains(found[0], "4111 1111 1111 1111") {
		t.Fatalf("the planted card number was found as %v", found)
	}
}

func scanForCards(t *testing.T, d *db.DB) []string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	var found []string
	tables := column(t, d, q)
	for _, table := range tables {
		rows, err := d.QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			for i, v := range vals {
				var s string
				switch v := v.(type) {
				case string:
					s = v
				case []byte:
					s = string(v)
				default:
					continue
				}
				for _, n := range cardNumbers(s) {
					found = append(found, fmt.Sprintf("%s.%s: %q", table, cols[i], n))
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		rows.Close()
	}
	if len(tables) < 20 {
		t.Fatalf("scanned only %d tables: %v", len(tables), tables)
	}
	return found
}

// cardNumbers returns what in s is written like a card number: 13 to 19
// digits, together or in groups split by single spaces or hyphens, not
// touching other ASCII letters or digits (Japanese text may touch it), and
// passing the Luhn check. A value that is wholly a hex digest (a hash, 32
// hex digits or more) is not text anyone typed and is skipped.
func cardNumbers(s string) []string {
	if isDigest(s) {
		return nil
	}
	var out []string
	alnum := func(i int) bool {
		if i < 0 || i >= len(s) {
			return false
		}
		c := s[i]
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	digit := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }
	sep := func(i int) bool { return i >= 0 && i < len(s) && (s[i] == ' ' || s[i] == '-') }
	for i := 0; i < len(s); i++ {
		// The start of a run: a digit that does not continue one.
		if !digit(i) || digit(i-1) || (sep(i-1) && digit(i-2)) {
			continue
		}
		j := i
		var digits []byte
		for {
			for digit(j) {
				digits = append(digits, s[j])
				j++
			}
			if sep(j) && digit(j+1) {
				j++
				continue
			}
			break
		}
		if !alnum(i-1) && !alnum(j) && len(digits) >= 13 && len(digits) <= 19 && luhn(digits) {
			out = append(out, s[i:j])
		}
		i = j
	}
	return out
}

func isDigest(s string) bool {
	if len(s) < 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func luhn(digits []byte) bool {
	sum := 0
	for i := range digits {
		n := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

func TestCardNumbers(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"4242 4242 4242 4242", []string{"4242 4242 4242 4242"}},
		{"カード番号4242424242424242です", []string{"4242424242424242"}},
		{"card: 3782-822463-10005.", []string{"3782-822463-10005"}},
		{"4242424242424241", nil}, // Luhn fails
		{"x 0002-1-1753601288-refund", []string{"0002-1-1753601288"}},
		{"pay_ab4242424242424242", nil},                     // inside an identifier
		{"K20260512-0001", nil},                             // an order number
		{"kaede-K20260512-0001-1-1778563800-refund-1", nil}, // a refund's reference
		{"090-1234-5678 / 123-4567", nil},
		{"4242  4242 4242 4242", nil}, // two spaces: not one number
		{strings.Repeat("4242", 6), nil},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", nil},
	} {
		if got := cardNumbers(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("cardNumbers(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The same seed on the same day makes the same shop; another seed
// another.
func TestSeedBreachDeterministic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := seedBreach(t, d, 300, 42)
		other := dbtest.SQLite(t)
		b := seedBreach(t, other, 300, 42)
		a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("summaries differ:\n%+v\n%+v", a, b)
		}
		da, db2 := dump(t, d), dump(t, other)
		if len(da) != len(db2) {
			t.Fatalf("dumps of %d and %d lines", len(da), len(db2))
		}
		for i := range da {
			if da[i] != db2[i] {
				t.Fatalf("line %d differs:\n%s\n%s", i, da[i], db2[i])
			}
		}
		third := dbtest.SQLite(t)
		seedBreach(t, third, 300, 43)
		if reflect.DeepEqual(dump(t, third), da) {
			t.Fatal("seed 43 made the same shop as seed 42")
		}
	})
}

// dump is the scenario's data as text, without ids (which differ between
// databases) and access tokens (random on purpose).
func dump(t *testing.T, d *db.DB) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT o.number || '|' || o.email || '|' || o.status || '|' || o.payment_method || '|' || o.total || '|' || o.ship_name || '|' ||
			o.ship_postal_code || '|' || o.ship_city || '|' || o.ship_line1 || '|' || o.ship_line2 || '|' || COALESCE(m.email, '-') FROM orders o
			LEFT JOIN members m ON m.id = o.member_id ORDER BY number`,
		`SELECT o.number || '|' || l.sku || '|' || l.quantity || '|' || l.line_total FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY o.number, l.sku`,
		`SELECT o.number || '|' || p.attempt || '|' || p.state || '|' || p.provider_ref || '|' || p.brand || '|' || p.last4 || '|' || p.reason || '|' || p.refunded
			FROM payments p JOIN orders o ON o.id = p.order_id ORDER BY o.number, p.attempt`,
		`SELECT o.number || '|' || e.from_status || '|' || e.to_status || '|' || e.note FROM order_events e JOIN orders o ON o.id = e.order_id ORDER BY o.number, e.id`,
		`SELECT email || '|' || name || '|' || name_kana || '|' || phone || '|' || practitioner FROM members ORDER BY email`,
		`SELECT sku || '|' || stock FROM variants ORDER BY sku`,
	} {
		out = append(out, column(t, d, q)...)
	}
	for _, q := range []string{`SELECT o.created_at FROM orders o ORDER BY number`, `SELECT e.created_at FROM order_events e JOIN orders o ON o.id = e.order_id ORDER BY o.number, e.id`} {
		rows, err := d.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var at time.Time
			if err := rows.Scan(&at); err != nil {
				t.Fatal(err)
			}
			out = append(out, at.UTC().Format(time.RFC3339Nano))
		}
		rows.Close()
	}
	return out
}

// A second run finds the first one's history and adds nothing; a shop
// with customers of its own is refused.
func TestSeedBreachIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		first := seedBreach(t, d, 200, 1)
		again, err := demo.SeedBreach(context.Background(), d, services(d, breachNow.Add(72*time.Hour)), t.TempDir(), demo.BreachOptions{
			Seed: 9, Orders: 300, Now: breachNow.Add(72 * time.Hour), PasswordParams: &fastHash})
		if err != nil {
			t.Fatal(err)
		}
		if !again.Existing || again.Orders != 200 || !again.WindowFrom.Equal(first.WindowFrom) || again.CardCustomers != first.CardCustomers {
			t.Fatalf("second run: %+v, want the first's %+v", again, first)
		}
		checkOrderCount(t, d, 200)

		other := dbtest.SQLite(t)
		// A customer of the shop's own, whatever wrote them.
		_, err = other.ExecContext(context.Background(), `INSERT INTO members (email, password_hash, name, created_at) VALUES ('real@example.jp', 'x', '本物 太郎', $1)`, breachNow)
		if err != nil {
			t.Fatal(err)
		}
		_, err = demo.SeedBreach(context.Background(), other, services(other, breachNow), t.TempDir(),
			demo.BreachOptions{Orders: 100, Now: breachNow, PasswordParams: &fastHash})
		if !errors.Is(err, demo.ErrHasCustomers) {
			t.Fatalf("a shop with a member: err=%v, want ErrHasCustomers", err)
		}
	})
}

// BenchmarkSeedBreach makes the full scenario, 10,000 orders from 3,000
// customers with the demo catalogue, on a new database each time, as
// `kaede demo --scenario breach` does (the accounts' password hashed at
// production cost).
func BenchmarkSeedBreach(b *testing.B) {
	bench := func(b *testing.B, open func(testing.TB) *db.DB) {
		for b.Loop() {
			b.StopTimer()
			d := open(b)
			b.StartTimer()
			s, err := demo.SeedBreach(context.Background(), d, services(d, breachNow), b.TempDir(), demo.BreachOptions{Seed: 1, Now: breachNow})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(s.CardCustomers), "card-customers")
		}
	}
	b.Run("sqlite", func(b *testing.B) { bench(b, func(tb testing.TB) *db.DB { return dbtest.SQLite(tb) }) })
	if os.Getenv(dbtest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { bench(b, func(tb testing.TB) *db.DB { return dbtest.Postgres(tb) }) })
	}
}
