package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/audit"
	"kaede/internal/cart"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/shop"
	"kaede/internal/web"
)

// orderEnv is a store whose checkout and orders the test also drives
// directly, to place orders without going through the forms.
type orderEnv struct {
	*testEnv
	carts    *cart.Service
	checkout *checkout.Service
	orders   *order.Service
	sku      string
}

func newOrderEnv(t *testing.T, d *db.DB, options ...func(*testEnv, *web.Config, *web.Deps)) *orderEnv {
	t.Helper()
	oe := &orderEnv{}
	oe.testEnv = newEnv(t, d, append([]func(*testEnv, *web.Config, *web.Deps){func(_ *testEnv, _ *web.Config, deps *web.Deps) {
		oe.carts, oe.checkout, oe.orders = deps.Carts, deps.Checkout, deps.Orders
	}}, options...)...)
	oe.seedDemo()
	if err := d.QueryRow(`SELECT MIN(v.sku) FROM variants v JOIN products p ON p.id = v.product_id
		WHERE p.slug = 'dokudami-tea'`).Scan(&oe.sku); err != nil {
		t.Fatal(err)
	}
	return oe
}

func (e *orderEnv) stock() int {
	return e.count(`SELECT stock FROM variants WHERE sku = $1`, e.sku)
}

// place orders two of the tea by bank transfer, as the member (0: a
// guest), and returns the order and its token.
func (e *orderEnv) place(memberID int64, key string) (*order.Order, string) {
	e.t.Helper()
	ctx := context.Background()
	v := shop.Viewer{MemberID: memberID}
	c, err := e.carts.Create(ctx, memberID)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.carts.AddItem(ctx, c.ID, e.sku, 2, v); err != nil {
		e.t.Fatal(err)
	}
	o, token, err := e.checkout.Place(ctx, checkout.Input{CartID: c.ID, Viewer: v, Email: "hanako@example.jp",
		Address: shop.Address{Name: "山田 花子", NameKana: "ヤマダ ハナコ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
		PaymentMethod: "bank_transfer", IdempotencyKey: key})
	if err != nil {
		e.t.Fatalf("place: %v", err)
	}
	return o, token
}

// hasLink reports whether the page links to href.
func hasLink(t *testing.T, body, href string) bool {
	found := false
	walk(parseHTML(t, body), func(n *html.Node) {
		if a, _ := attr(n, "href"); n.Data == "a" && a == href {
			found = true
		}
	})
	return found
}

// cancelThrough follows the order page's cancel link to the confirmation
// step and confirms; it returns the answer to the confirmation.
func cancelThrough(t *testing.T, b *browser, orderURL, cancelURL string) *response {
	t.Helper()
	res := b.get(orderURL)
	if res.StatusCode != http.StatusOK || !hasLink(t, res.body, cancelURL) {
		t.Fatalf("order page %d offers no cancellation (%s):\n%s", res.StatusCode, cancelURL, res.body)
	}
	res = b.get(cancelURL)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("cancel page: %d", res.StatusCode)
	}
	mustContain(t, text(parseHTML(t, res.body)), "下記のご注文をキャンセルします", "キャンセルを確定する", "まだお支払いは発生しておりません")
	return b.postForm(cancelURL, formValues(t, res.body, cancelURL))
}

func TestSelfCancelGuest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		before := e.stock()
		o, token := e.place(0, "guest-cancel")
		orderURL := "/orders/" + o.Number + "?token=" + url.QueryEscape(token)
		cancelURL := "/orders/" + o.Number + "/cancel?token=" + url.QueryEscape(token)
		b := e.browser()

		// Without the token, or without the CSRF token: nothing.
		if res := b.get("/orders/" + o.Number + "/cancel"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("cancel page without the token: %d", res.StatusCode)
		}
		if res := b.postForm(cancelURL, url.Values{}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("cancel without a CSRF token: %d", res.StatusCode)
		}
		if e.stock() != before-2 {
			t.Fatalf("stock %d before cancelling, want %d", e.stock(), before-2)
		}

		res := cancelThrough(t, b, orderURL, cancelURL)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != orderURL {
			t.Fatalf("confirm: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if e.stock() != before {
			t.Fatalf("stock %d after cancelling, want %d", e.stock(), before)
		}
		res = b.get(orderURL)
		page := text(parseHTML(t, res.body))
		mustContain(t, page, "このご注文はキャンセルされました", "ご注文の履歴", "ご注文を承りました", "お客様のお申し出によりキャンセルしました")
		if hasLink(t, res.body, cancelURL) {
			t.Fatal("a cancelled order still offers cancellation")
		}
		if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE order_id = $1 AND kind IN ('order_cancelled', 'shop_order_cancelled')`, o.ID); n != 2 {
			t.Fatalf("%d cancellation mails, want the customer's and the shop's", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'order.customer_cancel' AND actor = 'customer:guest'`); n != 1 {
			t.Fatalf("%d audit entries", n)
		}

		// Again (a second tab): refused politely, nothing sent twice.
		res = b.postForm(cancelURL, url.Values{"csrf_token": {b.formToken("/login")}})
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("second cancel: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, res.body)), "このご注文はすでにキャンセルされております")
		if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE order_id = $1 AND kind = 'order_cancelled'`, o.ID); n != 1 {
			t.Fatalf("%d cancellation notices after a second try", n)
		}
		// English beside it.
		res = b.get(orderURL + "&lang=en")
		mustContain(t, text(parseHTML(t, res.body)), "Order history", "Cancelled at your request")
	})
}

func TestSelfCancelMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.browser()
		b.register("member@example.jp") // and logged in
		var memberID int64
		if err := d.QueryRow(`SELECT id FROM members WHERE email = $1`, "member@example.jp").Scan(&memberID); err != nil {
			t.Fatal(err)
		}
		before := e.stock()
		o, _ := e.place(memberID, "member-cancel")
		orderURL, cancelURL := "/orders/"+o.Number, "/orders/"+o.Number+"/cancel"

		// Another visitor cannot cancel it.
		other := e.browser()
		if res := other.postForm(cancelURL, url.Values{"csrf_token": {other.formToken("/login")}}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a stranger's cancel: %d", res.StatusCode)
		}

		res := cancelThrough(t, b, orderURL, cancelURL)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != orderURL {
			t.Fatalf("confirm: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if e.stock() != before {
			t.Fatalf("stock %d, want %d", e.stock(), before)
		}
		got, err := e.orders.Get(context.Background(), o.Number)
		if err != nil || got.Status != order.Cancelled {
			t.Fatalf("order %v %v, want cancelled", got, err)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'order.customer_cancel' AND actor = $1`,
			order.CustomerActor(memberID, "").Name); n != 1 {
			t.Fatalf("%d audit entries for the member", n)
		}
	})
}

func TestSelfCancelAfterShipmentRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		ctx := context.Background()
		o, token := e.place(0, "shipped-cancel")
		staff := audit.Actor{Name: "owner@example.jp"}
		if _, err := e.orders.MarkPaid(ctx, o.Number, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := e.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); err != nil {
			t.Fatal(err)
		}
		stock := e.stock()
		b := e.browser()
		orderURL := "/orders/" + o.Number + "?token=" + url.QueryEscape(token)
		cancelURL := "/orders/" + o.Number + "/cancel?token=" + url.QueryEscape(token)
		if res := b.get(orderURL); hasLink(t, res.body, cancelURL) {
			t.Fatal("a shipped order offers cancellation")
		}
		res := b.get(cancelURL)
		if res.StatusCode != http.StatusOK || strings.Contains(res.body, `id="cancel-form"`) {
			t.Fatalf("cancel page of a shipped order: %d, with a form", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, res.body)), "すでに発送しておりますので")
		res = b.postForm(cancelURL, url.Values{"csrf_token": {b.formToken("/login")}})
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("cancel after shipment: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, res.body)), "すでに発送しておりますので", "お問い合わせ窓口")
		got, _ := e.orders.Get(ctx, o.Number)
		if got.Status != order.Shipped || e.stock() != stock {
			t.Fatalf("after a refused cancel: status %s, stock %d (was %d)", got.Status, e.stock(), stock)
		}
	})
}

func TestTokushohoListsEveryPaymentMethod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		if err := e.checkout.EnableCard(checkout.CardOptions{Provider: "gateway", Capture: "automatic", TTL: 30 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		res := e.browser().get("/legal/tokushoho")
		var methods []string
		walk(parseHTML(t, res.body), func(n *html.Node) {
			if m, ok := attr(n, "data-method"); ok {
				methods = append(methods, m)
			}
		})
		if got := strings.Join(methods, " "); got != "bank_transfer cod card" {
			t.Fatalf("payment methods listed: %q, want bank_transfer cod card", got)
		}
		page := text(parseHTML(t, res.body))
		mustContain(t, page, "クレジットカード", "ご注文から30分以内にお支払いが完了しない場合",
			"ご入金確認日から3営業日以内に発送いたします", "ご注文日から3営業日以内に発送いたします", "マイページ")
		// The confirmation screen's words for the same order.
		q, err := e.checkout.Quote(context.Background(), checkoutInputFor(t, e, "card"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page, strings.TrimSuffix(q.DeliveryTime, "。")) || !strings.Contains(q.PaymentTime, "ご注文から30分以内") {
			t.Fatalf("confirmation says %q / %q, not the notice's words", q.DeliveryTime, q.PaymentTime)
		}
	})
}

// checkoutInputFor is a guest's checkout of one tea, paid by method.
func checkoutInputFor(t *testing.T, e *orderEnv, method string) checkout.Input {
	t.Helper()
	c, err := e.carts.Create(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.carts.AddItem(context.Background(), c.ID, e.sku, 1, shop.Viewer{}); err != nil {
		t.Fatal(err)
	}
	return checkout.Input{CartID: c.ID, Email: "hanako@example.jp",
		Address: shop.Address{Name: "山田 花子", NameKana: "ヤマダ ハナコ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"}, PaymentMethod: method}
}

// TestSelfCancelCardThroughTheStore: a guest's captured card order
// cancelled from its order page is refunded in full at the real test
// gateway, its stock returned, and the customer and the shop e-mailed.
func TestSelfCancelCardThroughTheStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		stock := func() int { return e.count(`SELECT stock FROM variants WHERE sku = $1`, teaSKU) }
		before := stock()
		o := e.checkoutCard(teaSKU, 1)
		e.payOnGateway(o.NextAction.URL, visa, "")
		e.waitStatus(o, "paid")
		if stock() != before-1 {
			t.Fatalf("stock %d after the order, want %d", stock(), before-1)
		}
		c := e.browserClient()
		token := url.QueryEscape(o.Order.AccessToken)
		cancelURL := "/orders/" + o.Order.Number + "/cancel?token=" + token
		page := e.do(c, "GET", e.store.URL+cancelURL, "", nil)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("cancel page: %d", page.StatusCode)
		}
		mustContain(t, text(parseHTML(t, page.body)), "クレジットカード会社を通じて全額ご返金いたします")
		form := formValues(t, page.body, cancelURL)
		res := e.do(c, "POST", e.store.URL+cancelURL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm: %d %s", res.StatusCode, res.body)
		}
		got := e.waitStatus(o, "cancelled")
		if got.Order.Payment.State != "refunded" {
			t.Fatalf("payment %s, want refunded", got.Order.Payment.State)
		}
		if stock() != before {
			t.Fatalf("stock %d after the cancellation, want %d", stock(), before)
		}
		if n := e.count(`SELECT COUNT(*) FROM payment_operations WHERE kind = 'refund'`); n != 1 {
			t.Fatalf("%d refunds asked of the gateway, want 1", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind IN ('order_cancelled', 'shop_order_cancelled')`); n != 2 {
			t.Fatalf("%d cancellation mails, want 2", n)
		}
	})
}
