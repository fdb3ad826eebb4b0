package admin_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/staff"
)

// TestInvoiceBankTransfer: the 請求書 of an unpaid bank transfer says where
// to pay and by when; a COD invoice and the receipt once paid do not.
func TestInvoiceBankTransfer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("ship@example.jp", staff.Shipping)
		o := e.place(order.BankTransfer, map[string]int{"A": 1})
		path := "/admin/orders/" + o.Number

		res := b.get(path + "/invoice")
		wantStatus(t, res, http.StatusOK)
		bank := find(res.Doc, byID("invoice-bank"))
		if bank == nil || !strings.Contains(textOf(bank), "振込先") || !strings.Contains(textOf(bank), "楓銀行 本店営業部 普通 1234567") {
			t.Fatalf("unpaid transfer invoice has no 振込先:\n%s", res.Body)
		}
		// Placed on 1 April 2026 (Tokyo) with the default 7 days to pay.
		if due := find(res.Doc, byID("invoice-due")); due == nil || textOf(due) != "2026年4月8日" {
			t.Errorf("due date %v, want 2026年4月8日", due)
		}
		en := b.get(path + "/invoice?lang=en")
		if due := find(en.Doc, byID("invoice-due")); due == nil || textOf(due) != "8 April 2026" || !strings.Contains(en.Body, "Pay to") {
			t.Errorf("English invoice: due %v", due)
		}

		wantRedirect(t, b.post(path+"/paid", nil), path+"?done=paid")
		res = b.get(path + "/invoice?lang=ja")
		if find(res.Doc, byID("invoice-bank")) != nil {
			t.Error("the receipt of a paid transfer still asks for payment")
		}
		if h1 := find(res.Doc, func(n *html.Node) bool { return n.Data == "h1" }); h1 == nil || !strings.Contains(textOf(h1), "領収書") {
			t.Errorf("paid transfer title: %q", textOf(h1))
		}

		cod := e.place(order.COD, map[string]int{"A": 1})
		if res := b.get("/admin/orders/" + cod.Number + "/invoice"); find(res.Doc, byID("invoice-bank")) != nil {
			t.Error("a COD invoice shows a bank account")
		}
	})
}

// TestSlipAddressParts: the delivery slip draws the address as its parts,
// each kept whole, so that a narrow column wraps between 「東京都」 and
// 「千代田区」, never inside them.
func TestSlipAddressParts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("ship@example.jp", staff.Shipping)
		o := e.place(order.COD, map[string]int{"A": 1})
		res := b.get("/admin/orders/" + o.Number + "/slip")
		wantStatus(t, res, http.StatusOK)
		to := find(res.Doc, byID("slip-to"))
		if to == nil {
			t.Fatalf("no slip-to:\n%s", res.Body)
		}
		var parts []string
		walk(to, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "span" && n.Parent != nil && hasClass("doc-address")(n.Parent) {
				parts = append(parts, textOf(n))
			}
		})
		want := []string{"東京都", "千代田区", "千代田1-1", "楓ハイツ101"}
		if strings.Join(parts, "|") != strings.Join(want, "|") {
			t.Errorf("address parts %q, want %q", parts, want)
		}
	})
}
