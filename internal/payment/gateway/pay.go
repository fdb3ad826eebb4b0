package gateway

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// The handlers of the customer's pages: the card form, the 3-D Secure
// challenge, and the cancel button. The card's number, expiry and code are
// read from the form, checked, and dropped when the handler returns.

// cardPage handles GET /pay/{id}: the form while the payment waits for a
// card, the challenge while one waits, the result after.
func (s *Server) cardPage(w http.ResponseWriter, r *http.Request) {
	rec, err := s.find(r.PathValue("id"))
	switch {
	case err != nil:
		s.renderError(w, http.StatusNotFound, msgNotFound)
	case rec.State == payment.RequiresAction:
		http.Redirect(w, r, "/3ds/"+rec.ID, http.StatusSeeOther)
	case rec.State.Final():
		s.renderResult(w, rec)
	case rec.Method == payment.MethodKonbini:
		s.renderVoucher(w, rec)
	case rec.Method == payment.MethodPayPay:
		s.renderPayPay(w, rec)
	default:
		s.renderCard(w, http.StatusOK, rec, nil)
	}
}

// submitCard handles POST /pay/{id}: check the card, authenticate it
// (frictionless, or send the customer to the challenge), and authorise.
func (s *Server) submitCard(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.pendingPayment(w, r, payment.Pending, "card")
	if !ok {
		return
	}
	if rec.Method != "" {
		// A konbini or PayPay payment takes no card.
		http.Redirect(w, r, "/pay/"+rec.ID, http.StatusSeeOther)
		return
	}
	c, problems := checkCard(cardForm{
		Name:   r.PostFormValue("name"),
		Number: r.PostFormValue("number"),
		Expiry: r.PostFormValue("expiry"),
		CSC:    r.PostFormValue("csc"),
	}, s.clock())
	if problems != nil {
		s.renderCard(w, http.StatusUnprocessableEntity, rec, problems)
		return
	}
	rec, err := s.change(rec.ID, func(p *record) error {
		if p.State != payment.Pending {
			return stateConflict(p, "paid")
		}
		p.Brand, p.Last4 = c.Brand, c.Last4
		if c.Challenge != Frictionless {
			p.State, p.Challenge = payment.RequiresAction, c.Challenge
			return nil
		}
		p.ThreeDS = string(Frictionless)
		settle(p, c.Outcome, c.Reason)
		return nil
	})
	s.afterChange(w, r, rec, err)
}

// pendingPayment loads the payment of a form post and checks that it is in
// the state the form was for and that the CSRF token is right. Otherwise
// it answers, and the caller stops.
func (s *Server) pendingPayment(w http.ResponseWriter, r *http.Request, want payment.State, purpose string) (record, bool) {
	rec, err := s.find(r.PathValue("id"))
	if err != nil {
		s.renderError(w, http.StatusNotFound, msgNotFound)
		return record{}, false
	}
	if rec.State != want {
		// A second submit, or the back button: show where it stands.
		http.Redirect(w, r, "/pay/"+rec.ID, http.StatusSeeOther)
		return record{}, false
	}
	if !s.validCSRF(r, purpose, rec.ID) {
		s.log.Warn("csrf token refused", "payment", rec.ID, "form", purpose)
		s.renderError(w, http.StatusForbidden, msgCSRF)
		return record{}, false
	}
	return rec, true
}

// settle gives an authenticated payment its outcome. An authorised
// payment with automatic capture is captured at once.
func settle(p *record, outcome payment.State, reason string) {
	p.Challenge = ""
	if outcome != payment.Authorized {
		p.State, p.Reason = outcome, reason
		return
	}
	p.State = payment.Authorized
	if p.Capture == payment.CaptureAutomatic {
		p.State, p.Captured = payment.Captured, p.Amount
	}
}

// afterChange sends the customer on: to the challenge, back to the shop
// after a success, or to the result page after a decline (which says only
// that the card could not be used, with the way back to the shop).
func (s *Server) afterChange(w http.ResponseWriter, r *http.Request, rec record, err error) {
	var se *shop.Error
	switch {
	case errors.As(err, &se) && se.Code == shop.Conflict:
		// Another submit got there first.
		http.Redirect(w, r, "/pay/"+r.PathValue("id"), http.StatusSeeOther)
	case err != nil:
		s.log.Error("payment change", "payment", r.PathValue("id"), "error", err)
		s.renderError(w, http.StatusInternalServerError, msgInternal)
	case rec.State == payment.RequiresAction:
		http.Redirect(w, r, "/3ds/"+rec.ID, http.StatusSeeOther)
	case rec.State.Succeeded():
		http.Redirect(w, r, withPayment(rec.ReturnURL, rec.ID), http.StatusSeeOther)
	case rec.State == payment.Cancelled:
		http.Redirect(w, r, withPayment(rec.CancelURL, rec.ID), http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/pay/"+rec.ID, http.StatusSeeOther)
	}
}

// challengePage handles GET /3ds/{id}.
func (s *Server) challengePage(w http.ResponseWriter, r *http.Request) {
	rec, err := s.find(r.PathValue("id"))
	switch {
	case err != nil:
		s.renderError(w, http.StatusNotFound, msgNotFound)
	case rec.State != payment.RequiresAction:
		http.Redirect(w, r, "/pay/"+rec.ID, http.StatusSeeOther)
	default:
		s.renderChallenge(w, http.StatusOK, rec, nil)
	}
}

// submitChallenge handles POST /3ds/{id}. Whether the code passes depends
// on the card: a passing card passes with the test code, a failing card
// fails whatever is typed. A wrong code fails the payment outright (one
// try), as a mistyped code would at many issuers' test servers.
func (s *Server) submitChallenge(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.pendingPayment(w, r, payment.RequiresAction, "3ds")
	if !ok {
		return
	}
	code := strings.TrimSpace(shop.Normalize(r.PostFormValue("code")))
	p := shop.Problems{}
	switch {
	case code == "":
		p.Add("code", shop.ReasonRequired)
	case len(code) != len(ChallengeCode) || !allDigits(code):
		p.Add("code", shop.ReasonFormat)
	}
	if len(p) > 0 {
		s.renderChallenge(w, http.StatusUnprocessableEntity, rec, p)
		return
	}
	passed := subtle.ConstantTimeCompare([]byte(code), []byte(ChallengeCode)) == 1
	rec, err := s.change(rec.ID, func(p *record) error {
		if p.State != payment.RequiresAction {
			return stateConflict(p, "authenticated")
		}
		p.ThreeDS = "challenge"
		if passed && p.Challenge == ChallengePasses {
			settle(p, payment.Authorized, "")
		} else {
			settle(p, payment.Failed, ReasonAuthenticationFailed)
		}
		return nil
	})
	s.afterChange(w, r, rec, err)
}

// abandon handles POST /pay/{id}/cancel: the customer gives up. The
// payment is cancelled, so that it cannot be paid later behind the shop's
// back, and the customer goes to the shop's cancel page.
func (s *Server) abandon(w http.ResponseWriter, r *http.Request) {
	rec, err := s.find(r.PathValue("id"))
	if err != nil {
		s.renderError(w, http.StatusNotFound, msgNotFound)
		return
	}
	if rec.State.Final() {
		http.Redirect(w, r, "/pay/"+rec.ID, http.StatusSeeOther)
		return
	}
	if !s.validCSRF(r, formOf(rec), rec.ID) {
		s.renderError(w, http.StatusForbidden, msgCSRF)
		return
	}
	rec, err = s.change(rec.ID, func(p *record) error {
		if p.State.Final() {
			return stateConflict(p, "cancelled")
		}
		p.State, p.Challenge, p.Reason = payment.Cancelled, "", "customer_cancelled"
		return nil
	})
	s.afterChange(w, r, rec, err)
}
