package web

import (
	"errors"
	"io"
	"net/http"

	"kaede/internal/cardpay"
	"kaede/internal/secevent"
)

// WebhookPath is where the store receives the webhooks of the provider
// named name (payment.Provider.Name): the URL to give the provider is the
// store's base URL followed by it.
func WebhookPath(name string) string { return webhookPrefix + name }

// paymentWebhook handles POST /webhooks/{provider}: the provider tells the
// store that a payment changed. The body is read raw (the signature covers
// its exact bytes) and bounded. A bad signature or timestamp is 400 and a
// warning, for monitoring; a replayed or unknown event is 200 and changes
// nothing; a failure on our side is 500, and the provider tries again.
func (s *Server) paymentWebhook(w http.ResponseWriter, r *http.Request) {
	if s.payments == nil || r.PathValue("provider") != s.payments.Provider().Name() {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cardpay.MaxWebhookBody))
	if err != nil {
		s.log.Warn("webhook refused", "request_id", requestID(r), "reason", "body too large or unreadable", "error", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	err = s.payments.Webhook(r.Context(), body, r.Header.Get(s.payments.Provider().WebhookHeader()))
	switch {
	case errors.Is(err, cardpay.ErrBadWebhook):
		s.log.Warn("webhook refused", "request_id", requestID(r), "ip", info(r).IP, "error", err)
		provider := s.payments.Provider().Name()
		s.raise(r.Context(), secevent.Signal{
			Kind: secevent.KindWebhookBadSig, Severity: secevent.Warning, Source: "webhook",
			Target:  "provider:" + provider,
			Summary: "a " + provider + " webhook with a bad signature or timestamp was refused",
			Detail:  map[string]any{"provider": provider, "ip": info(r).IP},
		})
		http.Error(w, "bad request", http.StatusBadRequest)
	case err != nil:
		s.log.Error("webhook failed", "request_id", requestID(r), "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	}
}
