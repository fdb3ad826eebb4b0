package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
)

// declinedMessage is all a customer is told of a decline or failure.
const declinedMessage = "カードがご利用いただけませんでした"

// TestEveryTestCard pays with each card of the table through the real
// form, as a browser would, with the challenge where the card has one.
func TestEveryTestCard(t *testing.T) {
	h := newHarness(t)
	for _, tc := range gateway.TestCards {
		t.Run(tc.Number, func(t *testing.T) {
			sess := h.create(t, payment.CaptureAutomatic)
			csc := testCSC
			if tc.Brand == "amex" {
				csc = testAmexCSC
			}
			p := h.payWith(t, sess, tc.Number, testExpiry, csc)
			if tc.Challenge != gateway.Frictionless {
				if got := p.res.Request.URL.Path; got != "/3ds/"+sess.Ref {
					t.Fatalf("after the card: at %s, want the challenge", got)
				}
				if st := h.status(t, sess.Ref); st.State != payment.RequiresAction {
					t.Fatalf("state=%s, want requires_action", st.State)
				}
				h.waitEvent(t, sess.Ref, payment.RequiresAction)
				p = h.submit(t, p, "/3ds/"+sess.Ref, map[string]string{"code": gateway.ChallengeCode})
			}
			want := tc.Outcome
			if want == payment.Authorized {
				want = payment.Captured
			}
			st := h.status(t, sess.Ref)
			if st.State != want || st.Reason != tc.Reason {
				t.Fatalf("state=%s reason=%q, want %s %q", st.State, st.Reason, want, tc.Reason)
			}
			last4 := tc.Number[len(tc.Number)-4:]
			if st.Brand != tc.Brand || st.Last4 != last4 {
				t.Fatalf("card=%s %s, want %s %s", st.Brand, st.Last4, tc.Brand, last4)
			}
			if want == payment.Captured {
				assertBackAtShop(t, h, p, sess.Ref)
				if st.Captured != testAmount {
					t.Fatalf("captured=%d, want %d", st.Captured, testAmount)
				}
			} else {
				assertDeclinePage(t, p)
			}
			ev := h.waitEvent(t, sess.Ref, want)
			if ev.Status.Brand != tc.Brand || ev.Status.Last4 != last4 || ev.Status.Reason != tc.Reason {
				t.Fatalf("webhook status=%+v", ev.Status)
			}
		})
	}
}

// assertBackAtShop checks that the customer is on the shop's return page
// with only ?payment= added.
func assertBackAtShop(t *testing.T, h *harness, p page, ref string) {
	t.Helper()
	u := p.res.Request.URL
	if u.Host != strings.TrimPrefix(h.store.srv.URL, "http://") || u.Path != "/return" {
		t.Fatalf("ended at %s, want the shop's return page", u)
	}
	q := u.Query()
	if q.Get("payment") != ref || q.Get("order") != "K-20260310-0001" || len(q) != 2 {
		t.Fatalf("return query=%v, want payment=%s and the shop's own order", q, ref)
	}
}

// assertDeclinePage checks that a decline says only that the card could
// not be used, and offers the way back to the shop.
func assertDeclinePage(t *testing.T, p page) {
	t.Helper()
	if got := text(byID(p.doc, "result")); !strings.Contains(got, declinedMessage) {
		t.Fatalf("result=%q, want %q", got, declinedMessage)
	}
	body := strings.ToLower(text(p.doc))
	for _, leak := range []string{"decline_", "generic", "insufficient", "funds", "processing", "authentication_failed", "expired_card", "incorrect", "残高", "不足"} {
		if strings.Contains(body, leak) {
			t.Fatalf("decline page tells the reason (%q):\n%s", leak, p.body)
		}
	}
	if back := byID(p.doc, "back"); back == nil || !strings.Contains(attr(back, "href"), "payment=") {
		t.Fatalf("no way back to the shop:\n%s", p.body)
	}
}

func TestOtherLuhnValidCardSucceeds(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	p := h.payWith(t, sess, "4111-1111-1111-1111", testExpiry, testCSC)
	assertBackAtShop(t, h, p, sess.Ref)
	st := h.status(t, sess.Ref)
	if st.State != payment.Captured || st.Brand != "visa" || st.Last4 != "1111" {
		t.Fatalf("status=%+v, want captured visa 1111", st)
	}
}

func TestFullWidthDigitsAccepted(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	p := h.payWith(t, sess, "４２４２ ４２４２ ４２４２ ４２４２", "１１／３７", "７３９")
	assertBackAtShop(t, h, p, sess.Ref)
}

func TestManualCaptureAuthorizesOnly(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureManual)
	h.payWith(t, sess, "4242 4242 4242 4242", testExpiry, testCSC)
	st := h.status(t, sess.Ref)
	if st.State != payment.Authorized || st.Captured != 0 {
		t.Fatalf("state=%s captured=%d, want authorized 0", st.State, st.Captured)
	}
}

func TestChallengeWrongCodeFails(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	p := h.payWith(t, sess, "4000 0000 0000 3220", testExpiry, testCSC)
	p = h.submit(t, p, "/3ds/"+sess.Ref, map[string]string{"code": "654321"})
	assertDeclinePage(t, p)
	if st := h.status(t, sess.Ref); st.State != payment.Failed || st.Reason != gateway.ReasonAuthenticationFailed {
		t.Fatalf("state=%s reason=%q, want failed authentication_failed", st.State, st.Reason)
	}
}

func TestChallengeCodeFormat(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	p := h.payWith(t, sess, "4000 0000 0000 3220", testExpiry, testCSC)
	for _, code := range []string{"", "12345", "abcdef"} {
		got := h.submit(t, p, "/3ds/"+sess.Ref, map[string]string{"code": code})
		if got.res.StatusCode != http.StatusUnprocessableEntity || byID(got.doc, "code-error") == nil {
			t.Fatalf("code %q: status=%d, want 422 with code-error", code, got.res.StatusCode)
		}
	}
	if st := h.status(t, sess.Ref); st.State != payment.RequiresAction {
		t.Fatalf("state=%s after format errors, want requires_action", st.State)
	}
	p = h.submit(t, p, "/3ds/"+sess.Ref, map[string]string{"code": "１２３４５６"})
	assertBackAtShop(t, h, p, sess.Ref)
}

func TestSecondSubmitShowsResult(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	first := h.get(t, sess.RedirectURL)
	h.submit(t, first, "/pay/"+sess.Ref, map[string]string{"name": "A B", "number": "4000000000000002", "expiry": testExpiry, "csc": testCSC})
	// The same form again (the back button): no second authorisation.
	again := h.submit(t, first, "/pay/"+sess.Ref, map[string]string{"name": "A B", "number": "4242424242424242", "expiry": testExpiry, "csc": testCSC})
	assertDeclinePage(t, again)
	if st := h.status(t, sess.Ref); st.State != payment.Declined {
		t.Fatalf("state=%s, want declined to stay", st.State)
	}
}

func TestCustomerCancels(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	p := h.get(t, sess.RedirectURL)
	p = h.submit(t, p, "/pay/"+sess.Ref+"/cancel", nil)
	if u := p.res.Request.URL; u.Path != "/cancel" || u.Query().Get("payment") != sess.Ref {
		t.Fatalf("ended at %s, want the shop's cancel page", u)
	}
	if st := h.status(t, sess.Ref); st.State != payment.Cancelled {
		t.Fatalf("state=%s, want cancelled", st.State)
	}
	h.waitEvent(t, sess.Ref, payment.Cancelled)
	// The card page no longer takes a card.
	p = h.get(t, sess.RedirectURL)
	if findForm(p.doc, "/pay/"+sess.Ref) != nil {
		t.Fatal("a cancelled payment still shows the card form")
	}
}
