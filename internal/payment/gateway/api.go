package gateway

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kaede/internal/edge"
	"kaede/internal/payment"
	"kaede/internal/shop"
)

// maxAPIBody bounds a merchant API request: the largest, a new payment,
// is a few hundred bytes.
const maxAPIBody = 64 << 10

// maxAmount is the largest payment the gateway takes: ¥99,999,999.
const maxAmount shop.Yen = 99_999_999

// api guards the merchant API: the bearer key, compared in constant time
// (over hashes, so that not even the key's length leaks).
func (s *Server) api(next http.HandlerFunc) http.Handler {
	want := sha256.Sum256([]byte(s.cfg.APIKey))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kaede-test-gateway"`)
			s.apiError(w, r, shop.Errorf(shop.Unauthorized, "missing or wrong API key"))
			return
		}
		next(w, r)
	})
}

// errBadRequest marks an error that is the request's form, not its content
// (a body that is not JSON, a missing header): 400 rather than 422.
var errBadRequest = errors.New("bad request")

// apiErrorBody is the JSON of every API error.
type apiErrorBody struct {
	Error struct {
		Code    shop.Code         `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

// apiError answers with the error as JSON. Internal errors are logged and
// shown only as "internal error".
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	status := edge.Status(err)
	if errors.Is(err, errBadRequest) {
		status = http.StatusBadRequest
	}
	if status >= 500 {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	var body apiErrorBody
	body.Error.Code = shop.ErrorCode(err)
	body.Error.Message = shop.ErrorMessage(err)
	body.Error.Fields = shop.ErrorFields(err)
	writeJSON(w, status, body)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// badRequest is an Invalid error that is also errBadRequest.
type badRequest struct{ err *shop.Error }

func (b badRequest) Error() string   { return b.err.Error() }
func (b badRequest) Unwrap() []error { return []error{b.err, errBadRequest} }

// decodeJSON reads the body into v, strictly: unknown fields and values of
// the wrong type are named in the error, which is a 400.
func decodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return badRequest{&shop.Error{Code: shop.Invalid, Message: "request body too large or unreadable", Fields: map[string]string{"body": shop.ReasonLength}}}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		return nil
	}
	field, reason := "body", shop.ReasonFormat
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		field = typeErr.Field
	} else if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, reason = strings.Trim(name, `"`), "unknown"
	}
	return badRequest{&shop.Error{Code: shop.Invalid, Message: "the request body is not the expected JSON", Fields: map[string]string{field: reason}}}
}

// createRequest is the body of POST /v1/payments.
type createRequest struct {
	Order     string   `json:"order"`
	Amount    shop.Yen `json:"amount"`
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Phone     string   `json:"phone"`
	ReturnURL string   `json:"return_url"`
	CancelURL string   `json:"cancel_url"`
	Capture   string   `json:"capture"`
	// Method is card (the default), konbini or paypay; a konbini payment
	// needs VoucherExpiresAt, unix seconds, at most 60 days ahead.
	Method           string `json:"method,omitempty"`
	VoucherExpiresAt int64  `json:"voucher_expires_at,omitempty"`
}

// validate checks every field and reports all the bad ones at once.
func (c *createRequest) validate() error {
	p := shop.Problems{}
	c.Order = strings.TrimSpace(c.Order)
	shop.CheckText(p, "order", c.Order, true, 64)
	switch {
	case c.Amount == 0:
		p.Add("amount", shop.ReasonRequired)
	case c.Amount < 1 || c.Amount > maxAmount:
		p.Add("amount", shop.ReasonRange)
	}
	c.Email = strings.TrimSpace(c.Email)
	if c.Email == "" {
		p.Add("email", shop.ReasonRequired)
	} else if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > 254 {
		p.Add("email", shop.ReasonFormat)
	}
	c.Name = strings.TrimSpace(c.Name)
	shop.CheckText(p, "name", c.Name, false, 100)
	c.Phone = strings.TrimSpace(c.Phone)
	shop.CheckText(p, "phone", c.Phone, false, 30)
	checkURL(p, "return_url", c.ReturnURL, true)
	checkURL(p, "cancel_url", c.CancelURL, false)
	switch payment.CaptureMode(c.Capture) {
	case "":
		c.Capture = string(payment.CaptureAutomatic)
	case payment.CaptureAutomatic, payment.CaptureManual:
	default:
		p.Add("capture", shop.ReasonChoice)
	}
	switch c.Method {
	case "", payment.MethodCard:
		c.Method = payment.MethodCard
	case payment.MethodKonbini, payment.MethodPayPay:
		// Paid in full when paid: nothing to capture later.
		if c.Capture != string(payment.CaptureAutomatic) {
			p.Add("capture", shop.ReasonChoice)
		}
	default:
		p.Add("method", shop.ReasonChoice)
	}
	if c.Method != payment.MethodKonbini && c.VoucherExpiresAt != 0 {
		p.Add("voucher_expires_at", "unknown")
	}
	return p.Err()
}

// maxVoucherDays is the longest a konbini voucher lives, as at Stripe.
const maxVoucherDays = 60

// checkVoucherExpiry wants a konbini voucher's expiry after now and at most
// maxVoucherDays (and a day's slack for the end-of-day rule) ahead.
func checkVoucherExpiry(p shop.Problems, c *createRequest, now time.Time) {
	if c.Method != payment.MethodKonbini {
		return
	}
	at := time.Unix(c.VoucherExpiresAt, 0)
	switch {
	case c.VoucherExpiresAt == 0:
		p.Add("voucher_expires_at", shop.ReasonRequired)
	case !at.After(now) || at.After(now.AddDate(0, 0, maxVoucherDays+1)):
		p.Add("voucher_expires_at", shop.ReasonRange)
	}
}

// checkURL wants an absolute http(s) URL without a fragment or user info:
// the customer is sent there.
func checkURL(p shop.Problems, field, s string, required bool) {
	if s == "" {
		if required {
			p.Add(field, shop.ReasonRequired)
		}
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" || len(s) > 2000 {
		p.Add(field, shop.ReasonFormat)
	}
}

// createPayment handles POST /v1/payments.
func (s *Server) createPayment(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.apiError(w, r, err)
		return
	}
	p := shop.Problems{}
	if checkVoucherExpiry(p, &req, s.clock()); p.Err() != nil {
		s.apiError(w, r, p.Err())
		return
	}
	if req.CancelURL == "" {
		req.CancelURL = req.ReturnURL
	}
	now := s.clock()
	rec := record{
		ID: newID("pay_"), Order: req.Order, Amount: req.Amount, Email: req.Email, Name: req.Name,
		Phone: req.Phone, ReturnURL: req.ReturnURL, CancelURL: req.CancelURL,
		Capture: payment.CaptureMode(req.Capture), State: payment.Pending, Created: now, Updated: now,
	}
	if req.Method != payment.MethodCard {
		rec.Method = req.Method
	}
	if req.Method == payment.MethodKonbini {
		rec.VoucherNumber, rec.VoucherExpires = newVoucherNumber(), time.Unix(req.VoucherExpiresAt, 0).UTC()
	}
	if err := s.insert(rec); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.log.Info("payment created", "payment", rec.ID, "order", rec.Order, "amount", int64(rec.Amount), "capture", rec.Capture)
	writeJSON(w, http.StatusCreated, s.view(rec))
}

// getPayment handles GET /v1/payments/{id}.
func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) {
	rec, err := s.find(r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(rec))
}

// amountRequest is the body of a capture or a refund.
type amountRequest struct {
	Amount shop.Yen `json:"amount"`
}

// readAmount decodes and checks an amount that must be 1 or more.
func readAmount(r *http.Request) (shop.Yen, error) {
	var req amountRequest
	if err := decodeJSON(r, &req); err != nil {
		return 0, err
	}
	p := shop.Problems{}
	switch {
	case req.Amount == 0:
		p.Add("amount", shop.ReasonRequired)
	case req.Amount < 0 || req.Amount > maxAmount:
		p.Add("amount", shop.ReasonRange)
	}
	return req.Amount, p.Err()
}

// capturePayment handles POST /v1/payments/{id}/capture: an authorized
// payment is captured for amount (the rest of the hold is released).
func (s *Server) capturePayment(w http.ResponseWriter, r *http.Request) {
	amount, err := readAmount(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rec, err := s.change(r.PathValue("id"), func(p *record) error {
		if p.State != payment.Authorized {
			return stateConflict(p, "captured")
		}
		if amount > p.Amount {
			return &shop.Error{Code: shop.Invalid, Message: fmt.Sprintf("capture exceeds the authorized %d", p.Amount), Fields: map[string]string{"amount": shop.ReasonRange}}
		}
		p.State, p.Captured = payment.Captured, amount
		return nil
	})
	s.respondPayment(w, r, rec, err)
}

// cancelPayment handles POST /v1/payments/{id}/cancel: a payment not yet
// captured is cancelled, and its hold, if any, released.
func (s *Server) cancelPayment(w http.ResponseWriter, r *http.Request) {
	if err := decodeJSON(r, &struct{}{}); err != nil {
		s.apiError(w, r, err)
		return
	}
	rec, err := s.change(r.PathValue("id"), func(p *record) error {
		switch p.State {
		case payment.Pending, payment.RequiresAction, payment.Authorized:
			p.State, p.Challenge = payment.Cancelled, ""
			return nil
		}
		return stateConflict(p, "cancelled")
	})
	s.respondPayment(w, r, rec, err)
}

// refundPayment handles POST /v1/payments/{id}/refunds: part or all of
// what was captured goes back; never more than was captured in total.
func (s *Server) refundPayment(w http.ResponseWriter, r *http.Request) {
	amount, err := readAmount(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rec, err := s.change(r.PathValue("id"), func(p *record) error {
		if p.State != payment.Captured && p.State != payment.PartiallyRefunded {
			return stateConflict(p, "refunded")
		}
		if left := p.Captured - p.Refunded; amount > left {
			return &shop.Error{Code: shop.Invalid, Message: "refund exceeds the captured amount not yet refunded (" + strconv.FormatInt(int64(left), 10) + ")", Fields: map[string]string{"amount": shop.ReasonRange}}
		}
		p.Refunded += amount
		p.State = payment.PartiallyRefunded
		if p.Refunded == p.Captured {
			p.State = payment.Refunded
		}
		return nil
	})
	s.respondPayment(w, r, rec, err)
}

// respondPayment answers a change with the payment or the error.
func (s *Server) respondPayment(w http.ResponseWriter, r *http.Request, rec record, err error) {
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(rec))
}

// stateConflict refuses a change the payment's state does not allow.
func stateConflict(p *record, want string) error {
	return shop.Errorf(shop.Conflict, "payment is %s and cannot be %s", p.State, want)
}

// fingerprint identifies a request for its idempotency key: the same key
// with another method, path or body is a mistake, not a retry. The body
// is compared as JSON values, so whitespace and key order do not count.
func fingerprint(method, path string, body []byte) string {
	var v any
	if err := json.Unmarshal(body, &v); err == nil {
		body, _ = json.Marshal(v)
	}
	h := sha256.New()
	io.WriteString(h, method+" "+path+"\n")
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
