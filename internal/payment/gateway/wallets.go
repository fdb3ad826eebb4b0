package gateway

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// The konbini voucher and the PayPay approval page: the gateway's stand-ins
// for Stripe's konbini voucher and PayPay's app. Neither asks the customer
// for anything: a konbini payment is made in cash at a store's till (the
// clerk button plays the clerk scanning the voucher), a PayPay payment in
// the customer's PayPay app (the approve button plays the app).

// konbiniStores are the chains a voucher is paid at, as at Stripe.
var konbiniStores = []string{"ファミリーマート FamilyMart", "ローソン Lawson", "ミニストップ Ministop", "セイコーマート Seicomart"}

// newVoucherNumber is a konbini payment number: 11 random digits, as
// Stripe's confirmation numbers are. It pays this one payment only.
func newVoucherNumber() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e11))
	if err != nil {
		panic(err) // crypto/rand does not fail on a supported platform
	}
	return fmt.Sprintf("%011d", n)
}

// formOf is the CSRF purpose of a payment's own page: its method.
func formOf(rec record) string {
	if rec.Method == "" {
		return payment.MethodCard
	}
	return rec.Method
}

// renderVoucher shows the konbini voucher: number, amount, stores, expiry,
// and the clerk's button.
func (s *Server) renderVoucher(w http.ResponseWriter, rec record) {
	data := s.paymentData(rec, "コンビニ払込票 Konbini voucher")
	data.CSRF = s.csrfToken(payment.MethodKonbini, rec.ID)
	data.VoucherNumber, data.Stores = rec.VoucherNumber, konbiniStores
	data.Expires = rec.VoucherExpires.In(shop.JST).Format("2006-01-02 15:04")
	data.Expired = !s.clock().Before(rec.VoucherExpires)
	s.render(w, http.StatusOK, "konbini", data)
}

// renderPayPay shows the PayPay approval, with approve and cancel.
func (s *Server) renderPayPay(w http.ResponseWriter, rec record) {
	data := s.paymentData(rec, "PayPayで支払う Pay with PayPay")
	data.CSRF = s.csrfToken(payment.MethodPayPay, rec.ID)
	s.render(w, http.StatusOK, "paypay", data, rec.ReturnURL, rec.CancelURL)
}

// payAtTill handles POST /pay/{id}/clerk: the clerk takes the cash for an
// unexpired voucher, and the payment is captured (the webhook tells the
// shop). The customer stays at the store: the page shows the receipt, or
// that the voucher has expired.
func (s *Server) payAtTill(w http.ResponseWriter, r *http.Request) {
	rec, ok, err := s.captureWallet(w, r, payment.MethodKonbini, func(p *record) error {
		if !s.clock().Before(p.VoucherExpires) {
			return shop.Errorf(shop.Conflict, "voucher expired")
		}
		return nil
	})
	if !ok {
		return
	}
	if err != nil && shop.ErrorCode(err) != shop.Conflict {
		s.log.Error("payment change", "payment", rec.ID, "error", err)
		s.renderError(w, http.StatusInternalServerError, msgInternal)
		return
	}
	http.Redirect(w, r, "/pay/"+r.PathValue("id"), http.StatusSeeOther)
}

// approvePayPay handles POST /pay/{id}/approve: the customer approves in
// PayPay, the payment is captured, and the customer goes back to the shop.
func (s *Server) approvePayPay(w http.ResponseWriter, r *http.Request) {
	rec, ok, err := s.captureWallet(w, r, payment.MethodPayPay, nil)
	if ok {
		s.afterChange(w, r, rec, err)
	}
}

// captureWallet captures in full the pending payment of a konbini or
// PayPay form post, unless refuse (when not nil) says no. ok false means
// it has answered already: the payment is not pending, not of method, or
// the CSRF token is wrong.
func (s *Server) captureWallet(w http.ResponseWriter, r *http.Request, method string, refuse func(*record) error) (record, bool, error) {
	rec, ok := s.pendingPayment(w, r, payment.Pending, method)
	if !ok {
		return record{}, false, nil
	}
	if rec.Method != method {
		http.Redirect(w, r, "/pay/"+rec.ID, http.StatusSeeOther)
		return record{}, false, nil
	}
	rec, err := s.change(rec.ID, func(p *record) error {
		if p.State != payment.Pending {
			return stateConflict(p, "paid")
		}
		if refuse != nil {
			if err := refuse(p); err != nil {
				return err
			}
		}
		p.State, p.Captured = payment.Captured, p.Amount
		return nil
	})
	return rec, true, err
}
