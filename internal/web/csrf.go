package web

import (
	"html/template"
	"net/http"

	"kaede/internal/edge"
	"kaede/internal/shop"
)

// Form bodies are small, and no store form takes a file: a multipart body
// is never parsed (its fields are not read, so its CSRF token is missing
// and it is refused), so that nobody can make the store write megabytes
// of temporary files before any check.
var formLimits = edge.FormLimits{Body: 1 << 20, Multipart: 1 << 20, Memory: 1 << 20,
	MultipartOK: func(*http.Request) bool { return false }}

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
