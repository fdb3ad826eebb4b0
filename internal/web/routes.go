package web

import (
	"net/http"
	"strings"
)

// apiPrefix is where the JSON API lives. Requests under it carry no
// cookies: they authenticate by cart id or bearer token, get JSON errors,
// are never stored by caches, and are exempt from the CSRF form token
// (see checkCSRF); the cross-origin check still applies to them.
const apiPrefix = "/api/"

// loginPath is where s.member sends a visitor who is not logged in.
const loginPath = "/login"

// routes is the store's whole route table. Each line names who may call
// it through the group it is registered in:
//
//   - mux.HandleFunc: public — anyone; pages may be kept by the browser
//     (Cache-Control: private, no-cache), never by a shared cache.
//   - s.private(…): pages with session-specific content (cart, checkout):
//     Cache-Control: no-store.
//   - s.member(…): private pages for a logged-in member; others are sent to
//     loginPath.
//   - s.secret(…): pages with a token in the URL (order view for guests,
//     password reset): no-store and Referrer-Policy: no-referrer.
//   - apiPrefix: the JSON API — register "METHOD /api/…" with
//     mux.HandleFunc; no-store, JSON errors and no cookies are applied by
//     path.
//
// Every POST/PUT/PATCH/DELETE outside the API needs the form's csrf_token
// ({{.CSRF}} in the template); checkCSRF enforces it before any handler.
// The top page is "GET /{$}": "/" is the not-found page.
func (s *Server) routes() {
	mux := s.mux

	// Operations: no layout, no session.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("POST /csp-report", s.cspReport)
	// Card provider webhooks: signed by the provider, no session, no
	// CSRF token (see isWebhook).
	mux.HandleFunc("POST "+webhookPrefix+"{provider}", s.paymentWebhook)
	mux.Handle("GET /static/{name}", staticHeaders(http.HandlerFunc(s.staticFile)))
	mux.Handle("GET /media/{path...}", mediaHeaders(http.HandlerFunc(s.mediaFile)))

	// Public pages.
	mux.HandleFunc("GET /legal/tokushoho", s.tokushohoPage)
	mux.HandleFunc("GET /legal/{slug}", s.contentPage)

	// Session.
	mux.Handle("POST /logout", s.private(s.logoutAction))

	// Each surface's route table lives in its own file.
	s.storeRoutes(mux)
	s.accountRoutes(mux)
	s.contactRoutes(mux)
	s.apiRoutes(mux)
	s.noticeRoutes(mux)

	// Not found: pages get the HTML error page, the API a JSON error.
	mux.HandleFunc(apiPrefix, s.apiNotFound)
	mux.HandleFunc("/", s.notFound)
}

// isAPI reports whether r is for the JSON API.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, apiPrefix) }

// sessionless reports whether r is for a path that never uses the session:
// files, the health check, violation reports and provider webhooks.
func sessionless(r *http.Request) bool {
	p := r.URL.Path
	return p == "/healthz" || p == "/csp-report" || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/media/") ||
		isWebhook(r)
}

// webhookPrefix is where payment providers post their signed webhooks.
const webhookPrefix = "/webhooks/"

// isWebhook reports whether r is a provider's webhook: a server-to-server
// POST that carries no cookie and proves itself by its signature, which
// the handler checks before anything else.
func isWebhook(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, webhookPrefix) }
