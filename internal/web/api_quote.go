package web

import (
	"fmt"
	"net/http"

	"kaede/internal/checkout"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// apiQuoteResponse wraps a quote: what the client must show its customer
// on the final confirmation screen before placing the order.
type apiQuoteResponse struct {
	Quote apiQuoteJSON `json:"quote"`
}

// apiQuoteJSON is a priced cart with the checkout's input. Fingerprint
// goes back as checkout's quote_fingerprint (and Total as its
// expected_total) so that the order placed is the one shown.
type apiQuoteJSON struct {
	Fingerprint   string              `json:"fingerprint"`
	Lines         []apiOrderLineJSON  `json:"lines"`
	Subtotal      shop.Yen            `json:"subtotal"`
	ShippingFee   shop.Yen            `json:"shipping_fee"`
	CODFee        shop.Yen            `json:"cod_fee"`
	CouponCode    string              `json:"coupon_code,omitempty"`
	Discount      shop.Yen            `json:"discount"` // the coupon's, tax included; taxes are after it
	Total         shop.Yen            `json:"total"`
	Tax           []apiTaxJSON        `json:"tax"`
	PaymentMethod order.PaymentMethod `json:"payment_method"`
	PaymentTime   string              `json:"payment_time"`
	PaymentDue    string              `json:"payment_due,omitempty"`
	DeliveryDate  string              `json:"delivery_date"`
	DeliverySlot  string              `json:"delivery_slot"`
	DeliveryTime  string              `json:"delivery_time"`
	ReturnPolicy  string              `json:"return_policy"`
	InvoiceNumber string              `json:"invoice_number"`
}

// apiQuote prices the cart with the checkout's body, without placing
// anything: the API's confirmation screen.
func (s *Server) apiQuote(w http.ResponseWriter, r *http.Request) {
	var req apiCheckoutRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	q, err := s.checkout.Quote(r.Context(), s.checkoutInput(r, req))
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: quote: %w", prefectureChoice(err, req.ShippingAddress.Prefecture)))
		return
	}
	writeJSON(w, http.StatusOK, apiQuoteResponse{Quote: quoteJSON(q)})
}

// quoteJSON is q as the API shows it.
func quoteJSON(q *checkout.Quote) apiQuoteJSON {
	out := apiQuoteJSON{Fingerprint: q.Fingerprint(), Lines: make([]apiOrderLineJSON, 0, len(q.Lines)),
		Subtotal: q.Subtotal, ShippingFee: q.ShippingFee, CODFee: q.CODFee, Discount: q.Discount, Total: q.Total,
		Tax: make([]apiTaxJSON, 0, len(q.Taxes)), PaymentMethod: q.PaymentMethod, PaymentTime: q.PaymentTime,
		PaymentDue: q.PaymentDue, DeliveryDate: q.DeliveryDate, DeliverySlot: q.DeliverySlot,
		DeliveryTime: q.DeliveryTime, ReturnPolicy: q.ReturnPolicy, InvoiceNumber: q.InvoiceNumber}
	for _, t := range q.Taxes {
		out.Tax = append(out.Tax, apiTaxJSON{Rate: t.Rate, Taxable: t.Taxable, Tax: t.Tax})
	}
	for _, l := range q.Lines {
		out.Lines = append(out.Lines, apiOrderLineJSON{SKU: l.SKU,
			Name: checkout.LineName(l.ProductNameJa, l.LabelJa), NameEn: checkout.LineName(l.ProductNameEn, l.LabelEn),
			TaxRate: l.TaxRate, UnitPrice: l.UnitPrice, Quantity: l.Quantity, LineTotal: l.LineTotal})
	}
	return out
}
