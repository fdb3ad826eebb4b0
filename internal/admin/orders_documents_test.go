package admin_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/orderdoc"
	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/staff"
	"kaede/internal/throttle"
)

// wantPDF reads back a PDF answer's text.
func wantPDF(t *testing.T, res *response) string {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want a PDF:\n%.2000s", res.StatusCode, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("Content-Type %q, want a PDF", ct)
	}
	return strings.Join(pdftext.Pages(t, []byte(res.Body)), "\f")
}

// TestOrderDocumentsForStaff: staff take the invoice and the delivery slip
// as PDF from the order page, see how many receipts the customer
// downloaded, and make a copy again: the same file, audited; a read-only
// role cannot.
func TestOrderDocumentsForStaff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var docs *orderdoc.Service
		e := newOrderEnvWithCards(t, d, nil, func(deps *admin.Deps) {
			docs = orderdoc.New(d, deps.Orders, throttle.New(d), deps.Clock)
			deps.Documents = docs
		})
		b := e.staffBrowser("ship@example.jp", staff.Shipping)
		o := e.place(order.BankTransfer, map[string]int{"A": 2, "TEA": 1})
		path := "/admin/orders/" + o.Number

		res := b.get(path)
		wantStatus(t, res, http.StatusOK)
		if c := find(res.Doc, byID("receipt-count")); c == nil || !strings.Contains(textOf(c), "0 / 2") {
			t.Fatalf("receipt count %q, want 0 / 2", textOf(c))
		}
		inv := wantPDF(t, b.get(path+"/invoice.pdf"))
		for _, want := range []string{"適格請求書", "登録番号 T", "10%対象", "8%対象※", "ご請求金額"} {
			if !strings.Contains(inv, want) {
				t.Errorf("invoice lacks %q:\n%s", want, inv)
			}
		}
		if slip := wantPDF(t, b.get(path+"/slip.pdf")); !strings.Contains(slip, "納品書") || !strings.Contains(slip, "TEA") {
			t.Errorf("slip reads:\n%s", slip)
		}

		if _, err := e.orders.MarkPaid(e.ctx, o.Number, audit.Actor{Name: "ship@example.jp"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := docs.IssueReceipt(e.ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "楓鍼灸院", RequestedBy: "guest"}); err != nil {
			t.Fatal(err)
		}
		second, _, err := docs.IssueReceipt(e.ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "楓鍼灸院", RequestedBy: "guest"})
		if err != nil {
			t.Fatal(err)
		}
		res = b.get(path)
		if c := find(res.Doc, byID("receipt-count")); c == nil || !strings.Contains(textOf(c), "2 / 2") {
			t.Fatalf("receipt count %q, want 2 / 2", textOf(c))
		}
		if !strings.Contains(textOf(find(res.Doc, byID("order-documents"))), "楓鍼灸院 様") {
			t.Errorf("the order page does not list the copies:\n%s", res.Body)
		}

		e.clock.now = e.clock.now.Add(10 * time.Minute) // later, within the staff session
		again := b.post(path+"/receipts/2", nil)
		if txt := wantPDF(t, again); !strings.Contains(txt, "再発行") {
			t.Errorf("the staff's copy of copy 2 is not stamped:\n%s", txt)
		}
		if !bytes.Equal([]byte(again.Body), second) {
			t.Error("the staff's copy differs from the customer's download")
		}
		var n int
		if err := d.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'receipt.reissue' AND actor = $1 AND target = $2`,
			"ship@example.jp", "order:"+o.Number).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d audit entries (%v), want 1", n, err)
		}
		wantStatus(t, b.post(path+"/receipts/3", nil), http.StatusNotFound)

		// Support reads orders but does not make documents again.
		sup := e.staffBrowser("support@example.jp", staff.Support)
		res = sup.get(path)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(textOf(find(res.Doc, byID("order-documents"))), "同じ内容で再発行") {
			t.Error("support is offered the reissue")
		}
		wantStatus(t, sup.post(path+"/receipts/1", nil), http.StatusForbidden)
	})
}
