package cardpay_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cardpay"
	"kaede/internal/cart/carttest"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// receiveWebhook is the store's webhook endpoint in the tests: once
// listenWebhooks has been called it applies each delivery, as the store's
// POST /webhooks/{provider} does, and reports it; before, it accepts and
// ignores them (the card tests make their own).
func (e *env) receiveWebhook(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	hooks := e.hooks
	e.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if hooks == nil {
		return
	}
	if err := e.pay.Webhook(r.Context(), body, r.Header.Get(gateway.SignatureHeader)); err != nil {
		if r.Context().Err() != nil {
			return // the test is over: the gateway gave up its delivery
		}
		e.t.Errorf("webhook: %v", err)
		http.Error(w, "refused", http.StatusBadRequest)
		return
	}
	var ev gateway.WebhookEvent
	json.Unmarshal(body, &ev)
	select {
	case hooks <- ev.Payment.State:
	default: // nobody waits for it: never block the server's Close
	}
}

// listenWebhooks starts applying the gateway's webhooks.
func (e *env) listenWebhooks() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooks = make(chan payment.State, 16)
}

// awaitWebhook waits for the webhook that reports state.
func (e *env) awaitWebhook(state payment.State) {
	e.t.Helper()
	for got := range e.hooks {
		if got == state {
			return
		}
	}
}

// enableWallets turns konbini (fee ¥220, vouchers of 3 days) and PayPay
// (fee ¥110) on in the shop's settings.
func (e *env) enableWallets() {
	e.t.Helper()
	ctx := context.Background()
	st, err := settings.Load(ctx, e.d)
	if err != nil {
		e.t.Fatal(err)
	}
	st.EnableKonbini, st.KonbiniFee, st.KonbiniExpiryDays = true, 220, 3
	st.EnablePayPay, st.PayPayFee = true, 110
	if err := e.d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, st, e.clock()) }); err != nil {
		e.t.Fatal(err)
	}
}

// place places an order for one item paid by method.
func (e *env) place(key, method string) (*order.Order, string, error) {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.carts.Create(ctx, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.carts.AddItem(ctx, c.ID, "N-1", 1, shop.Viewer{}); err != nil {
		e.t.Fatal(err)
	}
	return e.checkout.Place(ctx, checkout.Input{CartID: c.ID, Email: "taro@example.com",
		Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
		PaymentMethod: method, IdempotencyKey: key})
}

// startWallet places an order paid by method (card, konbini, paypay) and
// starts its payment; it returns the order and the gateway's payment
// reference.
func (e *env) startWallet(key, method string) (*order.Order, string) {
	e.t.Helper()
	o, token, err := e.place(key, method)
	if err != nil {
		e.t.Fatalf("place %s: %v", method, err)
	}
	target, err := e.pay.Start(context.Background(), o.Number, token, cardpay.Client{SessionKey: key, IP: "203.0.113.9"})
	if err != nil {
		e.t.Fatalf("start: %v", err)
	}
	ref, ok := strings.CutPrefix(target, e.gwURL+"/pay/")
	if !ok {
		e.t.Fatalf("payment page %q is not the gateway's", target)
	}
	return o, ref
}

// formToken loads the payment's page on the gateway and returns it and the
// CSRF token of the button that posts to action (clerk, approve, cancel).
func (e *env) formToken(ref, action string) (string, string) {
	e.t.Helper()
	page := gatewayPage(e.t, e.gwURL, ref)
	m := regexp.MustCompile(`action="/pay/` + ref + `/` + action + `">\s*<input type="hidden" name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no %s button on the page of %s:\n%s", action, ref, page)
	}
	return page, m[1]
}

// press posts the button's form and returns where the gateway sends the
// browser.
func (e *env) press(ref, action, token string) string {
	e.t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(e.gwURL+"/pay/"+ref+"/"+action, url.Values{"csrf_token": {token}})
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("%s at the gateway: %d", action, res.StatusCode)
	}
	return res.Header.Get("Location")
}

// pressOnGatewayPage loads the page and presses the button at once.
func (e *env) pressOnGatewayPage(ref, action string) (string, string) {
	e.t.Helper()
	page, token := e.formToken(ref, action)
	return page, e.press(ref, action, token)
}

func gatewayPage(t *testing.T, gwURL, ref string) string {
	t.Helper()
	res, err := http.Get(gwURL + "/pay/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func paymentRow(t *testing.T, d *db.DB, orderID int64) (method, state, number string, expires sql.NullTime) {
	t.Helper()
	err := d.QueryRowContext(context.Background(), `SELECT method, state, voucher_number, voucher_expires_at
		FROM payments WHERE order_id = $1 ORDER BY attempt DESC LIMIT 1`, orderID).Scan(&method, &state, &number, &expires)
	if err != nil {
		t.Fatal(err)
	}
	return method, state, number, expires
}

// TestKonbiniPaidAtTheTill: a konbini order is confirmed at once with how
// to pay, gets its voucher (number, stores, expiry) by e-mail when the
// payment starts, and becomes paid when the clerk takes the money (the
// gateway's webhook): the customer is told the payment arrived and the
// shop of the new order. The voucher's expiry is the order's.
func TestKonbiniPaidAtTheTill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.enableWallets()
		e.listenWebhooks()
		ctx := context.Background()
		o, ref := e.startWallet("konbini-paid", "konbini")
		if o.Status != order.AwaitingPayment || o.PaymentMethod != order.Konbini || o.CODFee != 220 || o.Total != price+o.ShippingFee+220 {
			t.Fatalf("placed: status %s method %s fee %s total %s", o.Status, o.PaymentMethod, o.CODFee, o.Total)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 99 {
			t.Fatalf("stock %d, want 99 (held for the voucher)", s)
		}
		// 2026-11-25 10:00 JST + 3 days: 2026-11-28 23:59:59 JST.
		wantExpiry := time.Date(2026, 11, 28, 23, 59, 59, 0, shop.JST)
		deadline, err := e.orders.CardDeadline(ctx, o.Number)
		if err != nil || !deadline.Equal(wantExpiry) {
			t.Fatalf("order expires %s (%v), want %s", deadline, err, wantExpiry)
		}
		method, state, number, expires := paymentRow(t, d, o.ID)
		if method != "konbini" || state != "pending" || !regexp.MustCompile(`^[0-9]{11}$`).MatchString(number) ||
			!expires.Valid || !expires.Time.Equal(wantExpiry) {
			t.Fatalf("payment %s %s voucher %q expires %v", method, state, number, expires)
		}
		if got := strings.Join(kindsOf(t, d, o.ID), " "); got != "taro@example.com:order_confirmation taro@example.com:konbini_voucher" {
			t.Fatalf("mails %s", got)
		}
		if b := mailBody(t, d, o.ID, "order_confirmation"); !strings.Contains(b, "コンビニ決済手数料：¥220") ||
			!strings.Contains(b, "2026年11月28日 23時59分までに") {
			t.Fatalf("confirmation:\n%s", b)
		}
		voucher := mailBody(t, d, o.ID, "konbini_voucher")
		for _, want := range []string{number, "2026年11月28日 23:59", "ファミリーマート・ローソン", e.gwURL + "/pay/" + ref, o.Total.String()} {
			if !strings.Contains(voucher, want) {
				t.Fatalf("voucher mail lacks %q:\n%s", want, voucher)
			}
		}
		// Starting again shows the same voucher and mails nothing more.
		if target, err := e.pay.Start(ctx, o.Number, "", cardpay.Client{}); err != nil || target != e.gwURL+"/pay/"+ref {
			t.Fatalf("start again: %q %v", target, err)
		}
		page, to := e.pressOnGatewayPage(ref, "clerk")
		if !strings.Contains(page, number) || !strings.Contains(page, "2026-11-28 23:59") {
			t.Fatalf("voucher page lacks the number or expiry:\n%s", page)
		}
		if to != "/pay/"+ref {
			t.Fatalf("after the till: sent to %q, want the voucher's receipt", to)
		}
		e.awaitWebhook(payment.Captured)
		got, err := e.orders.Get(ctx, o.Number)
		if err != nil || got.Status != order.Paid || got.Payment.State != order.PaymentCaptured {
			t.Fatalf("after paying: %+v %v", got, err)
		}
		want := "taro@example.com:order_confirmation taro@example.com:konbini_voucher " +
			"taro@example.com:order_paid support@kaede.example:shop_new_order"
		if got := strings.Join(kindsOf(t, d, o.ID), " "); got != want {
			t.Fatalf("mails %s\nwant %s", got, want)
		}
		if b := mailBody(t, d, o.ID, "order_paid"); !strings.Contains(b, "コンビニ決済") {
			t.Fatalf("paid mail:\n%s", b)
		}
		var note string
		if err := d.QueryRowContext(ctx, `SELECT note FROM order_events WHERE order_id = $1 AND to_status = 'paid'`, o.ID).Scan(&note); err != nil ||
			note != "コンビニ決済（売上確定）：決済代行会社からの通知" {
			t.Fatalf("history note %q %v", note, err)
		}
		// Past the voucher's expiry nothing expires: it is paid.
		e.advance(4 * 24 * time.Hour)
		if n, err := e.pay.ExpireDue(ctx); err != nil || n != 0 {
			t.Fatalf("expired %d (%v), want 0", n, err)
		}
	})
}

// TestKonbiniVoucherExpires: a voucher not paid by its expiry can no longer
// be paid at the till; the expiry job cancels it at the provider, cancels
// the order and returns its stock, and tells the customer. Not a minute
// before.
func TestKonbiniVoucherExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.enableWallets()
		ctx := context.Background()
		o, ref := e.startWallet("konbini-unpaid", "konbini")
		deadline, err := e.orders.CardDeadline(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		e.advance(deadline.Sub(e.clock()) - time.Minute)
		if n, err := e.pay.ExpireDue(ctx); err != nil || n != 0 {
			t.Fatalf("a minute early: expired %d (%v)", n, err)
		}
		_, token := e.formToken(ref, "clerk") // the customer at the till a minute before the end
		e.advance(time.Minute)
		if to := e.press(ref, "clerk", token); to != "/pay/"+ref {
			t.Fatalf("the till sent to %q", to)
		}
		if p := gatewayPage(t, e.gwURL, ref); !strings.Contains(p, `id="voucher-expired"`) {
			t.Fatalf("expired voucher's page:\n%s", p)
		}
		if st, err := e.provider.Get(ctx, ref); err != nil || st.State != payment.Pending {
			t.Fatalf("the till took an expired voucher: %+v %v", st, err)
		}
		if n, err := e.pay.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("expired %d (%v), want 1", n, err)
		}
		got, err := e.orders.Get(ctx, o.Number)
		if err != nil || got.Status != order.Cancelled || got.Payment.State != order.PaymentCancelled {
			t.Fatalf("after expiry: %+v %v", got, err)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 100 {
			t.Fatalf("stock %d, want 100", s)
		}
		if st, err := e.provider.Get(ctx, ref); err != nil || st.State != payment.Cancelled {
			t.Fatalf("at the gateway: %+v %v, want cancelled", st, err)
		}
		want := "taro@example.com:order_confirmation taro@example.com:konbini_voucher taro@example.com:order_cancelled"
		if got := strings.Join(kindsOf(t, d, o.ID), " "); got != want {
			t.Fatalf("mails %s\nwant %s", got, want)
		}
		if b := mailBody(t, d, o.ID, "order_cancelled"); !strings.Contains(b, "コンビニでのお支払いを確認できなかったため") {
			t.Fatalf("cancellation notice:\n%s", b)
		}
	})
}

// TestPayPayApprovedOrCancelled: a PayPay order is paid when the customer
// approves on the provider's page (the webhook and the return both say
// so); one the customer cancels stays payable until its time is up, then
// expires with its stock returned.
func TestPayPayApprovedOrCancelled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.enableWallets()
		e.listenWebhooks()
		ctx := context.Background()

		o, ref := e.startWallet("paypay-paid", "paypay")
		if o.Status != order.AwaitingPayment || o.CODFee != 110 {
			t.Fatalf("placed: %s fee %s", o.Status, o.CODFee)
		}
		if got := kindsOf(t, d, o.ID); len(got) != 0 {
			t.Fatalf("mails before payment: %v", got)
		}
		_, to := e.pressOnGatewayPage(ref, "approve")
		if !strings.HasPrefix(to, "https://kaede.example/orders/"+o.Number+"/payment") || !strings.Contains(to, "payment="+ref) {
			t.Fatalf("after approving: sent to %q", to)
		}
		e.awaitWebhook(payment.Captured)
		if err := e.pay.Refresh(ctx, o.Number); err != nil { // the customer's return, after the webhook
			t.Fatal(err)
		}
		if s := e.status(o.Number); s != order.Paid {
			t.Fatalf("after approving: %s", s)
		}
		want := "taro@example.com:order_confirmation support@kaede.example:shop_new_order"
		if got := strings.Join(kindsOf(t, d, o.ID), " "); got != want {
			t.Fatalf("mails %s\nwant %s", got, want)
		}
		if b := mailBody(t, d, o.ID, "order_confirmation"); !strings.Contains(b, "PayPay決済手数料：¥110") {
			t.Fatalf("confirmation:\n%s", b)
		}

		o2, ref2 := e.startWallet("paypay-cancelled", "paypay")
		_, to = e.pressOnGatewayPage(ref2, "cancel")
		if !strings.HasPrefix(to, "https://kaede.example/orders/"+o2.Number+"/payment") {
			t.Fatalf("after cancelling: sent to %q", to)
		}
		e.awaitWebhook(payment.Cancelled)
		if s := e.status(o2.Number); s != order.AwaitingPayment {
			t.Fatalf("after cancelling at PayPay: %s, want still awaiting payment", s)
		}
		sum, err := e.pay.Summarize(ctx, mustGet(t, e, o2.Number))
		if err != nil || !sum.CanPay {
			t.Fatalf("summary %+v %v: the customer may try again", sum, err)
		}
		e.advance(31 * time.Minute)
		if n, err := e.pay.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("expired %d (%v), want 1", n, err)
		}
		if s := e.status(o2.Number); s != order.Cancelled {
			t.Fatalf("after expiry: %s", s)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 99 {
			t.Fatalf("stock %d, want 99 (the paid order's only)", s)
		}

		// The customer cancels the paid order: PayPay refunds it in full.
		got, err := e.pay.CancelOrder(ctx, o.Number, order.CustomerActor(0, "203.0.113.9"))
		if err != nil || got.Status != order.Cancelled || got.Payment.State != order.PaymentRefunded {
			t.Fatalf("cancel the paid PayPay order: %+v %v", got, err)
		}
		if st, err := e.provider.Get(ctx, ref); err != nil || st.State != payment.Refunded || st.Refunded != o.Total {
			t.Fatalf("at the gateway: %+v %v, want refunded %s", st, err, o.Total)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 100 {
			t.Fatalf("stock %d, want 100", s)
		}
	})
}

// TestKonbiniPaidThenCancelled: a paid konbini order cancelled by its
// customer is cancelled with its stock back, and the money, paid in cash,
// is for the shop to return itself: the notice says the shop will be in
// touch; nothing is asked of the provider.
func TestKonbiniPaidThenCancelled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.enableWallets()
		e.listenWebhooks()
		ctx := context.Background()
		o, ref := e.startWallet("konbini-cancel", "konbini")
		e.pressOnGatewayPage(ref, "clerk")
		e.awaitWebhook(payment.Captured)
		got, err := e.pay.CancelOrder(ctx, o.Number, order.CustomerActor(0, "203.0.113.9"))
		if err != nil || got.Status != order.Cancelled {
			t.Fatalf("cancel: %+v %v", got, err)
		}
		if st, err := e.provider.Get(ctx, ref); err != nil || st.State != payment.Captured {
			t.Fatalf("at the gateway: %+v %v, want still captured", st, err)
		}
		if s := carttest.Stock(t, d, "N-1"); s != 100 {
			t.Fatalf("stock %d, want 100", s)
		}
		if b := mailBody(t, d, o.ID, "order_cancelled"); !strings.Contains(b, "ご返金の手続きについて改めてご連絡いたします") {
			t.Fatalf("notice:\n%s", b)
		}
	})
}

func mustGet(t *testing.T, e *env, number string) *order.Order {
	t.Helper()
	o, err := e.orders.Get(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestWalletsOffered: konbini and PayPay are choices only while the
// settings enable them; the terms (特定商取引法) describe them with their
// fees; a konbini order over the stores' ceiling is refused by name.
func TestWalletsOffered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		for _, m := range []string{"konbini", "paypay"} {
			_, _, err := e.place("off-"+m, m)
			if shop.ErrorFields(err)["payment_method"] != shop.ReasonChoice {
				t.Fatalf("%s while off: %v, want payment_method: choice", m, err)
			}
		}
		st, err := settings.Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		terms, err := e.checkout.Terms(ctx, st, false)
		if err != nil || len(terms.Payments) != 3 {
			t.Fatalf("terms while off: %+v %v", terms.Payments, err)
		}
		e.enableWallets()
		st, _ = settings.Load(ctx, d)
		terms, err = e.checkout.Terms(ctx, st, false)
		if err != nil || len(terms.Payments) != 5 {
			t.Fatalf("terms: %+v %v", terms.Payments, err)
		}
		if k := terms.Payments[3]; k.Method != order.Konbini || !strings.Contains(k.Text, "3日以内") || !strings.Contains(k.Text, "コンビニ決済手数料¥220") {
			t.Fatalf("konbini term %+v", k)
		}
		if p := terms.Payments[4]; p.Method != order.PayPay || !strings.Contains(p.Text, "PayPay決済手数料¥110") {
			t.Fatalf("paypay term %+v", p)
		}
		shipping := strings.Join(terms.Shipping, " ")
		if !strings.Contains(shipping, "ご入金確認日から") {
			t.Fatalf("shipping %q", shipping)
		}

		// A ¥150,000 item twice: ¥300,000 and shipping.
		staff := audit.Actor{Name: "owner@example.jp"}
		cat := catalog.New(d, e.clock)
		category, err := cat.CreateCategory(ctx, catalog.Category{Slug: "beds", NameJa: "施術台"}, staff)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cat.CreateProduct(ctx, catalog.Product{Slug: "bed", CategoryID: category, NameJa: "施術台", TaxClass: shop.TaxStandard,
			Status: catalog.StatusPublished, Variants: []catalog.Variant{{SKU: "B-1", Price: 150000, Stock: 10, MaxPerOrder: 5}}},
			staff); err != nil {
			t.Fatal(err)
		}
		c, err := e.carts.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.carts.AddItem(ctx, c.ID, "B-1", 2, shop.Viewer{}); err != nil {
			t.Fatal(err)
		}
		_, err = e.checkout.Quote(ctx, checkout.Input{CartID: c.ID, Email: "taro@example.com",
			Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
				City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
			PaymentMethod: "konbini"})
		if shop.ErrorFields(err)["payment_method"] != shop.ReasonRange {
			t.Fatalf("konbini over ¥300,000: %v, want payment_method: range", err)
		}
	})
}
