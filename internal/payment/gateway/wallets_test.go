package gateway_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// createWallet makes a konbini or PayPay payment of testAmount.
func (h *harness) createWallet(t *testing.T, method string, expires time.Time) payment.Session {
	t.Helper()
	sess, err := h.client.Create(context.Background(), payment.CreateRequest{
		OrderNumber: "K-20260310-0002", Amount: testAmount, Email: "hanako@example.jp", Name: "山田 花子",
		ReturnURL: h.store.srv.URL + "/return?order=K-20260310-0002", CancelURL: h.store.srv.URL + "/cancel",
		Capture: payment.CaptureAutomatic, IdempotencyKey: "create-" + randomKey(),
		Method: method, VoucherExpiresAt: expires,
	})
	if err != nil {
		t.Fatalf("Create %s: %v", method, err)
	}
	return sess
}

// TestKonbiniVoucher: a konbini payment comes with its voucher (11 digits,
// the expiry asked for) on the gateway's page; the page takes no card;
// the clerk's button captures it and a webhook says so.
func TestKonbiniVoucher(t *testing.T) {
	h := newHarness(t)
	expires := time.Date(2026, 3, 13, 23, 59, 59, 0, shop.JST)
	sess := h.createWallet(t, payment.MethodKonbini, expires)
	v := sess.Voucher
	if v == nil || !regexp.MustCompile(`^[0-9]{11}$`).MatchString(v.Number) || !v.ExpiresAt.Equal(expires) || v.URL != sess.RedirectURL {
		t.Fatalf("voucher %+v (page %s)", v, sess.RedirectURL)
	}
	if st := h.status(t, sess.Ref); st.State != payment.Pending || st.Voucher == nil || st.Voucher.Number != v.Number {
		t.Fatalf("status %+v", st)
	}
	p := h.get(t, sess.RedirectURL)
	if got := text(byID(p.doc, "voucher-number")); got != v.Number {
		t.Fatalf("voucher number on the page %q, want %q", got, v.Number)
	}
	if got := text(byID(p.doc, "voucher-expires")); !strings.Contains(got, "2026-03-13 23:59") {
		t.Fatalf("expiry on the page %q", got)
	}
	if findForm(p.doc, "/pay/"+sess.Ref) != nil {
		t.Fatal("the voucher page has a card form")
	}
	p = h.submit(t, p, "/pay/"+sess.Ref+"/clerk", nil)
	if got := text(byID(p.doc, "result")); !strings.Contains(got, "お支払いが完了しました") {
		t.Fatalf("after the till: %q", got)
	}
	ev := h.waitEvent(t, sess.Ref, payment.Captured)
	if ev.Status.Captured != testAmount {
		t.Fatalf("captured %d, want %d", ev.Status.Captured, testAmount)
	}
}

// TestKonbiniVoucherExpired: past its expiry a voucher's page says so and
// the till refuses it; the store can still cancel it.
func TestKonbiniVoucherExpired(t *testing.T) {
	h := newHarness(t)
	expires := time.Date(2026, 3, 13, 23, 59, 59, 0, shop.JST)
	sess := h.createWallet(t, payment.MethodKonbini, expires)
	p := h.get(t, sess.RedirectURL) // loaded in time
	h.clock.set(expires)
	if got := h.get(t, sess.RedirectURL); byID(got.doc, "voucher-expired") == nil || findForm(got.doc, "/pay/"+sess.Ref+"/clerk") != nil {
		t.Fatalf("expired voucher's page:\n%s", got.body)
	}
	h.submit(t, p, "/pay/"+sess.Ref+"/clerk", nil)
	if st := h.status(t, sess.Ref); st.State != payment.Pending {
		t.Fatalf("the till took an expired voucher: %s", st.State)
	}
	st, err := h.client.Cancel(context.Background(), sess.Ref, randomKey())
	if err != nil || st.State != payment.Cancelled {
		t.Fatalf("cancel: %+v %v", st, err)
	}
}

// TestPayPayApproveOrCancel: approving on the PayPay page captures the
// payment and sends the customer back to the shop with the payment's id;
// cancelling sends them to the shop's cancel page.
func TestPayPayApproveOrCancel(t *testing.T) {
	h := newHarness(t)
	sess := h.createWallet(t, payment.MethodPayPay, time.Time{})
	if sess.Voucher != nil {
		t.Fatalf("PayPay voucher %+v", sess.Voucher)
	}
	p := h.submit(t, h.get(t, sess.RedirectURL), "/pay/"+sess.Ref+"/approve", nil)
	if got := p.res.Request.URL; got.Path != "/return" || got.Query().Get("payment") != sess.Ref {
		t.Fatalf("after approving at %s", got)
	}
	h.waitEvent(t, sess.Ref, payment.Captured)

	sess = h.createWallet(t, payment.MethodPayPay, time.Time{})
	p = h.submit(t, h.get(t, sess.RedirectURL), "/pay/"+sess.Ref+"/cancel", nil)
	if got := p.res.Request.URL; got.Path != "/cancel" {
		t.Fatalf("after cancelling at %s", got)
	}
	if st := h.status(t, sess.Ref); st.State != payment.Cancelled {
		t.Fatalf("state %s, want cancelled", st.State)
	}
}
