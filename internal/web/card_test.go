package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/testenv"
	"kaede/internal/web"
)

func shopYen(n int64) shop.Yen { return shop.Yen(n) }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The cards these tests type on the gateway's page, with a code and an
// expiry that appear nowhere else, so that the leak scan can look for them.
var (
	visa      = card{"4242 4242 4242 4242", "10/31", "739"}
	challenge = card{"4000 0000 0000 3220", "10/31", "739"}
	declined  = card{"4000 0000 0000 0002", "10/31", "739"}
	mastercrd = card{"5555-5555-5555-4444", "10/31", "739"}
)

// TestCardCheckoutEndToEnd goes through card payments with the real
// gateway and the store talking over HTTP, then scans everything the store
// keeps and logs for card data.
func TestCardCheckoutEndToEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		stock := func() int { return e.count(`SELECT stock FROM variants WHERE sku = $1`, teaSKU) }
		startStock := stock()

		t.Run("frictionless", func(t *testing.T) {
			o := e.checkoutCard(teaSKU, 1)
			if o.Order.Status != "awaiting_payment" || o.NextAction == nil || o.NextAction.Type != "redirect" ||
				!strings.HasPrefix(o.NextAction.URL, e.gwServer.URL+"/pay/") {
				t.Fatalf("checkout: %+v next %+v", o.Order, o.NextAction)
			}
			if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'order_confirmation'`); n != 0 {
				t.Errorf("%d confirmations before payment, want 0", n)
			}
			back, _ := e.payOnGateway(o.NextAction.URL, visa, "")
			if !strings.HasPrefix(back, e.store.URL+"/orders/"+o.Order.Number+"/payment?") {
				t.Fatalf("gateway sent the customer to %q", back)
			}
			// The webhook alone makes the order paid, before the customer
			// is back.
			got := e.waitStatus(o, "paid")
			if p := got.Order.Payment; p.Method != "card" || p.State != "captured" || p.Brand != "visa" || p.Last4 != "4242" {
				t.Errorf("payment %+v", p)
			}
			// Back at the store: the complete page with brand and last four.
			res := e.do(e.client, "GET", back, "", nil)
			if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/complete?token=") {
				t.Fatalf("return: %d %q", res.StatusCode, res.Header.Get("Location"))
			}
			page := e.do(e.client, "GET", e.store.URL+res.Header.Get("Location"), "", nil)
			if got := textOf(t, page.body, "card-paid"); !strings.Contains(got, "VISA 下4桁 4242") {
				t.Errorf("complete page says %q", got)
			}
			order := e.do(e.client, "GET", e.store.URL+"/orders/"+o.Order.Number+"?token="+o.Order.AccessToken, "", nil)
			if got := textOf(t, order.body, "card"); got != "VISA 下4桁 4242" {
				t.Errorf("order page card %q", got)
			}
			if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'order_confirmation'`); n != 1 {
				t.Errorf("%d confirmations after payment, want 1", n)
			}
			if stock() != startStock-1 {
				t.Errorf("stock %d, want %d", stock(), startStock-1)
			}
		})

		t.Run("challenge, browser closed, duplicate and late webhooks", func(t *testing.T) {
			o := e.checkoutCard(teaSKU, 1)
			// The customer passes the challenge and closes the browser:
			// the return URL is never visited.
			back, _ := e.payOnGateway(o.NextAction.URL, challenge, gateway.ChallengeCode)
			if !strings.Contains(back, "/payment?") {
				t.Fatalf("after the challenge: %q", back)
			}
			got := e.waitStatus(o, "paid")
			if got.Order.Payment.Last4 != "3220" {
				t.Errorf("payment %+v", got.Order.Payment)
			}
			ref := strings.TrimPrefix(o.NextAction.URL, e.gwServer.URL+"/pay/")
			events := e.gw.Events(ref)
			if len(events) < 3 {
				t.Fatalf("%d gateway events, want created, requires_action, captured", len(events))
			}
			orderEvents := e.count(`SELECT COUNT(*) FROM order_events`)
			mails := e.count(`SELECT COUNT(*) FROM mail_messages`)
			// The captured event again, then the older requires_action
			// one: nothing changes, nothing goes backwards.
			for _, ev := range []gateway.WebhookEvent{events[len(events)-1], events[1], events[0]} {
				if err := e.gw.Redeliver(context.Background(), ev.ID); err != nil {
					t.Fatalf("redeliver %s (%s): %v", ev.ID, ev.Payment.State, err)
				}
			}
			got = e.getOrder(o)
			if got.Order.Status != "paid" || got.Order.Payment.State != "captured" {
				t.Errorf("after replays: %+v", got.Order)
			}
			if n := e.count(`SELECT COUNT(*) FROM order_events`); n != orderEvents {
				t.Errorf("order events %d, want %d", n, orderEvents)
			}
			if n := e.count(`SELECT COUNT(*) FROM mail_messages`); n != mails {
				t.Errorf("mails %d, want %d", n, mails)
			}
			if !strings.Contains(e.log.String(), "webhook replay ignored") {
				t.Error("no log line for the replay")
			}
		})

		t.Run("declined, then another card from the order page", func(t *testing.T) {
			o := e.checkoutCard(teaSKU, 1)
			back, body := e.payOnGateway(o.NextAction.URL, declined, "")
			if !strings.Contains(body, "カードがご利用いただけませんでした") || strings.Contains(body, "generic_decline") {
				t.Errorf("gateway result page: %s", body)
			}
			_ = back
			got := e.waitPaymentState(o, "declined")
			if got.Order.Status != "awaiting_payment" {
				t.Fatalf("order %s after a decline", got.Order.Status)
			}
			// The order page says "declined" and nothing more, and offers
			// another card.
			b := e.browserClient()
			page := e.do(b, "GET", e.store.URL+"/orders/"+o.Order.Number+"?token="+o.Order.AccessToken, "", nil)
			if alert := textOf(t, page.body, "card-declined"); !strings.Contains(alert, "カードがご利用いただけませんでした") {
				t.Errorf("declined notice %q", alert)
			}
			for _, reason := range []string{"generic_decline", "insufficient", "残高"} {
				if strings.Contains(page.body, reason) {
					t.Errorf("order page tells the reason %q", reason)
				}
			}
			csp := page.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "form-action 'self' "+e.gwServer.URL+";") {
				t.Errorf("CSP form-action does not allow the gateway: %s", csp)
			}
			action, fields := formOf(t, page.body, "csrf_token")
			res := e.do(b, "POST", e.store.URL+action, "application/x-www-form-urlencoded", strings.NewReader(fields.Encode()))
			next := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(next, e.gwServer.URL+"/pay/") || next == o.NextAction.URL {
				t.Fatalf("pay again: %d %q", res.StatusCode, next)
			}
			e.payOnGateway(next, mastercrd, "")
			got = e.waitStatus(o, "paid")
			if got.Order.Payment.Brand != "mastercard" || got.Order.Payment.Last4 != "4444" {
				t.Errorf("payment %+v", got.Order.Payment)
			}
			if n := e.count(`SELECT COUNT(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.number = $1`, o.Order.Number); n != 2 {
				t.Errorf("%d payment attempts, want 2", n)
			}
		})

		t.Run("webhooks lost, reconciliation completes the order", func(t *testing.T) {
			e.setDropWebhooks(true)
			defer e.setDropWebhooks(false)
			o := e.checkoutCard(teaSKU, 1)
			gaveUp := strings.Count(e.log.String(), `msg="webhook given up"`)
			e.payOnGateway(o.NextAction.URL, challenge, gateway.ChallengeCode)
			// The gateway tries each event twice and gives up: wait until it
			// has given up on every event it tried, so that no late retry
			// reaches the store after this subtest.
			testenv.WaitFor(t, 5*time.Second, "the gateway to give up its webhooks", func() bool {
				log := e.log.String()
				n := strings.Count(log, `msg="webhook given up"`)
				return n > gaveUp && n == strings.Count(log, `msg="webhook failed"`)/2
			})
			if got := e.getOrder(o); got.Order.Status != "awaiting_payment" {
				t.Fatalf("order %s without webhooks", got.Order.Status)
			}
			// Too young: reconciliation leaves it to the webhook.
			if n, err := e.pay.Reconcile(context.Background()); err != nil || n != 0 {
				t.Fatalf("reconcile at once: %d, %v", n, err)
			}
			e.advance(2 * time.Minute)
			if n, err := e.pay.Reconcile(context.Background()); err != nil || n != 1 {
				t.Fatalf("reconcile: %d, %v", n, err)
			}
			if got := e.getOrder(o); got.Order.Status != "paid" || got.Order.Payment.Last4 != "3220" {
				t.Errorf("after reconciliation: %+v", got.Order)
			}
		})

		t.Run("forged, stale and replayed webhooks", func(t *testing.T) {
			events := e.gw.Events("")
			ev := events[len(events)-1]
			body := mustJSON(t, ev)
			hook := e.store.URL + web.WebhookPath(gateway.Name)
			post := func(sig string) *response {
				return e.do(e.client, "POST", hook, "application/json", strings.NewReader(body), gateway.SignatureHeader, sig)
			}
			if res := post(gateway.Sign("not-the-secret-0123456789abcdef0123456789", e.clock(), []byte(body))); res.StatusCode != 400 {
				t.Errorf("forged signature: %d", res.StatusCode)
			}
			if res := post(gateway.Sign(gwWebhookSecret, e.clock().Add(-time.Hour), []byte(body))); res.StatusCode != 400 {
				t.Errorf("stale timestamp: %d", res.StatusCode)
			}
			if res := post(""); res.StatusCode != 400 {
				t.Errorf("no signature: %d", res.StatusCode)
			}
			if !strings.Contains(e.log.String(), "webhook refused") {
				t.Error("refused webhooks are not logged")
			}
			// One security event for the provider, counting the refusals.
			var n, count int
			if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(MAX(count), 0) FROM security_events
				WHERE kind = $1 AND target = $2 AND severity = 'warning'`, secevent.KindWebhookBadSig, "provider:"+gateway.Name).Scan(&n, &count); err != nil {
				t.Fatal(err)
			}
			if n != 1 || count != 3 {
				t.Errorf("bad-signature events=%d with count %d, want 1 with 3", n, count)
			}
			changes := e.count(`SELECT COUNT(*) FROM order_events`)
			if res := post(gateway.Sign(gwWebhookSecret, e.clock(), []byte(body))); res.StatusCode != 200 {
				t.Errorf("replayed event: %d", res.StatusCode)
			}
			forgedBody := strings.Replace(body, `"captured"`, `"refunded"`, 1)
			if res := post(gateway.Sign(gwWebhookSecret, e.clock(), []byte(body))[:20] + "00"); res.StatusCode != 400 {
				t.Errorf("truncated signature: %d", res.StatusCode)
			}
			if res := e.do(e.client, "POST", hook, "application/json", strings.NewReader(forgedBody),
				gateway.SignatureHeader, gateway.Sign(gwWebhookSecret, e.clock(), []byte(body))); res.StatusCode != 400 {
				t.Errorf("altered body: %d", res.StatusCode)
			}
			big := strings.Repeat("x", 70<<10)
			if res := e.do(e.client, "POST", hook, "application/json", strings.NewReader(big),
				gateway.SignatureHeader, gateway.Sign(gwWebhookSecret, e.clock(), []byte(big))); res.StatusCode != 400 {
				t.Errorf("oversized body: %d", res.StatusCode)
			}
			if n := e.count(`SELECT COUNT(*) FROM order_events`); n != changes {
				t.Errorf("order events %d, want %d", n, changes)
			}
		})

		t.Run("expiry returns the stock", func(t *testing.T) {
			before := stock()
			o := e.checkoutCard(teaSKU, 2)
			if stock() != before-2 {
				t.Fatalf("stock %d, want %d", stock(), before-2)
			}
			ref := strings.TrimPrefix(o.NextAction.URL, e.gwServer.URL+"/pay/")
			if n, err := e.pay.ExpireDue(context.Background()); err != nil || n != 0 {
				t.Fatalf("expire before time: %d, %v", n, err)
			}
			e.advance(31 * time.Minute)
			if n, err := e.pay.ExpireDue(context.Background()); err != nil || n != 1 {
				t.Fatalf("expire: %d, %v", n, err)
			}
			got := e.getOrder(o)
			if got.Order.Status != "cancelled" || got.Order.Payment.State != "cancelled" {
				t.Errorf("expired order: %+v", got.Order)
			}
			if stock() != before {
				t.Errorf("stock %d, want %d back", stock(), before)
			}
			if st, err := gateway.NewClient(e.gwServer.URL, gwAPIKey, gwWebhookSecret, nil).Get(context.Background(), ref); err != nil || st.State != payment.Cancelled {
				t.Errorf("gateway payment: %+v, %v", st, err)
			}
			// Too late to pay: the page is closed and the API refuses.
			res := e.api("POST", "/api/v1/orders/"+o.Order.Number+"/payment", "", "Authorization", "Bearer "+o.Order.AccessToken)
			if res.StatusCode != http.StatusConflict {
				t.Errorf("pay after expiry: %d %s", res.StatusCode, res.body)
			}
		})

		t.Run("refunds through the provider", func(t *testing.T) {
			o := e.checkoutCard(teaSKU, 1)
			e.payOnGateway(o.NextAction.URL, visa, "")
			e.waitStatus(o, "paid")
			st, err := e.pay.Refund(context.Background(), o.Order.Number, 300, audit.Actor{Name: "staff@kaede.example"})
			if err != nil || st.State != payment.PartiallyRefunded || st.Refunded != 300 {
				t.Fatalf("partial refund: %+v, %v", st, err)
			}
			if _, err := e.pay.Refund(context.Background(), o.Order.Number, shopYen(o.Order.Total), audit.Actor{Name: "staff@kaede.example"}); err == nil {
				t.Error("refund beyond what is left accepted")
			}
			st, err = e.pay.Refund(context.Background(), o.Order.Number, shopYen(o.Order.Total-300), audit.Actor{Name: "staff@kaede.example"})
			if err != nil || st.State != payment.Refunded || st.Refunded != shopYen(o.Order.Total) {
				t.Fatalf("full refund: %+v, %v", st, err)
			}
			e.waitPaymentState(o, "refunded")
			if n := e.count(`SELECT COUNT(*) FROM payment_operations WHERE kind = 'refund'`); n != 2 {
				t.Errorf("%d refund requests recorded, want 2", n)
			}
			if n := e.count(`SELECT COUNT(*) FROM refunds WHERE provider_ref <> ''`); n != 2 {
				t.Errorf("%d refunds recorded on the order, want 2", n)
			}
			// Stripe and the gateway both send a webhook per refund: the
			// total is counted once whichever arrives first.
			if n := e.count(`SELECT refunded FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.number = $1 ORDER BY p.attempt DESC LIMIT 1`, o.Order.Number); int64(n) != o.Order.Total {
				t.Errorf("refunded %d, want %d", n, o.Order.Total)
			}
		})

		// Last: nothing of a card may exist anywhere in the store.
		scanForCards(t, e)
	})
}

// TestCardManualCapture: with capture at shipment, a paid card makes the
// order placed with the payment authorised; Capture makes it paid.
func TestCardManualCapture(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureManual)
		o := e.checkoutCard(teaSKU, 1)
		back, _ := e.payOnGateway(o.NextAction.URL, visa, "")
		// The return URL alone (no waiting for the webhook) applies it.
		if res := e.do(e.client, "GET", back, "", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("return %d", res.StatusCode)
		}
		got := e.waitStatus(o, "placed")
		if got.Order.Payment.State != "authorized" {
			t.Fatalf("payment %+v", got.Order.Payment)
		}
		if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'order_confirmation'`); n != 1 {
			t.Errorf("%d confirmations, want 1", n)
		}
		for range 2 { // a retried capture takes the money once
			if _, err := e.pay.Capture(context.Background(), o.Order.Number, audit.Actor{Name: "staff@kaede.example"}); err != nil && !strings.Contains(err.Error(), "already captured") {
				t.Fatalf("capture: %v", err)
			}
		}
		got = e.waitStatus(o, "paid")
		if got.Order.Payment.State != "captured" {
			t.Errorf("payment %+v", got.Order.Payment)
		}
		if n := e.count(`SELECT COUNT(*) FROM payment_operations WHERE kind = 'capture'`); n != 1 {
			t.Errorf("%d captures recorded, want 1", n)
		}
	})
}

// TestCardTestingRefused: after five declined cards from one address the
// guard refuses new card payments, and the customer learns nothing of why.
func TestCardTestingRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		for range 5 {
			o := e.checkoutCard(teaSKU, 1)
			if o.NextAction == nil {
				t.Fatalf("no next action for %s", o.Order.Number)
			}
			e.payOnGateway(o.NextAction.URL, declined, "")
			e.waitPaymentState(o, "declined")
			e.waitGuardTold(o, "declined")
		}
		o := e.checkoutCard(teaSKU, 1)
		if o.Order.Status != "awaiting_payment" || o.NextAction != nil {
			t.Fatalf("sixth card order: %+v next %+v", o.Order, o.NextAction)
		}
		res := e.api("POST", "/api/v1/orders/"+o.Order.Number+"/payment", "", "Authorization", "Bearer "+o.Order.AccessToken)
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("pay: %d %s", res.StatusCode, res.body)
		}
		for _, leak := range []string{"ip_", "blocked", "decline", "limit"} {
			if strings.Contains(res.body, leak) {
				t.Errorf("refusal tells %q: %s", leak, res.body)
			}
		}
		if !strings.Contains(e.log.String(), "card attempt refused") {
			t.Error("refusal not logged")
		}
	})
}

// TestCardNotOfferedWithoutProvider: a store without a provider refuses
// card at checkout as not one of the choices.
func TestCardNotOfferedWithoutProvider(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		id := e.newCart(teaSKU, 1)
		res := e.apiCall("POST", "/api/v1/carts/"+id+"/checkout", checkoutBody("13", "card"))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "payment_method") {
			t.Errorf("card without provider: %d %s", res.StatusCode, res.body)
		}
	})
}

func (e *cardEnv) waitPaymentState(o cardOrder, state string) cardOrder {
	e.t.Helper()
	var got cardOrder
	e.poll(func() string {
		if got = e.getOrder(o); got.Order.Payment.State != state {
			return fmt.Sprintf("payment %+v, want %s", got.Order.Payment, state)
		}
		return ""
	})
	return got
}

// waitGuardTold waits until the card-testing guard has the outcome of the
// order's card attempt. The payment's state is committed first and the
// guard told just after, in its own transaction (cardpay.tellGuard): a
// client that reads the order in between sees the decline before the
// guard counts it. An order paid again after a decline has several
// payments: the latest is the one asked about.
func (e *cardEnv) waitGuardTold(o cardOrder, outcome string) {
	e.t.Helper()
	e.poll(func() string {
		var got string
		err := e.db.QueryRowContext(context.Background(), `SELECT f.outcome FROM fraud_attempts f
			JOIN payments p ON p.fraud_attempt = f.id
			JOIN orders o ON o.id = p.order_id
			WHERE o.number = $1 ORDER BY p.id DESC LIMIT 1`, o.Order.Number).Scan(&got)
		if err != nil {
			e.t.Fatalf("guard's attempt of %s: %v", o.Order.Number, err)
		}
		if got != outcome {
			return fmt.Sprintf("guard has %s for %s, want %s", got, o.Order.Number, outcome)
		}
		return ""
	})
}

// textOf is the text of the element with the id, "" if there is none.
func textOf(t *testing.T, body, id string) string {
	t.Helper()
	var out string
	walk(parseHTML(t, body), func(n *html.Node) {
		if v, _ := attr(n, "id"); v == id {
			out = strings.TrimSpace(text(n))
		}
	})
	return out
}

// scanForCards looks through every column of every row of every table,
// the raw database files (SQLite), the log and the requests the store
// received, for the card numbers used, their codes and expiry, and for any
// 13–19-digit number that passes the Luhn check.
func scanForCards(t *testing.T, e *cardEnv) {
	t.Helper()
	// The detector itself finds what it must.
	for _, planted := range []string{"x 4111-1111-1111-1111 y", "pan=4012888888881881&", `"csc":"739"`, "exp 10/31", "3782 822463 10005"} {
		if cardData(planted) == "" {
			t.Fatalf("scanner misses %q", planted)
		}
	}
	var texts []string
	for _, table := range tables(t, e.db) {
		texts = append(texts, tableText(t, e.db, table)...)
	}
	if len(texts) < 100 {
		t.Fatalf("only %d values scanned", len(texts))
	}
	texts = append(texts, e.log.String())
	var mails []string
	rows, err := e.db.Query(`SELECT subject || ' ' || body FROM mail_messages`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m string
		rows.Scan(&m)
		mails = append(mails, m)
	}
	rows.Close()
	if len(mails) == 0 {
		t.Fatal("no mail to scan")
	}
	texts = append(texts, mails...)
	for _, s := range texts {
		if what := cardData(s); what != "" {
			t.Errorf("card data (%s) stored or logged: %.200q", what, s)
		}
	}
	if what := cardData(e.requests.all()); what != "" {
		t.Errorf("a request to the store carried card data (%s)", what)
	}
	if e.db.Dialect == db.SQLite {
		for _, path := range []string{e.db.Path, e.db.Path + "-wal"} {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %s: %v", path, err)
			}
			for _, c := range []card{visa, challenge, declined, mastercrd} {
				for _, form := range []string{c.Number, digitsOnly(c.Number)} {
					if strings.Contains(string(b), form) {
						t.Errorf("%s holds card number %s", path, form)
					}
				}
			}
		}
	}
}

// cardData names the card data in s, or returns "".
func cardData(s string) string {
	for _, c := range []card{visa, challenge, declined, mastercrd} {
		if strings.Contains(s, c.Number) || strings.Contains(s, digitsOnly(c.Number)) {
			return "number " + c.Number
		}
		if strings.Contains(s, c.Expiry) || strings.Contains(s, strings.ReplaceAll(c.Expiry, "/", "%2F")) {
			return "expiry"
		}
		if cscPattern.MatchString(s) {
			return "security code"
		}
	}
	for _, m := range panPattern.FindAllString(s, -1) {
		if d := digitsOnly(m); len(d) >= 13 && len(d) <= 19 && luhn(d) {
			return "Luhn-valid number " + m
		}
	}
	return ""
}

// cscPattern finds the security code as a value of its own (not inside an
// id or a hash).
var cscPattern = regexp.MustCompile(`(^|[^0-9A-Za-z_.:-])739([^0-9A-Za-z_.:-]|$)`)

// panPattern finds runs of digits with single spaces or hyphens between
// them, not inside a longer run of digits or letters.
var panPattern = regexp.MustCompile(`(?:^|[^0-9A-Za-z])([0-9](?:[ -]?[0-9]){12,18})(?:[^0-9A-Za-z]|$)`)

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// tables lists the database's tables (River's too).
func tables(t *testing.T, d *db.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := d.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	if len(out) < 10 {
		t.Fatalf("only %d tables", len(out))
	}
	return out
}

// tableText is every value of every row of the table, as text.
func tableText(t *testing.T, d *db.DB, table string) []string {
	t.Helper()
	rows, err := d.Query(`SELECT * FROM "` + table + `"`)
	if err != nil {
		t.Fatalf("scan %s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		for _, v := range vals {
			switch v := v.(type) {
			case []byte:
				out = append(out, string(v))
			case nil:
			default:
				out = append(out, fmt.Sprint(v))
			}
		}
	}
	if err := rows.Err(); err != nil && err != sql.ErrNoRows {
		t.Fatalf("scan %s: %v", table, err)
	}
	return out
}
