package web

import (
	"fmt"
	"net/http"

	"kaede/internal/cardpay"
)

// apiNextAction tells an API client what the customer must do to finish
// the order: for a card, open the provider's page (never a page of ours:
// the card is typed there).
type apiNextAction struct {
	Type string `json:"type"` // "redirect"
	URL  string `json:"url"`
}

// apiOrderPayment is POST /api/v1/orders/{number}/payment (Bearer access
// token): it resumes the card payment in progress, or starts a new one
// after a declined card, and answers with the order and where to send the
// customer.
func (s *Server) apiOrderPayment(w http.ResponseWriter, r *http.Request) {
	token := bearerToken(r)
	o, err := s.orders.GetWithToken(r.Context(), r.PathValue("number"), token)
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: order payment: %w", err))
		return
	}
	if s.payments == nil {
		s.writeJSONError(w, r, fmt.Errorf("api: order payment %s: card payments are not configured", o.Number))
		return
	}
	target, err := s.payments.Start(r.Context(), o.Number, token, apiCardClient(r, o.Number))
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: order payment: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, apiOrderResponse{Order: orderJSON(o, ""), NextAction: &apiNextAction{Type: "redirect", URL: target}})
}

// apiCardNextAction starts the card payment of an order checkout has just
// placed. A provider that cannot be reached leaves the order awaiting
// payment with no next action; the client retries with apiOrderPayment.
func (s *Server) apiCardNextAction(r *http.Request, number, token string) *apiNextAction {
	target, err := s.payments.Start(r.Context(), number, token, apiCardClient(r, number))
	if err != nil {
		s.log.Warn("card payment not started", "request_id", requestID(r), "order", number, "error", err)
		return nil
	}
	return &apiNextAction{Type: "redirect", URL: target}
}

// apiCardClient is an API buyer for the card-testing guard. The API has no
// session: the order stands in for it, and the per-address and per-e-mail
// limits do the rest.
func apiCardClient(r *http.Request, number string) cardpay.Client {
	return cardpay.Client{SessionKey: "api-order:" + number, IP: info(r).IP}
}
