package admin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/japanese"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// TestOrderShippingStaffWorkflow takes a bank-transfer order from placed to
// delivered as shipping staff, through every refusal on the way, and
// checks that shipping staff cannot reach money or personal data.
func TestOrderShippingStaffWorkflow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("ship@example.jp", staff.Shipping)
		o := e.place(order.BankTransfer, map[string]int{"A": 3})
		path := "/admin/orders/" + o.Number

		res := b.get("/admin/orders")
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == path }) == nil {
			t.Fatalf("order list has no link to %s:\n%s", path, res.Body)
		}
		res = b.get(path)
		wantStatus(t, res, http.StatusOK)
		for _, action := range []string{path + "/paid", path + "/cancel"} {
			if !hasForm(res.Doc, action) {
				t.Errorf("detail page has no form to %s", action)
			}
		}
		// Not before the money is in; never for shipping staff.
		for _, action := range []string{path + "/ship", path + "/refund"} {
			if hasForm(res.Doc, action) {
				t.Errorf("detail page shows a form to %s", action)
			}
		}

		// A bank transfer ships only once the money is in.
		res = b.post(path+"/ship", url.Values{"carrier": {"yamato"}, "tracking_number": {"123456789012"}})
		wantStatus(t, res, http.StatusConflict)
		if got := alertText(res.Doc); !strings.Contains(got, "発送できません") || !strings.Contains(got, "受付済み") {
			t.Errorf("ship unpaid: alert %q, want the ship conflict naming the status", got)
		}
		if st := e.order(o.Number).Order.Status; st != order.Placed {
			t.Fatalf("status after refused ship = %s, want placed", st)
		}

		wantRedirect(t, b.post(path+"/paid", nil), path+"?done=paid")
		if st := e.order(o.Number).Order.Status; st != order.Paid {
			t.Fatalf("status = %s, want paid", st)
		}

		// A bad tracking number is named.
		res = b.post(path+"/ship", url.Values{"carrier": {"yamato"}, "tracking_number": {"12-34"}, "shipped_at": {"2026-04-01"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldErrors(res.Doc); !strings.Contains(got, "お問い合わせ伝票番号") {
			t.Errorf("field errors %q do not name the tracking number", got)
		}
		if v, _ := inputValue(res.Doc, "tracking_number"); v != "12-34" {
			t.Errorf("tracking number shown again as %q, want what was typed", v)
		}

		res = b.post(path+"/ship", url.Values{"carrier": {"yamato"}, "tracking_number": {"1234-5678-9012"}, "shipped_at": {"2026-04-01"}})
		wantRedirect(t, res, path+"?done=shipped")
		det := e.order(o.Number)
		if det.Order.Status != order.Shipped || len(det.Shipments) != 1 || det.Shipments[0].TrackingNumber != "123456789012" ||
			det.Shipments[0].CreatedBy != "ship@example.jp" {
			t.Fatalf("after ship: status=%s shipments=%+v", det.Order.Status, det.Shipments)
		}
		if n := e.countMail(o.ID, "order_shipped"); n != 1 {
			t.Errorf("shipping e-mails = %d, want 1", n)
		}
		res = b.get(path)
		link := find(res.Doc, func(n *html.Node) bool {
			return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "https://toi.kuronekoyamato.co.jp/")
		})
		if link == nil || !strings.Contains(attr(link, "href"), "123456789012") {
			t.Errorf("detail page has no Yamato tracking link:\n%s", res.Body)
		}

		wantRedirect(t, b.post(path+"/delivered", nil), path+"?done=delivered")
		if st := e.order(o.Number).Order.Status; st != order.Delivered {
			t.Fatalf("status = %s, want delivered", st)
		}
		if n := len(e.entries("order.ship", "ship@example.jp")); n != 1 {
			t.Errorf("order.ship audit entries = %d, want 1", n)
		}

		// Money and personal data are not shipping's: typed URLs and
		// crafted POSTs are refused and audited.
		e.wantDenied(b, http.MethodPost, path+"/refund", url.Values{"amount": {"100"}})
		e.wantDenied(b, http.MethodGet, "/admin/customers", nil)
		e.wantDenied(b, http.MethodGet, "/admin/customers/1", nil)
		e.wantDenied(b, http.MethodGet, "/admin/licences", nil)
		e.wantDenied(b, http.MethodPost, "/admin/licences/1/approve", nil)
		e.wantDenied(b, http.MethodGet, "/admin/orders/export?encoding=sjis", nil)
		e.verifyAudit()
	})
}

// TestOrderCancelNeedsReason cancels a cash-on-delivery order, which
// needs a reason.
func TestOrderCancelNeedsReason(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("manager@example.jp", staff.Manager)
		o := e.place(order.COD, map[string]int{"A": 1})
		path := "/admin/orders/" + o.Number

		res := b.post(path+"/cancel", url.Values{"reason": {"  "}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldErrors(res.Doc); !strings.Contains(got, "キャンセルの理由") {
			t.Errorf("field errors %q do not name the reason", got)
		}
		wantRedirect(t, b.post(path+"/cancel", url.Values{"reason": {"お客様のご希望"}}), path+"?done=cancelled")
		det := e.order(o.Number)
		if det.Order.Status != order.Cancelled || det.Order.Events[len(det.Order.Events)-1].Note != "お客様のご希望" {
			t.Fatalf("after cancel: %s, events %+v", det.Order.Status, det.Order.Events)
		}
		// Cancelled is final.
		res = b.post(path+"/cancel", url.Values{"reason": {"again"}})
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(alertText(res.Doc), "キャンセルできません") {
			t.Errorf("cancel twice: alert %q", alertText(res.Doc))
		}
		wantStatus(t, b.get("/admin/orders/K00000000-0000"), http.StatusNotFound)
		e.verifyAudit()
	})
}

// TestOrderSupportIsReadOnly lets support read orders and customers and
// refuses every order action.
func TestOrderSupportIsReadOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("support@example.jp", staff.Support)
		o := e.place(order.BankTransfer, map[string]int{"A": 1})
		path := "/admin/orders/" + o.Number

		wantStatus(t, b.get("/admin/orders?q=yamada&status=placed"), http.StatusOK)
		res := b.get(path)
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, func(n *html.Node) bool { return n.Data == "form" && strings.HasPrefix(attr(n, "action"), path) }) != nil {
			t.Errorf("support is shown order action forms:\n%s", res.Body)
		}
		wantStatus(t, b.get("/admin/customers"), http.StatusOK)
		for _, action := range []string{"paid", "ship", "delivered", "cancel", "refund"} {
			e.wantDenied(b, http.MethodPost, path+"/"+action, url.Values{"reason": {"x"}, "amount": {"1"}})
		}
		if st := e.order(o.Number).Order.Status; st != order.Placed {
			t.Fatalf("status = %s after refused actions, want placed", st)
		}
		e.verifyAudit()
	})
}

// TestOrderSearchFilters checks the search's filters and its refusal of
// a bad one.
func TestOrderSearchFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("auditor@example.jp", staff.Auditor)
		transfer := e.place(order.BankTransfer, map[string]int{"A": 1})
		cod := e.place(order.COD, map[string]int{"A": 1})

		res := b.get("/admin/orders?method=cod")
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, cod.Number) || strings.Contains(res.Body, transfer.Number) {
			t.Errorf("method=cod lists the wrong orders:\n%s", res.Body)
		}
		res = b.get("/admin/orders?q=" + url.QueryEscape(transfer.Number) + "&from=2026-04-01&to=2026-04-01")
		if !strings.Contains(res.Body, transfer.Number) || strings.Contains(res.Body, cod.Number) {
			t.Errorf("q=number lists the wrong orders:\n%s", res.Body)
		}
		res = b.get("/admin/orders?from=2026-04-31")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(fieldErrors(res.Doc), "注文日（から）") {
			t.Errorf("bad from date not named: %q", fieldErrors(res.Doc))
		}
		res = b.get("/admin/orders?lang=en")
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, "Search orders") {
			t.Error("?lang=en did not give the English page")
		}
	})
}

// TestOrderRefundNeedsFreshSecondFactor refunds a bank transfer in two
// parts after re-entering a code.
func TestOrderRefundNeedsFreshSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("manager@example.jp", staff.Manager)
		o := e.place(order.BankTransfer, map[string]int{"A": 2})
		path := "/admin/orders/" + o.Number
		wantRedirect(t, b.post(path+"/paid", nil), path)
		if !hasForm(b.get(path).Doc, path+"/refund") {
			t.Fatal("manager is not shown the refund form")
		}

		e.clock.Advance(staff.FreshFor + time.Minute)
		wantRedirect(t, b.post(path+"/refund", url.Values{"amount": {"500"}}), "/admin/reauth")
		if det := e.order(o.Number); det.Refunded != 0 {
			t.Fatalf("refunded %d without a fresh second factor", det.Refunded)
		}
		wantRedirect(t, b.post("/admin/reauth", url.Values{"code": {b.code()}, "next": {path}}), path)

		wantRedirect(t, b.post(path+"/refund", url.Values{"amount": {"500"}}), path+"?done=refunded")
		det := e.order(o.Number)
		if det.Refunded != 500 || det.Order.Payment.State != order.PaymentPartiallyRefunded || len(det.Refunds) != 1 {
			t.Fatalf("after refunding 500: refunded=%d state=%s refunds=%+v", det.Refunded, det.Order.Payment.State, det.Refunds)
		}
		res := b.post(path+"/refund", url.Values{"amount": {"999999"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(fieldErrors(res.Doc), "返金額") {
			t.Errorf("too large a refund: field errors %q", fieldErrors(res.Doc))
		}
		left := o.Total - 500
		wantRedirect(t, b.post(path+"/refund", url.Values{"amount": {strconv.FormatInt(int64(left), 10)}}), path)
		if det := e.order(o.Number); det.Order.Payment.State != order.PaymentRefunded || det.Refunded != o.Total {
			t.Fatalf("after refunding the rest: state=%s refunded=%d", det.Order.Payment.State, det.Refunded)
		}
		if n := len(e.entries("order.refund", "manager@example.jp")); n != 2 {
			t.Errorf("order.refund audit entries = %d, want 2", n)
		}
		e.verifyAudit()
	})
}

// TestOrderInvoiceAndSlip prints the qualified invoice and the delivery
// slip of an order with a reduced-rate item.
func TestOrderInvoiceAndSlip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("ship@example.jp", staff.Shipping)
		o := e.place(order.COD, map[string]int{"A": 3, "TEA": 2})
		path := "/admin/orders/" + o.Number

		res := b.get(path + "/invoice")
		wantStatus(t, res, http.StatusOK)
		for id, want := range map[string]string{
			"registration-number": "T1234567890123",
			"issuer":              "株式会社楓商会",
			"recipient":           "山田 太郎 様",
			"transaction-date":    "2026年4月1日",
			"reduced-note":        "※は軽減税率",
			"invoice-total":       o.Total.String(),
		} {
			if n := find(res.Doc, byID(id)); n == nil || !strings.Contains(textOf(n), want) {
				t.Errorf("invoice #%s does not contain %q:\n%s", id, want, res.Body)
			}
		}
		if h1 := find(res.Doc, func(n *html.Node) bool { return n.Data == "h1" }); h1 == nil || !strings.Contains(textOf(h1), "請求書") {
			t.Errorf("unpaid COD invoice title: %v", h1)
		}
		taxes := rows(res.Doc, "tax-per-rate")
		if len(taxes) != len(o.Taxes) || len(taxes) != 2 {
			t.Fatalf("tax rows %q, want one per rate of %+v", taxes, o.Taxes)
		}
		for i, tax := range o.Taxes {
			if !strings.Contains(taxes[i], strconv.Itoa(int(tax.Rate))+"%") || !strings.Contains(taxes[i], tax.Tax.String()) {
				t.Errorf("tax row %q, want rate %d%% and tax %s", taxes[i], tax.Rate, tax.Tax)
			}
		}
		marked := 0
		walk(res.Doc, func(n *html.Node) {
			if n.Type == html.ElementNode && hasClass("reduced-mark")(n) && textOf(n) == order.ReducedMark {
				marked++
			}
		})
		if marked != 1 {
			t.Errorf("lines marked ※ = %d, want 1 (the tea)", marked)
		}
		wantStatus(t, b.get(path+"/invoice?lang=en"), http.StatusOK)

		res = b.get(path + "/slip")
		wantStatus(t, res, http.StatusOK)
		if lines := rows(res.Doc, "slip-lines"); len(lines) != 2 {
			t.Errorf("slip lines %q, want 2", lines)
		}
		if n := find(res.Doc, byID("slip-to")); n == nil || !strings.Contains(textOf(n), "楓ハイツ101") {
			t.Errorf("slip has no delivery address:\n%s", res.Body)
		}

		// A cancelled order has no documents.
		wantRedirect(t, b.post(path+"/cancel", url.Values{"reason": {"受取拒否"}}), path)
		wantStatus(t, b.get(path+"/invoice"), http.StatusConflict)
		wantStatus(t, b.get(path+"/slip"), http.StatusConflict)
	})
}

// TestOrderExportCSV downloads the orders as Shift_JIS, which only an
// owner may do, after re-entering a code.
func TestOrderExportCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		o := e.place(order.COD, map[string]int{"A": 1, "TEA": 1})
		manager := e.staffBrowser("manager@example.jp", staff.Manager)
		e.wantDenied(manager, http.MethodGet, "/admin/orders/export?encoding=sjis", nil)

		b := e.staffBrowser("owner@example.jp", staff.Owner)
		if !hasForm(b.get("/admin/orders").Doc, "/admin/orders/export") {
			t.Error("the owner is not shown the export form")
		}
		e.clock.Advance(staff.FreshFor + time.Minute)
		wantRedirect(t, b.get("/admin/orders/export?encoding=sjis"), "/admin/reauth?next="+url.QueryEscape("/admin/orders/export?encoding=sjis"))
		if len(e.entries("export.orders", "")) != 0 {
			t.Fatal("an export was audited without a fresh second factor")
		}
		wantRedirect(t, b.post("/admin/reauth", url.Values{"code": {b.code()}, "next": {"/admin/orders/export?encoding=sjis"}}), "/admin/orders/export")

		wantStatus(t, b.get("/admin/orders/export?encoding=ebcdic"), http.StatusUnprocessableEntity)
		res := b.get("/admin/orders/export?encoding=sjis&method=cod")
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=Shift_JIS" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=orders-") {
			t.Errorf("Content-Disposition %q", cd)
		}
		utf8, err := japanese.ShiftJIS.NewDecoder().Bytes([]byte(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(bytes.NewReader(utf8)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != 2 || !slices.Equal(records[0], order.ExportHeader) {
			t.Fatalf("CSV %q, want the header and one order", records)
		}
		if records[1][0] != o.Number || records[1][2] != "山田 太郎" || records[1][3] != "ヤマダ タロウ" {
			t.Errorf("row %q", records[1])
		}
		list := e.entries("export.orders", "owner@example.jp")
		if len(list) != 1 || !strings.Contains(list[0].After, `"count":1`) {
			t.Errorf("export.orders entries %+v, want one with count 1", list)
		}
		e.verifyAudit()
	})
}

// TestOrderCardRefundWithoutProvider explains, rather than offers, a card
// refund when no payment provider is configured.
func TestOrderCardRefundWithoutProvider(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("manager@example.jp", staff.Manager)
		o := e.place(order.BankTransfer, map[string]int{"A": 1})
		e.makeCard(o.Number)
		path := "/admin/orders/" + o.Number

		res := b.get(path)
		if n := find(res.Doc, byID("payment")); n == nil || !strings.Contains(textOf(n), "Visa •••• 4242") {
			t.Errorf("payment shows no card brand and last four digits:\n%s", res.Body)
		}
		if hasForm(res.Doc, path+"/refund") || find(res.Doc, byID("no-card-provider")) == nil {
			t.Error("without a provider the page should explain, not offer, a card refund")
		}
		res = b.post(path+"/refund", url.Values{"amount": {"100"}})
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(alertText(res.Doc), "決済代行会社") {
			t.Errorf("card refund without a provider: alert %q", alertText(res.Doc))
		}
		if det := e.order(o.Number); det.Refunded != 0 {
			t.Fatalf("refunded %d without a provider", det.Refunded)
		}
	})
}

// TestOrderCardRefundThroughProvider sends a card order's refund to the
// payment provider, as the member of staff who asked for it.
func TestOrderCardRefundThroughProvider(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		type call struct {
			number string
			amount shop.Yen
			by     audit.Actor
		}
		var calls []call
		e := newOrderEnvWithCards(t, d, func(_ context.Context, number string, amount shop.Yen, by audit.Actor) error {
			calls = append(calls, call{number, amount, by})
			return nil
		})
		b := e.staffBrowser("manager@example.jp", staff.Manager)
		o := e.place(order.BankTransfer, map[string]int{"A": 1})
		e.makeCard(o.Number)
		path := "/admin/orders/" + o.Number
		if !hasForm(b.get(path).Doc, path+"/refund") {
			t.Fatal("no refund form for a card order with a provider")
		}
		wantRedirect(t, b.post(path+"/refund", url.Values{"amount": {"１,１００"}}), path+"?done=refunded")
		want := call{o.Number, 1100, audit.Actor{Name: "manager@example.jp", IP: officeIP}}
		if len(calls) != 1 || calls[0] != want {
			t.Fatalf("card refunds %+v, want %+v", calls, want)
		}
	})
}
