package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/japanese"

	"kaede/internal/admin"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/inquiry"
	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/report"
	"kaede/internal/secevent"
	"kaede/internal/staff"
)

// salesEnv is the admin with everything the dashboard shows: orders,
// catalogue, reports, the inquiry desk and security events.
type salesEnv struct {
	*orderEnv
	desk *inquiry.Service
}

func newSalesEnv(t *testing.T, d *db.DB) *salesEnv {
	t.Helper()
	e := &salesEnv{}
	e.orderEnv = newOrderEnvWithCards(t, d, nil, func(deps *admin.Deps) {
		deps.Catalog = catalog.New(d, deps.Clock)
		deps.Reports = report.New(d, deps.Orders, deps.Catalog, deps.Clock)
		deps.Events = secevent.NewStore(d, deps.Clock)
		e.desk = inquiry.New(d, mail.NewTestQueue(deps.Clock), deps.Members, deps.Clock, inquiry.DefaultLimits())
		deps.Inquiries = e.desk
	})
	return e
}

// idText is the text of the element with the id, or "" without one.
func idText(doc *html.Node, id string) string {
	if n := find(doc, byID(id)); n != nil {
		return textOf(n)
	}
	return ""
}

// noStyleAttributes checks that no element carries a style attribute,
// which the admin's CSP (style-src 'self') would block.
func noStyleAttributes(t *testing.T, doc *html.Node) {
	t.Helper()
	if n := find(doc, func(n *html.Node) bool { return hasAttr(n, "style") }); n != nil {
		t.Fatalf("<%s> has a style attribute", n.Data)
	}
}

// TestDashboardSections: orders by state link to the filtered list, the
// recent orders, low stock, open inquiries, the security state and the
// 30-day chart show to the owner; a shipping clerk sees the orders but
// not the catalogue, inquiries, security or reports.
func TestDashboardSections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newSalesEnv(t, d)
		owner := e.staffBrowser("owner@example.jp", staff.Owner)
		transfer := e.place(order.BankTransfer, map[string]int{"A": 1})
		paid := e.place(order.BankTransfer, map[string]int{"A": 2, "TEA": 1})
		cod := e.place(order.COD, map[string]int{"TEA": 1})
		wantRedirect(t, owner.post("/admin/orders/"+paid.Number+"/paid", nil), "/admin/orders/"+paid.Number)
		if _, err := d.ExecContext(e.ctx, `UPDATE variants SET stock = 2 WHERE sku = 'TEA'`); err != nil {
			t.Fatal(err)
		}
		if _, err := e.desk.Submit(e.ctx, inquiry.Submission{Name: "山田 太郎", Email: "taro@example.com", Topic: "order",
			Subject: "配送について", Message: "いつ届きますか。", ClientAddr: "203.0.113.9"}); err != nil {
			t.Fatal(err)
		}

		res := owner.get("/admin/")
		wantStatus(t, res, http.StatusOK)
		doc := res.Doc
		noStyleAttributes(t, doc)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self';") {
			t.Fatalf("CSP %q", csp)
		}
		total := int64(transfer.Total + paid.Total + cod.Total)
		for id, want := range map[string]string{
			"orders-today": "3", "sales-today": "¥" + commas(total), "orders-month": "3",
			"sales-month": "¥" + commas(total), "open-inquiries": "1",
		} {
			if got := idText(doc, id); got != want {
				t.Errorf("#%s=%q, want %q", id, got, want)
			}
		}
		for id, want := range map[string]string{
			"state-transfer":  "/admin/orders?method=bank_transfer&status=placed 1",
			"state-ship-paid": "/admin/orders?status=paid 1",
			"state-ship-cod":  "/admin/orders?method=cod&status=placed 1",
			"state-shipped":   "/admin/orders?status=shipped 0",
		} {
			n := find(doc, byID(id))
			if n == nil {
				t.Errorf("no #%s", id)
				continue
			}
			a := find(n, func(n *html.Node) bool { return n.Data == "a" })
			if got := attr(a, "href") + " " + textOf(find(n, hasClass("count"))); got != want {
				t.Errorf("#%s: %q, want %q", id, got, want)
			}
		}
		// The link lists what the dashboard counted.
		if got := textOf(find(owner.get("/admin/orders?method=bank_transfer&status=placed").Doc, hasClass("orders"))); !strings.Contains(got, transfer.Number) ||
			strings.Contains(got, paid.Number) || strings.Contains(got, cod.Number) {
			t.Errorf("the transfer link lists %q", got)
		}
		if got := rows(doc, "recent-orders"); len(got) != 3 || !strings.Contains(got[0], cod.Number) {
			t.Errorf("recent orders %v, want the three, newest first", got)
		}
		if got := idText(doc, "low-stock"); !strings.Contains(got, "商品TEA") || !strings.Contains(got, "2") ||
			strings.Contains(got, "商品A") {
			t.Errorf("low stock %q, want TEA alone", got)
		}
		sec := find(doc, byID("security-state"))
		if sec == nil || find(sec, hasClass("control")) == nil {
			t.Fatal("no security state")
		}
		chart := find(doc, byID("sales-chart"))
		if chart == nil {
			t.Fatal("no sales chart")
		}
		var bars []string
		walk(chart, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "rect" {
				bars = append(bars, textOf(n))
			}
		})
		if len(bars) != 30 || bars[29] != "2026-04-01 ¥"+commas(total) || !strings.HasPrefix(bars[0], "2026-03-03 ¥0") {
			t.Errorf("chart bars %d, first %q, last %q", len(bars), bars[0], bars[len(bars)-1])
		}

		clerk := e.staffBrowser("ship@example.jp", staff.Shipping)
		doc = clerk.get("/admin/").Doc
		for _, id := range []string{"security-state", "low-stock", "open-inquiries", "reports-link"} {
			if find(doc, byID(id)) != nil {
				t.Errorf("the shipping clerk sees #%s", id)
			}
		}
		if find(doc, byID("state-transfer")) == nil || find(doc, byID("recent-orders")) == nil {
			t.Error("the shipping clerk does not see the orders")
		}
	})
}

// TestSalesReportPages: every grouping renders with its chart and a total
// that matches the orders; the CSV files download in both encodings and
// are audited; a bad period is a 422 naming it; shipping staff are
// refused.
func TestSalesReportPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newSalesEnv(t, d)
		owner := e.staffBrowser("owner@example.jp", staff.Owner)
		a := e.place(order.BankTransfer, map[string]int{"A": 2, "TEA": 1})
		b := e.place(order.COD, map[string]int{"TEA": 3})
		wantRedirect(t, owner.post("/admin/orders/"+a.Number+"/paid", nil), "/admin/orders/"+a.Number)
		wantRedirect(t, owner.post("/admin/orders/"+a.Number+"/refund", url.Values{"amount": {"300"}}),
			"/admin/orders/"+a.Number+"?done=refunded")
		net := "¥" + commas(int64(a.Total+b.Total)-300)
		for _, by := range report.Groupings {
			res := owner.get("/admin/reports?from=2026-04-01&to=2026-04-01&by=" + string(by))
			wantStatus(t, res, http.StatusOK)
			noStyleAttributes(t, res.Doc)
			total := find(res.Doc, byID("report-total"))
			if total == nil || textOf(find(total, hasClass("net"))) != net {
				t.Errorf("%s: no total of %s", by, net)
			}
			if find(res.Doc, byID("report-chart")) == nil {
				t.Errorf("%s: no chart", by)
			}
		}
		// In English, the names are English, in the table and the chart.
		for by, want := range map[string]string{"product": "Product TEA", "method": "Cash on delivery", "customer": "Guest"} {
			doc := owner.get("/admin/reports?lang=en&from=2026-04-01&to=2026-04-01&by=" + by).Doc
			if table, chart := textOf(find(doc, byID("report-table"))), textOf(find(doc, byID("report-chart"))); !strings.Contains(table, want) ||
				!strings.Contains(chart, want) {
				t.Errorf("%s in English: table %q, chart %q, want %q", by, table, chart, want)
			}
		}
		// Without a period: this month so far, by day.
		if got := rows(owner.get("/admin/reports").Doc, "report-table"); len(got) != 1 || !strings.HasPrefix(got[0], "2026-04-01") {
			t.Errorf("default report rows %v", got)
		}

		page := owner.get("/admin/reports?from=2026-04-01&to=2026-04-01&by=product").Doc
		link := attr(find(page, byID("csv-sjis")), "href")
		if link != "/admin/reports/sales.csv?by=product&encoding=sjis&from=2026-04-01&to=2026-04-01" {
			t.Fatalf("Shift_JIS link %q", link)
		}
		res := owner.get(link)
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=Shift_JIS" {
			t.Fatalf("Content-Type %q", ct)
		}
		text, err := japanese.ShiftJIS.NewDecoder().String(res.Body)
		if err != nil || !strings.Contains(text, "商品TEA") || !strings.Contains(text, "合計") {
			t.Fatalf("Shift_JIS file %q, %v", text, err)
		}
		res = owner.get("/admin/reports/sales.csv?from=2026-04-01&to=2026-04-01&by=day&encoding=utf8")
		wantStatus(t, res, http.StatusOK)
		if !strings.HasPrefix(res.Body, "\uFEFF区分") {
			t.Fatalf("UTF-8 file %q", res.Body)
		}
		if got := e.entries("export.sales", "owner@example.jp"); len(got) != 2 {
			t.Fatalf("%d export.sales entries, want 2", len(got))
		}

		res = owner.get("/admin/reports?from=2026-04-02&to=2026-04-01&by=day")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if find(res.Doc, byID("report-errors")) == nil || find(res.Doc, byID("report-table")) != nil {
			t.Error("a backwards period shows a report")
		}
		wantStatus(t, owner.get("/admin/reports/sales.csv?from=2026-04-01&to=2026-04-01&by=day&encoding=latin1"),
			http.StatusUnprocessableEntity)
		wantStatus(t, owner.get("/admin/reports?from=2026-04-01&to=2026-04-01&by=week"), http.StatusUnprocessableEntity)
		if got := e.entries("export.sales", ""); len(got) != 2 {
			t.Fatalf("refused exports were audited: %d entries", len(got))
		}

		clerk := e.staffBrowser("ship@example.jp", staff.Shipping)
		e.wantDenied(clerk, http.MethodGet, "/admin/reports", nil)
		e.wantDenied(clerk, http.MethodGet, "/admin/reports/sales.csv?encoding=utf8", nil)
		e.verifyAudit()
	})
}

// TestOrderMemo: staff who change orders write the shop memo on the
// order page, audited; too long a memo is refused without a write;
// support reads it but cannot change it; the order's documents do not
// show it.
func TestOrderMemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		owner := e.staffBrowser("owner@example.jp", staff.Owner)
		o := e.place(order.BankTransfer, map[string]int{"A": 1})
		path := "/admin/orders/" + o.Number
		memo := "4/2 お電話あり：領収書の宛名は「楓鍼灸院」\n発送前に確認"
		wantRedirect(t, owner.post(path+"/memo", url.Values{"memo": {memo}}), path+"?done=memo")
		doc := owner.get(path + "?done=memo").Doc
		if n := find(doc, byID("memo-body")); n == nil || textOf(n) != memo {
			t.Fatalf("memo shown as %q", idText(doc, "memo-body"))
		}
		got := e.entries("order.memo", "owner@example.jp")
		if len(got) != 1 || got[0].Target != "order:"+o.Number || !strings.Contains(got[0].After, "楓鍼灸院") {
			t.Fatalf("audit %+v", got)
		}

		res := owner.post(path+"/memo", url.Values{"memo": {strings.Repeat("あ", order.MaxMemo+1)}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(fieldErrors(res.Doc), "ショップメモ") {
			t.Errorf("field errors %q", fieldErrors(res.Doc))
		}
		if m, err := e.orders.Memo(e.ctx, o.Number); err != nil || m.Body != memo {
			t.Fatalf("after a refused memo: %q, %v", m.Body, err)
		}
		wantStatus(t, owner.post(path+"/memo", url.Values{"memo": {"bad\x00byte"}}), http.StatusUnprocessableEntity)
		wantStatus(t, owner.post("/admin/orders/K20990101-0001/memo", url.Values{"memo": {"x"}}), http.StatusNotFound)

		support := e.staffBrowser("support@example.jp", staff.Support)
		doc = support.get(path).Doc
		if idText(doc, "memo-text") != memo || hasForm(doc, path+"/memo") {
			t.Errorf("support sees %q, form %v", idText(doc, "memo-text"), hasForm(doc, path+"/memo"))
		}
		e.wantDenied(support, http.MethodPost, path+"/memo", url.Values{"memo": {"x"}})
		for _, doc := range []string{"/invoice", "/slip"} {
			if body := owner.get(path + doc).Body; strings.Contains(body, "楓鍼灸院") {
				t.Errorf("%s shows the shop memo", doc)
			}
		}
		// Clearing the memo is a change too.
		wantRedirect(t, owner.post(path+"/memo", url.Values{"memo": {"  "}}), path+"?done=memo")
		if got := e.entries("order.memo", ""); len(got) != 2 {
			t.Fatalf("%d order.memo entries, want 2", len(got))
		}
		e.verifyAudit()
	})
}
