package admin_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/admin"
	"kaede/internal/calendar"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/staff"
)

// TestOrderShipmentFile ticks orders in the list and downloads B2 Cloud's
// file: owners only, after re-entering a code, audited.
func TestOrderShipmentFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		o := e.place(order.COD, map[string]int{"A": 1, "TEA": 1})
		manager := e.staffBrowser("manager@example.jp", staff.Manager)
		form := url.Values{"order": {o.Number}, "carrier": {"sagawa"}}
		e.wantDenied(manager, http.MethodPost, "/admin/orders/carrier-csv", form)

		b := e.staffBrowser("owner@example.jp", staff.Owner)
		list := b.get("/admin/orders")
		if !hasForm(list.Doc, "/admin/orders/bulk-status") || find(list.Doc, byID("selected")) == nil {
			t.Fatalf("no selection form on the order list:\n%s", list.Body)
		}
		e.clock.Advance(staff.FreshFor + time.Minute)
		wantRedirect(t, b.post("/admin/orders/carrier-csv", form), "/admin/reauth?next="+url.QueryEscape("/admin/orders"))
		wantRedirect(t, b.post("/admin/reauth", url.Values{"code": {b.code()}, "next": {"/admin/orders"}}), "/admin/orders")

		res := b.post("/admin/orders/carrier-csv", form)
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=Shift_JIS" {
			t.Errorf("Content-Type %q", ct)
		}
		text, err := japanese.ShiftJIS.NewDecoder().Bytes([]byte(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
		if err != nil || len(records) != 2 || len(records[1]) != 74 || records[1][9] != o.Number {
			t.Fatalf("e飛伝 file %q, %v", records, err)
		}
		// Without the contract codes B2 Cloud's file is refused, naming them.
		res = b.post("/admin/orders/carrier-csv", url.Values{"order": {o.Number}, "carrier": {"yamato"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "請求先顧客コード") {
			t.Errorf("refusal does not name the billing code:\n%s", res.Body)
		}
		if es := e.entries("export.shipments", "owner@example.jp"); len(es) != 1 {
			t.Fatalf("%d export.shipments entries, want 1", len(es))
		}
		e.verifyAudit()
	})
}

// TestOrderBulkStatus marks two ticked orders paid: the transfer moves,
// the COD order is reported and stays.
func TestOrderBulkStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		transfer := e.place(order.BankTransfer, map[string]int{"A": 1})
		cod := e.place(order.COD, map[string]int{"A": 1})
		support := e.staffBrowser("support@example.jp", staff.Support)
		e.wantDenied(support, http.MethodPost, "/admin/orders/bulk-status", url.Values{"order": {transfer.Number}, "new_status": {"paid"}})

		b := e.staffBrowser("manager@example.jp", staff.Manager)
		res := b.post("/admin/orders/bulk-status", url.Values{"order": {transfer.Number, cod.Number}, "new_status": {"paid"}})
		wantStatus(t, res, http.StatusOK)
		table := find(res.Doc, byID("bulk-result"))
		if table == nil {
			t.Fatalf("no result table:\n%s", res.Body)
		}
		got := textOf(table)
		if !strings.Contains(got, transfer.Number) || !strings.Contains(got, "変更しました") ||
			!strings.Contains(got, "この変更はできません") {
			t.Errorf("result %q", got)
		}
		if o, _ := e.orders.Get(e.ctx, transfer.Number); o.Status != order.Paid {
			t.Errorf("transfer %s", o.Status)
		}
		if o, _ := e.orders.Get(e.ctx, cod.Number); o.Status != order.Placed {
			t.Errorf("COD %s", o.Status)
		}
		wantStatus(t, b.post("/admin/orders/bulk-status", url.Values{"order": {cod.Number}, "new_status": {"cancelled"}}),
			http.StatusUnprocessableEntity)
		if es := e.entries("order.paid", "manager@example.jp"); len(es) != 1 {
			t.Fatalf("%d order.paid entries", len(es))
		}
	})
}

// TestOrderTrackingImport uploads a tracking file with a bad row (nothing
// recorded), then the corrected file (orders shipped, e-mails queued).
func TestOrderTrackingImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		a := e.place(order.COD, map[string]int{"A": 1})
		c := e.place(order.COD, map[string]int{"TEA": 1})
		support := e.staffBrowser("support@example.jp", staff.Support)
		e.wantDenied(support, http.MethodGet, "/admin/orders/tracking", nil)

		b := e.staffBrowser("manager@example.jp", staff.Manager)
		page := b.get("/admin/orders/tracking")
		wantStatus(t, page, http.StatusOK)
		if !hasForm(page.Doc, "/admin/orders/tracking") {
			t.Fatal("no upload form")
		}
		bad := "注文番号,追跡番号\r\n" + a.Number + ",123456789012\r\n" + c.Number + ",12\r\n"
		res := b.upload("/admin/orders/tracking", url.Values{"carrier": {"yamato"}}, "file", "tracking.csv", []byte(bad))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		problems := rows(res.Doc, "tracking-problems")
		if len(problems) != 1 || !strings.HasPrefix(problems[0], "3") || !strings.Contains(problems[0], "伝票番号") {
			t.Fatalf("problems %q", problems)
		}
		if o, _ := e.orders.Get(e.ctx, a.Number); o.Status != order.Placed {
			t.Fatalf("a good row of a refused file was applied: %s", o.Status)
		}
		good := "注文番号,追跡番号\r\n" + a.Number + ",123456789012\r\n" + c.Number + ",123456789013\r\n"
		res = b.upload("/admin/orders/tracking", url.Values{"carrier": {"yamato"}}, "file", "tracking.csv", []byte(good))
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, byID("tracking-result")) == nil {
			t.Fatalf("no result:\n%s", res.Body)
		}
		for _, o := range []*order.Order{a, c} {
			if got, _ := e.orders.Get(e.ctx, o.Number); got.Status != order.Shipped {
				t.Errorf("%s: %s", o.Number, got.Status)
			}
			var n int
			if err := d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM mail_messages WHERE order_id = $1 AND kind = 'order_shipped'`,
				o.ID).Scan(&n); err != nil || n != 1 {
				t.Errorf("%s: %d shipping mails, %v", o.Number, n, err)
			}
		}
		if es := e.entries("import.tracking", "manager@example.jp"); len(es) != 1 {
			t.Fatalf("%d import.tracking entries", len(es))
		}
		e.verifyAudit()
	})
}

// TestClosingDaysPage adds and removes a closing day: managers read,
// owners change, both audited.
func TestClosingDaysPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnvWithCards(t, d, nil, func(dp *admin.Deps) {
			dp.Closings = calendar.NewClosings(d, func() time.Time { return time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC) })
		})
		manager := e.staffBrowser("manager@example.jp", staff.Manager)
		wantStatus(t, manager.get("/admin/settings/calendar"), http.StatusOK)
		e.wantDenied(manager, http.MethodPost, "/admin/settings/calendar", url.Values{"day": {"2026-05-01"}})

		b := e.staffBrowser("owner@example.jp", staff.Owner)
		wantRedirect(t, b.post("/admin/settings/calendar", url.Values{"day": {"2026-05-01"}, "note": {"臨時休業"}}),
			"/admin/settings/calendar")
		wantStatus(t, b.post("/admin/settings/calendar", url.Values{"day": {"2026-03-01"}}), http.StatusUnprocessableEntity)
		page := b.get("/admin/settings/calendar")
		if days := rows(page.Doc, "closing-days"); len(days) != 1 || !strings.Contains(days[0], "2026-05-01") {
			t.Fatalf("closing days %q", days)
		}
		wantRedirect(t, b.post("/admin/settings/calendar/2026-05-01/open", nil), "/admin/settings/calendar")
		if len(e.entries("calendar.close", "owner@example.jp")) != 1 || len(e.entries("calendar.open", "owner@example.jp")) != 1 {
			t.Fatal("closing day changes not audited")
		}
		e.verifyAudit()
	})
}
