package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/orderdoc"
	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/shop"
	"kaede/internal/throttle"
	"kaede/internal/web"
)

// newDocsEnv is a store with the order documents wired.
func newDocsEnv(t *testing.T, d *db.DB) *orderEnv {
	t.Helper()
	return newOrderEnv(t, d, func(e *testEnv, _ *web.Config, deps *web.Deps) {
		deps.Documents = orderdoc.New(d, deps.Orders, throttle.New(d), e.clock)
	})
}

// pdfText reads back a PDF answer's text, failing unless it is one.
func pdfText(t *testing.T, res *response) string {
	t.Helper()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("answer %d %s, want a PDF:\n%.500s", res.StatusCode, res.Header.Get("Content-Type"), res.body)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
		t.Errorf("Content-Disposition %q", cd)
	}
	return strings.Join(pdftext.Pages(t, []byte(res.body)), "\f")
}

func TestReceiptDownloadedTwiceByGuest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newDocsEnv(t, d)
		ctx := context.Background()
		o, token := e.place(0, "guest-receipt")
		q := "?token=" + url.QueryEscape(token)
		orderURL, receiptURL := "/orders/"+o.Number+q, "/orders/"+o.Number+"/receipt"+q
		b := e.browser()

		if res := b.get(orderURL); !hasLink(t, res.body, receiptURL) {
			t.Fatalf("order page does not link to the receipt (%s)", receiptURL)
		}
		if res := b.get("/orders/" + o.Number + "/receipt"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("receipt page without the token: %d", res.StatusCode)
		}
		// Not paid yet: the page explains, and a download is refused.
		res := b.get(receiptURL)
		mustContain(t, text(parseHTML(t, res.body)), "ご入金の確認後に領収書を発行いただけます")
		if res := b.postForm(receiptURL, url.Values{"csrf_token": {b.formToken("/login")}, "addressee": {"山田 花子"}}); res.StatusCode != http.StatusConflict {
			t.Fatalf("receipt before payment: %d", res.StatusCode)
		}

		if _, err := e.orders.MarkPaid(ctx, o.Number, audit.Actor{Name: "owner@example.jp"}); err != nil {
			t.Fatal(err)
		}
		res = b.get(receiptURL)
		form := formValues(t, res.body, receiptURL)
		if form.Get("addressee") != "山田 花子" || form.Get("proviso") != "お品代として" {
			t.Fatalf("form starts with %v, want the recipient and お品代として", form)
		}
		mustContain(t, text(parseHTML(t, res.body)), "2回までダウンロード", "残り 2 回")

		// A bad addressee names the field and records nothing.
		bad := formValues(t, res.body, receiptURL)
		bad.Set("addressee", " ")
		if res := b.postForm(receiptURL, bad); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("empty addressee: %d", res.StatusCode)
		} else {
			mustContain(t, text(parseHTML(t, res.body)), "宛名を")
		}
		if n := e.count(`SELECT COUNT(*) FROM receipt_downloads`); n != 0 {
			t.Fatalf("%d downloads recorded after a bad request", n)
		}

		form.Set("addressee", "楓鍼灸院")
		first := pdfText(t, b.postForm(receiptURL, form))
		mustContain(t, first, "領収書", "楓鍼灸院　様", "但し　お品代として", "登録番号 T")
		if strings.Contains(first, "再発行") {
			t.Fatal("the first receipt is stamped 再発行")
		}

		res = b.get(receiptURL)
		mustContain(t, text(parseHTML(t, res.body)), "残り 1 回", "「再発行」と記載されます", "1回目")
		form = formValues(t, res.body, receiptURL)
		form.Set("proviso", "施術用品代として")
		second := pdfText(t, b.postForm(receiptURL, form))
		mustContain(t, second, "再発行", "但し　施術用品代として")

		res = b.postForm(receiptURL, form)
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("third download: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, res.body)), "すでに2回ダウンロードされているため")
		if n := e.count(`SELECT COUNT(*) FROM receipt_downloads`); n != 2 {
			t.Fatalf("%d downloads recorded, want 2", n)
		}

		// The qualified invoice, from the same page.
		inv := pdfText(t, b.get("/orders/"+o.Number+"/invoice.pdf"+q))
		mustContain(t, inv, "適格請求書", "登録番号 T", "8%対象※")

		// English beside it.
		res = b.get(receiptURL + "&lang=en")
		mustContain(t, text(parseHTML(t, res.body)), "downloaded twice already")
	})
}

func TestNoReceiptForCashOnDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newDocsEnv(t, d)
		ctx := context.Background()
		b := e.browser()
		b.register("clinic@example.jp")
		var memberID int64
		if err := d.QueryRow(`SELECT id FROM members WHERE email = $1`, "clinic@example.jp").Scan(&memberID); err != nil {
			t.Fatal(err)
		}
		c, err := e.carts.Create(ctx, memberID)
		if err != nil {
			t.Fatal(err)
		}
		v := shop.Viewer{MemberID: memberID}
		if _, err := e.carts.AddItem(ctx, c.ID, e.sku, 1, v); err != nil {
			t.Fatal(err)
		}
		o, _, err := e.checkout.Place(ctx, checkout.Input{CartID: c.ID, Viewer: v, Email: "clinic@example.jp",
			Address: shop.Address{Name: "山田 花子", NameKana: "ヤマダ ハナコ", PostalCode: "100-0001", Prefecture: 13,
				City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
			PaymentMethod: "cod", IdempotencyKey: "cod-receipt"})
		if err != nil {
			t.Fatal(err)
		}
		receiptURL := "/orders/" + o.Number + "/receipt"
		if res := b.get("/orders/" + o.Number); !hasLink(t, res.body, receiptURL) {
			t.Fatal("the member's order page does not link to the receipt page")
		}
		res := b.get(receiptURL)
		page := text(parseHTML(t, res.body))
		mustContain(t, page, "配送業者が発行する領収書")
		if strings.Contains(res.body, `id="receipt-form"`) {
			t.Fatal("a cash-on-delivery order offers a receipt form")
		}
		res = b.postForm(receiptURL, url.Values{"csrf_token": {b.formToken("/account/password")}, "addressee": {"山田 花子"}})
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("COD receipt: %d", res.StatusCode)
		}
		if n := e.count(`SELECT COUNT(*) FROM receipt_downloads`); n != 0 {
			t.Fatalf("%d downloads recorded", n)
		}
		// Another visitor sees nothing.
		if res := e.browser().get(receiptURL); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a stranger's receipt page: %d", res.StatusCode)
		}
	})
}
