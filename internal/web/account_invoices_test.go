package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/billing"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/web"
)

// TestMonthlyInvoiceOnMyPage: a member applies from my page; once staff
// approve, checkout offers the monthly invoice with its own sentence on
// the confirmation screen, the order goes on account, and after the month
// is closed the member downloads the invoice's PDF, which nobody else can.
func TestMonthlyInvoiceOnMyPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var bill *billing.Service
		e := newEnv(t, d, func(e *testEnv, _ *web.Config, deps *web.Deps) {
			bill = billing.New(d, deps.Orders, deps.Members, mail.NewTestQueue(e.clock), e.clock, "https://shop.example")
			deps.Checkout.UseAccounts(bill)
			deps.Billing = bill
		})
		e.seedDemo()
		ctx := context.Background()
		b := e.browser()
		b.register("clinic@example.jp")
		addToCart(t, b, "dokudami-tea", "1")
		if strings.Contains(b.get("/checkout").body, `value="invoice"`) {
			t.Fatal("checkout offers the monthly invoice before approval")
		}
		res := b.submit("/account/invoices", "/account/invoices/apply", url.Values{"billing_name": {""}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["billing_name"] {
			t.Fatalf("empty application: %d, want 422 on billing_name", res.StatusCode)
		}
		res = b.submit("/account/invoices", "/account/invoices/apply", url.Values{"billing_name": {"かえで鍼灸院"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d\n%s", res.StatusCode, res.body)
		}
		if got := elementText(t, b.get("/account/invoices").body, "invoice-account-status"); got != "審査中" {
			t.Fatalf("status after applying %q, want 審査中", got)
		}
		var memberID int64
		if err := d.QueryRowContext(ctx, `SELECT id FROM members WHERE email = $1`, "clinic@example.jp").Scan(&memberID); err != nil {
			t.Fatal(err)
		}
		if _, err := bill.Decide(ctx, memberID, billing.Decision{Status: billing.Approved, Company: "かえで鍼灸院",
			CreditLimit: "100000"}, audit.Actor{Name: "hanako@kaede.example"}); err != nil {
			t.Fatal(err)
		}

		form := formValues(t, b.get("/checkout").body, "/checkout/confirm")
		for k, v := range map[string]string{"email": "clinic@example.jp", "shipping_address.name": "鈴木 花子",
			"shipping_address.name_kana": "スズキ ハナコ", "shipping_address.postal_code": "100-0001",
			"shipping_address.prefecture": "13", "shipping_address.city": "千代田区",
			"shipping_address.line1": "千代田1-1", "shipping_address.phone": "03-1234-5678",
			"payment_method": "invoice"} {
			form.Set(k, v)
		}
		res = b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("confirm on invoice: %d\n%s", res.StatusCode, res.body)
		}
		mustContain(t, text(parseHTML(t, res.body)), "請求書払い（月末締め）", "月末締めのご請求書でご請求いたします")
		res = b.postForm("/checkout/place", formValues(t, res.body, "/checkout/place"))
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("place on invoice: %d\n%s", res.StatusCode, res.body)
		}
		if got := elementText(t, b.get(res.Header.Get("Location")).body, "on-account"); !strings.Contains(got, "月末締めのご請求書") {
			t.Errorf("complete page says %q, want the monthly invoice", got)
		}
		mustContain(t, text(parseHTML(t, b.get("/legal/tokushoho").body)), "請求書払い（当店が承認した法人・事業者のお客様に限り")

		e.advance(7 * 24 * time.Hour) // into December
		issued, err := bill.Close(ctx, "2026-11", audit.Actor{Name: "hanako@kaede.example"})
		if err != nil || len(issued) != 1 {
			t.Fatalf("close: %d (%v)", len(issued), err)
		}
		number := issued[0].Number
		if !strings.Contains(elementText(t, b.get("/account/invoices").body, "invoice-list"), number) {
			t.Fatalf("my page does not list %s", number)
		}
		pdf := b.get("/account/invoices/" + number + "/pdf")
		if pdf.StatusCode != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
			t.Fatalf("download: %d %s", pdf.StatusCode, pdf.Header.Get("Content-Type"))
		}
		other := e.browser()
		other.register("other@example.jp")
		if res := other.get("/account/invoices/" + number + "/pdf"); res.StatusCode != http.StatusNotFound {
			t.Errorf("another member's download: %d, want 404", res.StatusCode)
		}
	})
}
