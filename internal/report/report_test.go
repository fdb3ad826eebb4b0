package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/audit"
	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/report"
	"kaede/internal/shop"
)

var staff = audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.10"}

// fixture is a database with two goods, A (¥1,100 at 10 %) and TEA (¥1,080
// at 8 %), a clock the test moves, and the services over them.
type fixture struct {
	d        *db.DB
	now      time.Time
	carts    *cart.Service
	orders   *order.Service
	checkout *checkout.Service
	reports  *report.Service
	placed   int
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d}
	clock := func() time.Time { return f.now }
	q := mail.NewTestQueue(clock)
	f.carts = cart.New(d, clock)
	f.orders = order.New(d, q, clock)
	f.checkout = checkout.New(d, f.carts, f.orders, q, clock, "https://kaede.example")
	f.reports = report.New(d, f.orders, catalog.New(d, clock), clock)
	carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 100})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 1080, Stock: 100, Reduced: true})
	return f
}

// at places an order at the Japan time given (2026-04-dd hh:mm).
func (f *fixture) at(t *testing.T, jst string, method order.PaymentMethod, member int64, items map[string]int) *order.Order {
	t.Helper()
	when, err := time.ParseInLocation("2006-01-02 15:04", jst, shop.JST)
	if err != nil {
		t.Fatal(err)
	}
	f.now = when.UTC()
	ctx := context.Background()
	v := shop.Viewer{MemberID: member}
	c, err := f.carts.Create(ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	for sku, n := range items {
		if _, err := f.carts.AddItem(ctx, c.ID, sku, n, v); err != nil {
			t.Fatalf("add %s: %v", sku, err)
		}
	}
	f.placed++
	o, _, err := f.checkout.Place(ctx, checkout.Input{CartID: c.ID, Viewer: v, Email: "taro@example.com",
		Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
		PaymentMethod: string(method), IdempotencyKey: fmt.Sprintf("report-%d", f.placed)})
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	return o
}

// history places orders over three days in Japan: sales, a partial and
// a full refund, a cancellation, an order not yet binding, and two orders
// either side of midnight in Japan (the same UTC day).
func (f *fixture) history(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	member := carttest.AddMember(t, f.d, "clinic@example.jp", false)
	o1 := f.at(t, "2026-04-01 10:00", order.BankTransfer, member, map[string]int{"A": 3, "TEA": 1})
	if _, err := f.orders.MarkPaid(ctx, o1.Number, staff); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.MarkRefunded(ctx, o1.Number, 500, staff); err != nil {
		t.Fatal(err)
	}
	f.at(t, "2026-04-01 15:00", order.COD, 0, map[string]int{"TEA": 2})
	o3 := f.at(t, "2026-04-02 09:00", order.BankTransfer, 0, map[string]int{"A": 1})
	if _, err := f.orders.CancelByStaff(ctx, o3.Number, "お客様のご依頼", staff); err != nil {
		t.Fatal(err)
	}
	o4 := f.at(t, "2026-04-02 11:00", order.BankTransfer, member, map[string]int{"A": 2})
	if _, err := f.orders.MarkPaid(ctx, o4.Number, staff); err != nil {
		t.Fatal(err)
	}
	// Shipped, then refunded in full: 返金済み, a sale for nothing.
	if _, err := f.orders.Ship(ctx, o4.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.MarkRefunded(ctx, o4.Number, o4.Total, staff); err != nil {
		t.Fatal(err)
	}
	if got, err := f.orders.Get(ctx, o4.Number); err != nil || got.Status != order.Refunded {
		t.Fatalf("the refunded order: %v", err)
	}
	o5 := f.at(t, "2026-04-02 12:00", order.BankTransfer, 0, map[string]int{"A": 1})
	if _, err := f.d.ExecContext(ctx, `UPDATE orders SET status = 'awaiting_payment' WHERE number = $1`, o5.Number); err != nil {
		t.Fatal(err)
	}
	f.at(t, "2026-04-02 23:30", order.COD, member, map[string]int{"TEA": 1, "A": 1})
	f.at(t, "2026-04-03 00:30", order.BankTransfer, 0, map[string]int{"A": 5, "TEA": 3})
}

// fromTable is the net sales of the period read straight from the tables:
// the totals of the orders that are sales, less their refunds.
func fromTable(t *testing.T, d *db.DB, from, to time.Time) (orders int, net shop.Yen) {
	t.Helper()
	ctx := context.Background()
	var total, refunds int64
	cond := `created_at >= $1 AND created_at < $2 AND status NOT IN ('cancelled', 'awaiting_payment')`
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(total), 0) AS BIGINT) FROM orders WHERE `+cond,
		from.UTC(), to.UTC()).Scan(&orders, &total); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds
		WHERE order_id IN (SELECT id FROM orders WHERE `+cond+`)`, from.UTC(), to.UTC()).Scan(&refunds); err != nil {
		t.Fatal(err)
	}
	return orders, shop.Yen(total - refunds)
}

// TestReconcile builds every grouping over the period and checks each
// against the orders table: the total is the orders' totals less their
// refunds, the rows add up to it, and the net per rate with its tax adds
// up to the net.
func TestReconcile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.history(t)
		ctx := context.Background()
		start := time.Date(2026, 4, 1, 0, 0, 0, 0, shop.JST)
		wantOrders, wantNet := fromTable(t, d, start, start.AddDate(0, 0, 3))
		if wantOrders != 5 || wantNet <= 0 {
			t.Fatalf("the history has %d sales for %d, want 5 and some money", wantOrders, wantNet)
		}
		for _, by := range report.Groupings {
			t.Run(string(by), func(t *testing.T) {
				r, err := f.reports.Build(ctx, report.Query{From: "2026-04-01", To: "2026-04-03", By: by})
				if err != nil {
					t.Fatal(err)
				}
				if r.Total.Net != wantNet || r.Total.Orders != wantOrders {
					t.Fatalf("total: %d orders, net %d; the table has %d, %d", r.Total.Orders, r.Total.Net, wantOrders, wantNet)
				}
				if r.Total.Gross-r.Total.Refunds != r.Total.Net {
					t.Fatalf("gross %d - refunds %d != net %d", r.Total.Gross, r.Total.Refunds, r.Total.Net)
				}
				if got := r.Total.Sales10 + r.Total.Sales8; got != r.Total.Net {
					t.Fatalf("sales at 10 %% + 8 %% = %d, want the net %d", got, r.Total.Net)
				}
				var sum shop.Yen
				for _, rw := range r.Rows {
					sum += rw.Net
					if r.TaxByRow {
						checkTax(t, rw.Key, rw.Figures)
					}
				}
				if sum != wantNet {
					t.Fatalf("rows add up to %d, want %d", sum, wantNet)
				}
				checkTax(t, "total", r.Total)
			})
		}
	})
}

// checkTax checks that a row's tax is the tax included in its net sales at
// each rate, give or take the rounding of each order's tax.
func checkTax(t *testing.T, key string, f report.Figures) {
	t.Helper()
	if got := f.Sales10 + f.Sales8; got != f.Net {
		t.Errorf("%s: sales per rate %d, want the net %d", key, got, f.Net)
	}
	for _, c := range []struct {
		rate       int64
		sales, tax shop.Yen
	}{{10, f.Sales10, f.Tax10}, {8, f.Sales8, f.Tax8}} {
		exact := int64(c.sales) * c.rate / (100 + c.rate)
		if d := int64(c.tax) - exact; d < -int64(f.Orders) || d > int64(f.Orders) {
			t.Errorf("%s: tax at %d%% on %d is %d, want about %d", key, c.rate, c.sales, c.tax, exact)
		}
	}
}

// TestDays checks the day rows: days in Japan, the empty ones listed.
func TestDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.history(t)
		ctx := context.Background()
		r, err := f.reports.Build(ctx, report.Query{From: "2026-03-31", To: "2026-04-04", By: report.ByDay})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		orders := map[string]int{}
		for _, rw := range r.Rows {
			keys = append(keys, rw.Key)
			orders[rw.Key] = rw.Orders
		}
		if got := strings.Join(keys, " "); got != "2026-03-31 2026-04-01 2026-04-02 2026-04-03 2026-04-04" {
			t.Fatalf("days %s", got)
		}
		// 04-02: the fully refunded order (for nothing) and the one at
		// 23:30; 04-03: the one at 00:30, the same UTC day.
		want := map[string]int{"2026-03-31": 0, "2026-04-01": 2, "2026-04-02": 2, "2026-04-03": 1, "2026-04-04": 0}
		for k, n := range want {
			if orders[k] != n {
				t.Errorf("%s: %d orders, want %d", k, orders[k], n)
			}
		}
		for i, day := range []string{"2026-04-01", "2026-04-02", "2026-04-03"} {
			start := time.Date(2026, 4, 1+i, 0, 0, 0, 0, shop.JST)
			_, net := fromTable(t, d, start, start.AddDate(0, 0, 1))
			if got := r.Rows[i+1].Net; got != net {
				t.Errorf("%s: net %d, the table has %d", day, got, net)
			}
		}
	})
}

// TestDaily checks the dashboard's chart, summed in the database, against
// the day report, summed in Go from every order: the same days, orders,
// gross, refunds and net (a refund on a day's order counts on that day,
// a cancelled or unpaid card order on none; days are in Japan).
func TestDaily(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.history(t)
		ctx := context.Background()
		want, err := f.reports.Build(ctx, report.Query{From: "2026-03-31", To: "2026-04-04", By: report.ByDay})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.reports.Daily(ctx, time.Date(2026, 3, 31, 0, 0, 0, 0, shop.JST), time.Date(2026, 4, 5, 0, 0, 0, 0, shop.JST))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want.Rows) {
			t.Fatalf("%d days, want %d", len(got), len(want.Rows))
		}
		var net shop.Yen
		for i, w := range want.Rows {
			g := got[i]
			if g.Key != w.Key || g.Orders != w.Orders || g.Gross != w.Gross || g.Refunds != w.Refunds || g.Net != w.Net {
				t.Errorf("day %d: %s %d orders, gross %d, refunds %d, net %d; want %s %d, %d, %d, %d", i,
					g.Key, g.Orders, g.Gross, g.Refunds, g.Net, w.Key, w.Orders, w.Gross, w.Refunds, w.Net)
			}
			net += g.Net
		}
		if net != want.Total.Net || want.Total.Refunds == 0 || want.Total.Orders != 5 {
			t.Errorf("net %d over the days, the report's total %d (refunds %d, orders %d)", net, want.Total.Net,
				want.Total.Refunds, want.Total.Orders)
		}
	})
}

// TestGoods checks the product report: quantities per product, and the
// rows that complete the goods to the orders (fees, refunds).
func TestGoods(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.history(t)
		r, err := f.reports.Build(context.Background(), report.Query{From: "2026-04-01", To: "2026-04-03", By: report.ByProduct})
		if err != nil {
			t.Fatal(err)
		}
		qty := map[string]int{}
		kinds := map[string]shop.Yen{}
		for _, rw := range r.Rows {
			if rw.Kind == "" {
				qty[rw.Label] = rw.Quantity
			} else {
				kinds[rw.Kind] = rw.Net
			}
		}
		// A: 3 + 2 (refunded in full, still sold) + 1 + 5; TEA: 1 + 2 + 1 + 3.
		if qty["商品A"] != 11 || qty["商品TEA"] != 7 || r.Total.Quantity != 18 {
			t.Fatalf("quantities %v, total %d, want A 11, TEA 7 and 18", qty, r.Total.Quantity)
		}
		if kinds["refunds"] >= 0 || kinds["shipping"] < 0 {
			t.Fatalf("completing rows %v: want refunds below zero", kinds)
		}
		if r.Rows[0].Label != "商品A" {
			t.Fatalf("first row %q, want the best seller", r.Rows[0].Label)
		}
	})
}

// TestQuery checks the validation of a report's period and grouping.
func TestQuery(t *testing.T) {
	for _, c := range []struct {
		q     report.Query
		field string
	}{
		{report.Query{From: "2026-04-01", To: "2026-04-30", By: report.ByDay}, ""},
		{report.Query{From: "2026-4-1", To: "2026-04-30", By: report.ByDay}, "from"},
		{report.Query{From: "2026-04-01", To: "", By: report.ByDay}, "to"},
		{report.Query{From: "2026-04-02", To: "2026-04-01", By: report.ByDay}, "to"},
		{report.Query{From: "2020-01-01", To: "2026-04-01", By: report.ByMonth}, "from"},
		{report.Query{From: "2026-04-01", To: "2026-04-01", By: "week"}, "by"},
	} {
		_, err := c.q.Parse()
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%+v: %v", c.q, err)
		case c.field != "" && shop.ErrorFields(err)[c.field] == "":
			t.Errorf("%+v: error %v, want one on %s", c.q, err, c.field)
		}
	}
}

// TestCSV writes a report in both encodings and reads it back; the export
// is audited.
func TestCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.history(t)
		ctx := context.Background()
		q := report.Query{From: "2026-04-01", To: "2026-04-03", By: report.ByCategory}
		for _, enc := range []order.Encoding{order.UTF8BOM, order.ShiftJIS} {
			var buf bytes.Buffer
			r, err := f.reports.WriteCSV(ctx, &buf, q, enc, staff)
			if err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			if enc == order.ShiftJIS {
				if text, err = decodeShiftJIS(buf.Bytes()); err != nil {
					t.Fatal(err)
				}
			} else if !strings.HasPrefix(text, "\uFEFF") {
				t.Fatal("UTF-8 file without a byte-order mark")
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(r.Rows)+2 || rows[0][0] != "区分" {
				t.Fatalf("%s: %d rows, header %v", enc, len(rows), rows[0])
			}
			last := rows[len(rows)-1]
			if last[1] != "合計" || last[6] != strconv.FormatInt(int64(r.Total.Net), 10) {
				t.Fatalf("%s: last row %v, want the total %d", enc, last, r.Total.Net)
			}
		}
		es, err := audit.List(ctx, d, audit.Filter{Action: "export.sales"})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 || es[0].Actor != staff.Name {
			t.Fatalf("audit entries %+v, want two by %s", es, staff.Name)
		}
		if _, err := f.reports.WriteCSV(ctx, &bytes.Buffer{}, q, "latin1", staff); shop.ErrorFields(err)["encoding"] == "" {
			t.Fatalf("unknown encoding: %v", err)
		}
	})
}

func decodeShiftJIS(b []byte) (string, error) {
	out, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	return string(out), err
}

// FuzzQueryParse: any query is either refused naming a field or a period
// of whole days in Japan, at least one and at most MaxDays long.
func FuzzQueryParse(f *testing.F) {
	f.Add("2026-04-01", "2026-04-30", "day")
	f.Add("2026-02-29", "2026-03-01", "month")
	f.Add("２０２６-04-01", "2026-04-01", "product")
	f.Add("2023-01-01", "2026-01-04", "category")
	f.Fuzz(func(t *testing.T, from, to, by string) {
		p, err := report.Query{From: from, To: to, By: report.By(by)}.Parse()
		if err != nil {
			if len(shop.ErrorFields(err)) == 0 {
				t.Fatalf("refusal names no field: %v", err)
			}
			return
		}
		if days := p.Days(); days < 1 || days > report.MaxDays || !p.Start.Before(p.End) {
			t.Fatalf("%q..%q: %d days, %v..%v", from, to, days, p.Start, p.End)
		}
		if h, m := p.Start.In(shop.JST).Hour(), p.Start.In(shop.JST).Minute(); h != 0 || m != 0 {
			t.Fatalf("period starts at %v", p.Start)
		}
	})
}
