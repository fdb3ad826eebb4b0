package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"kaede/internal/checkout"
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// apiCheckoutRequest is the body of POST /api/v1/carts/{id}/checkout.
type apiCheckoutRequest struct {
	Email           string            `json:"email"`
	ShippingAddress apiAddressRequest `json:"shipping_address"`
	PaymentMethod   string            `json:"payment_method"`
	DeliveryDate    string            `json:"delivery_date"`
	DeliverySlot    string            `json:"delivery_slot"`
	Note            string            `json:"note"`
	// Locale is the language of the order's e-mails; it defaults to the
	// request's Accept-Language.
	Locale string `json:"locale"`
	// QuoteFingerprint and ExpectedTotal are what the client showed its
	// customer (POST …/quote); placing answers 409 quote_changed when the
	// order would differ. Both optional; ignored by the quote itself.
	QuoteFingerprint string    `json:"quote_fingerprint"`
	ExpectedTotal    *shop.Yen `json:"expected_total"`
	// CouponCode is a coupon to use (optional); a bad one is 422 naming
	// coupon_code.
	CouponCode string `json:"coupon_code"`
}

// apiAddressRequest is a shipping address as JSON.
type apiAddressRequest struct {
	Name       string        `json:"name"`
	NameKana   string        `json:"name_kana"`
	PostalCode string        `json:"postal_code"`
	Prefecture prefectureArg `json:"prefecture"`
	City       string        `json:"city"`
	Line1      string        `json:"line1"`
	Line2      string        `json:"line2"`
	Phone      string        `json:"phone"`
}

// prefectureArg is a prefecture as integrators send it: the Japanese name
// (東京都), the English name (Tokyo) or the JIS code as a string ("13") or
// a number (13). It keeps the raw text; shop.LookupPrefecture judges it
// after decoding, so that a bad prefecture is reported with the other
// fields and not as a malformed body.
type prefectureArg string

// UnmarshalJSON accepts any JSON value: a string as its text, null as
// empty, anything else (a number, true, an object) as its JSON text, which
// names a prefecture only when it is a JIS code.
func (p *prefectureArg) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("prefecture: %w", err)
		}
		*p = prefectureArg(strings.TrimSpace(s))
	case string(b) == "null":
		*p = ""
	default:
		*p = prefectureArg(b)
	}
	return nil
}

// code returns the JIS code, 0 when p is empty or unknown.
func (p prefectureArg) code() int {
	pref, ok := shop.LookupPrefecture(string(p))
	if !ok {
		return 0
	}
	return pref.Code
}

// apiOrderResponse wraps an order, in the checkout's answer and the order view alike.
type apiOrderResponse struct {
	Order apiOrderJSON `json:"order"`
	// NextAction is set when the customer has something to do: a card
	// order awaiting payment is paid on the provider's page.
	NextAction *apiNextAction `json:"next_action,omitempty"`
}

// apiOrderJSON is an order as its customer sees it. All amounts are
// tax-included yen; Tax breaks the total down per rate.
type apiOrderJSON struct {
	Number          string              `json:"number"`
	Status          order.Status        `json:"status"`
	Total           shop.Yen            `json:"total"`
	Subtotal        shop.Yen            `json:"subtotal"`
	ShippingFee     shop.Yen            `json:"shipping_fee"`
	CODFee          shop.Yen            `json:"cod_fee"`
	PaymentMethod   order.PaymentMethod `json:"payment_method"`
	Tax             []apiTaxJSON        `json:"tax"`
	InvoiceNumber   string              `json:"invoice_number"`
	AccessToken     string              `json:"access_token,omitempty"` // checkout's answer only
	Email           string              `json:"email"`
	ShippingAddress apiAddressJSON      `json:"shipping_address"`
	DeliveryDate    string              `json:"delivery_date"`
	DeliverySlot    string              `json:"delivery_slot"`
	Note            string              `json:"note"`
	Lines           []apiOrderLineJSON  `json:"lines"`
	Payment         apiPaymentJSON      `json:"payment"`
	CreatedAt       time.Time           `json:"created_at"`
}

// apiTaxJSON is the consumption tax of one rate, computed once per order.
type apiTaxJSON struct {
	Rate    shop.TaxRate `json:"rate"`
	Taxable shop.Yen     `json:"taxable"` // the tax-excluded amount at this rate
	Tax     shop.Yen     `json:"tax"`
}

// apiAddressJSON is the normalised shipping address of an order.
type apiAddressJSON struct {
	Name           string `json:"name"`
	NameKana       string `json:"name_kana"`
	PostalCode     string `json:"postal_code"`
	Prefecture     string `json:"prefecture"` // the Japanese name
	PrefectureCode int    `json:"prefecture_code"`
	City           string `json:"city"`
	Line1          string `json:"line1"`
	Line2          string `json:"line2"`
	Phone          string `json:"phone"`
}

// apiOrderLineJSON is one item as sold, at the price of the day.
type apiOrderLineJSON struct {
	SKU       string       `json:"sku"`
	Name      string       `json:"name"`
	NameEn    string       `json:"name_en"`
	TaxRate   shop.TaxRate `json:"tax_rate"`
	UnitPrice shop.Yen     `json:"unit_price"`
	Quantity  int          `json:"quantity"`
	LineTotal shop.Yen     `json:"line_total"`
}

// apiPaymentJSON is the order's payment (its latest attempt, for a card);
// brand and last4 are a card's, empty otherwise: nothing else of a card
// exists in Kaede.
type apiPaymentJSON struct {
	Method order.PaymentMethod `json:"method"`
	State  order.PaymentState  `json:"state"`
	Brand  string              `json:"brand"`
	Last4  string              `json:"last4"`
}

// apiCheckout places the cart's order. The Idempotency-Key header makes a
// retry return the first attempt's order; without one the request gets a
// fresh key of its own, so it is never taken for another request.
func (s *Server) apiCheckout(w http.ResponseWriter, r *http.Request) {
	var req apiCheckoutRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	in := s.checkoutInput(r, req)
	// An API buyer has no session: its cart stands for one.
	in.Client = checkout.Client{Addr: info(r).IP, SessionKey: "api-cart:" + in.CartID}
	o, token, err := s.checkout.Place(r.Context(), in)
	if err != nil {
		s.logTooMany(r, "order", err)
		s.writeJSONError(w, r, fmt.Errorf("api: checkout: %w", prefectureChoice(err, req.ShippingAddress.Prefecture)))
		return
	}
	res := apiOrderResponse{Order: orderJSON(o, token)}
	if o.PaymentMethod.ViaProvider() && o.Status == order.AwaitingPayment && s.payments != nil {
		res.NextAction = s.apiCardNextAction(r, o.Number, token)
	}
	w.Header().Set("Location", "/api/v1/orders/"+o.Number)
	// A replay answers 201 too, with the same order and token: the client
	// learns one outcome per key whichever attempt reached it.
	writeJSON(w, http.StatusCreated, res)
}

// checkoutInput is the request as checkout's input.
func (s *Server) checkoutInput(r *http.Request, req apiCheckoutRequest) checkout.Input {
	a := req.ShippingAddress
	in := checkout.Input{
		CartID: r.PathValue("id"),
		Viewer: apiGuest,
		Email:  req.Email,
		Address: shop.Address{Name: a.Name, NameKana: a.NameKana, PostalCode: a.PostalCode,
			Prefecture: a.Prefecture.code(), City: a.City, Line1: a.Line1, Line2: a.Line2, Phone: a.Phone},
		PaymentMethod:    req.PaymentMethod,
		DeliveryDate:     req.DeliveryDate,
		DeliverySlot:     req.DeliverySlot,
		Note:             req.Note,
		Locale:           req.Locale,
		IdempotencyKey:   r.Header.Get("Idempotency-Key"),
		QuoteFingerprint: req.QuoteFingerprint,
		ExpectedTotal:    req.ExpectedTotal,
		CouponCode:       req.CouponCode,
		Client:           checkout.Client{Addr: info(r).IP},
	}
	if in.Locale == "" {
		in.Locale = ui.AcceptLanguage(r.Header.Get("Accept-Language"))
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = newIdempotencyKey()
	}
	return in
}

// newIdempotencyKey is 128 random bits for a request that brought no key.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return hex.EncodeToString(b)
}

// prefectureChoice corrects checkout's verdict on a prefecture the client
// did send but that names no prefecture: checkout saw code 0 and reported
// it missing; the client needs to hear that it is not one of the choices.
func prefectureChoice(err error, sent prefectureArg) error {
	const field = "shipping_address.prefecture"
	fields := shop.ErrorFields(err)
	if sent == "" || fields[field] != shop.ReasonRequired {
		return err
	}
	fields = maps.Clone(fields)
	fields[field] = shop.ReasonChoice
	return &shop.Error{Code: shop.Invalid, Message: shop.ErrorMessage(err), Fields: fields}
}

// apiOrder shows an order to whoever holds its access token. A missing or
// wrong token is a 404 like an unknown number, so that the API does not
// reveal which order numbers exist.
func (s *Server) apiOrder(w http.ResponseWriter, r *http.Request) {
	o, err := s.orders.GetWithToken(r.Context(), r.PathValue("number"), bearerToken(r))
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: order: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, apiOrderResponse{Order: orderJSON(o, "")})
}

// bearerToken returns the token of an "Authorization: Bearer …" header,
// or "". The scheme is case-insensitive (RFC 9110).
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// orderJSON is o as its customer sees it; token is given to checkout's
// answer only.
func orderJSON(o *order.Order, token string) apiOrderJSON {
	a := o.Address
	out := apiOrderJSON{Number: o.Number, Status: o.Status, Total: o.Total, Subtotal: o.Subtotal,
		ShippingFee: o.ShippingFee, CODFee: o.CODFee, PaymentMethod: o.PaymentMethod,
		Tax: make([]apiTaxJSON, 0, len(o.Taxes)), InvoiceNumber: o.InvoiceNumber, AccessToken: token,
		Email: o.Email,
		ShippingAddress: apiAddressJSON{Name: a.Name, NameKana: a.NameKana, PostalCode: a.PostalCode,
			Prefecture: a.PrefectureName(), PrefectureCode: a.Prefecture, City: a.City, Line1: a.Line1,
			Line2: a.Line2, Phone: a.Phone},
		DeliveryDate: o.DeliveryDate, DeliverySlot: o.DeliverySlot, Note: o.Note,
		Lines: make([]apiOrderLineJSON, 0, len(o.Lines)),
		Payment: apiPaymentJSON{Method: o.Payment.Method, State: o.Payment.State, Brand: o.Payment.Brand,
			Last4: o.Payment.Last4},
		CreatedAt: o.CreatedAt.UTC(),
	}
	for _, t := range o.Taxes {
		out.Tax = append(out.Tax, apiTaxJSON{Rate: t.Rate, Taxable: t.Taxable, Tax: t.Tax})
	}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, apiOrderLineJSON{SKU: l.SKU, Name: l.Name, NameEn: l.NameEn, TaxRate: l.TaxRate,
			UnitPrice: l.UnitPrice, Quantity: l.Quantity, LineTotal: l.LineTotal})
	}
	return out
}
