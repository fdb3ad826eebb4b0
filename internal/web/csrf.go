package web

import (
	"html/template"
	"net/http"

	"kaede/internal/edge"
	"kaede/internal/shop"
)

// Form bodies are small; a multipart form may carry an image (a licence
// scan), which goes to a temporary file beyond Memory.
var formLimits = edge.FormLimits{Body: 1 << 20, Multipart: 10 << 20, Memory: 1 << 20}

// errLoginRequired refuses a member-only action to a guest.
var errLoginRequired = shop.Errorf(shop.Unauthorized, "log in first")

// csrfInput is the hidden field every form template includes as
// {{.CSRF}}: the token of the session id, so a token is worth nothing for
// any other session or after the id rotates at login. It gives the
// visitor a session id if they have none.
func (s *Server) csrfInput(w http.ResponseWriter, r *http.Request) template.HTML {
	return s.csrf.Input(s.ensureSessionID(w, r))
}

// checkCSRF requires a valid csrf_token on every state-changing request of
// the HTML surface (see edge.CheckCSRF).
//
// Exempt: the JSON API, which uses no cookies — a request there is
// authenticated by a cart id or bearer token in the request itself, which
// another site cannot make a browser send, so there is no ambient
// credential to forge with; /csp-report, which only logs; and provider
// webhooks, which carry no cookie and are verified by their signature.
func (s *Server) checkCSRF() edge.CheckCSRF {
	return edge.CheckCSRF{
		CSRF:   s.csrf,
		Limits: formLimits,
		Log:    s.log,
		Exempt: func(r *http.Request) bool {
			return isAPI(r) || r.URL.Path == "/csp-report" || isWebhook(r)
		},
		Value:  func(r *http.Request) string { return info(r).session.id },
		Refuse: s.respondError,
	}
}
