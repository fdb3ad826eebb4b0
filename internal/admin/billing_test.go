package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/billing"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// TestBillingPages approves a clinic with a credit limit from its
// customer page, closes April with the button, and records a partial and
// a final payment; a role that only reads is refused each change.
func TestBillingPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var svc *billing.Service
		var e *orderEnv
		e = newOrderEnvWithCards(t, d, nil, func(deps *admin.Deps) {
			svc = billing.New(d, deps.Orders, deps.Members, mail.NewTestQueue(deps.Clock), deps.Clock, "http://shop.test")
			deps.Billing = svc
		})
		e.checkout.UseAccounts(svc)
		clinic := e.customer("clinic@example.jp", false)
		manager := e.staffBrowser("manager@kaede.example", staff.Manager)
		auditor := e.staffBrowser("auditor@kaede.example", staff.Auditor)
		path := fmt.Sprintf("/admin/customers/%d/billing", clinic.ID)

		if res := auditor.post(path, url.Values{"status": {"approved"}, "billing_name": {"かえで鍼灸院"}, "credit_limit": {"50000"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("auditor approves: %d, want 403", res.StatusCode)
		}
		res := manager.post(path, url.Values{"status": {"approved"}, "billing_name": {"かえで鍼灸院"}, "credit_limit": {"たくさん"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "ご利用限度額") {
			t.Fatalf("bad limit: %d, want 422 naming the credit limit:\n%s", res.StatusCode, res.Body)
		}
		res = manager.post(path, url.Values{"status": {"approved"}, "billing_name": {"かえで鍼灸院"}, "credit_limit": {"50,000"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d, want 303:\n%s", res.StatusCode, res.Body)
		}
		page := manager.get(path)
		if got := mustIDText(t, page, "account-limit"); got != "¥50,000" {
			t.Errorf("limit shown %q, want ¥50,000", got)
		}

		v := shop.Viewer{MemberID: clinic.ID}
		var numbers []string
		for i := range 2 {
			c, err := e.carts.Create(e.ctx, clinic.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.carts.AddItem(e.ctx, c.ID, "A", 1, v); err != nil {
				t.Fatal(err)
			}
			o, _, err := e.checkout.Place(e.ctx, checkout.Input{CartID: c.ID, Viewer: v, Email: clinic.Email,
				Address: shop.Address{Name: "鍼 太郎", NameKana: "ハリ タロウ", PostalCode: "100-0001", Prefecture: 13,
					City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
				PaymentMethod: string(order.Invoice), IdempotencyKey: fmt.Sprintf("admin-billing-%d", i)})
			if err != nil {
				t.Fatalf("order on account: %v", err)
			}
			numbers = append(numbers, o.Number)
		}

		if res := manager.post("/admin/billing/close", url.Values{"month": {"2026-04"}}); res.StatusCode != http.StatusConflict {
			t.Fatalf("close a running month: %d, want 409", res.StatusCode)
		}
		e.clock.Advance(31 * 24 * time.Hour)
		// A month later the sessions have ended: both log in again.
		manager.login("manager@kaede.example")
		auditor.login("auditor@kaede.example")
		if res := auditor.post("/admin/billing/close", url.Values{"month": {"2026-04"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("auditor closes: %d, want 403", res.StatusCode)
		}
		res = manager.post("/admin/billing/close", url.Values{"month": {"2026-04"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/billing?issued=1" {
			t.Fatalf("close: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		invs, err := svc.Invoices(e.ctx, billing.Filter{MemberID: clinic.ID})
		if err != nil || len(invs) != 1 {
			t.Fatalf("invoices %d (%v), want 1", len(invs), err)
		}
		inv := invs[0]
		list := manager.get("/admin/billing")
		if !strings.Contains(mustIDText(t, list, "invoices-table"), inv.Number) {
			t.Errorf("the billing page does not list %s", inv.Number)
		}

		pdf := auditor.get("/admin/billing/invoices/" + inv.Number + "/pdf")
		if pdf.StatusCode != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") {
			t.Fatalf("pdf: %d %s", pdf.StatusCode, pdf.Header.Get("Content-Type"))
		}

		payments := "/admin/billing/invoices/" + inv.Number + "/payments"
		res = manager.post(payments, url.Values{"payment_amount": {fmt.Sprint(int64(inv.Total) + 1)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "入金額") {
			t.Fatalf("overpayment: %d, want 422 naming the amount", res.StatusCode)
		}
		if res := auditor.post(payments, url.Values{"payment_amount": {"100"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("auditor records a payment: %d, want 403", res.StatusCode)
		}
		if res := manager.post(payments, url.Values{"payment_amount": {"100"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("partial payment: %d", res.StatusCode)
		}
		if res := manager.post(payments, url.Values{"payment_amount": {fmt.Sprint(int64(inv.Total) - 100)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("final payment: %d:\n%s", res.StatusCode, res.Body)
		}
		page = manager.get("/admin/billing/invoices/" + inv.Number)
		if got := mustIDText(t, page, "invoice-balance"); got != "¥0" {
			t.Errorf("balance %q, want ¥0", got)
		}
		for _, n := range numbers {
			if o := e.order(n); o.Order.Status != order.Paid {
				t.Errorf("order %s is %s, want paid", n, o.Order.Status)
			}
		}
		for action, want := range map[string]int{"billing.account": 1, "billing.issue": 1, "billing.payment": 2} {
			es, err := audit.List(e.ctx, d, audit.Filter{Action: action})
			if err != nil || len(es) != want || es[0].Actor != "manager@kaede.example" {
				t.Errorf("audit %s: %d entries (%v), want %d by the manager", action, len(es), err, want)
			}
		}
	})
}

// mustIDText is the text of the element with the id, failing the test when
// the page has none.
func mustIDText(t *testing.T, res *response, id string) string {
	t.Helper()
	if find(res.Doc, byID(id)) == nil {
		t.Fatalf("no #%s on the page:\n%s", id, res.Body)
	}
	return idText(res.Doc, id)
}
