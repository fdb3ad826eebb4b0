package web

import (
	"context"
	"fmt"
	"net/http"

	"kaede/internal/edge"
	"kaede/internal/metrics"
)

// requestInfo is what the middleware learns about a request and the
// handlers need: the edge's information (id, nonce, language, client
// address) and the store's session.
type requestInfo struct {
	*edge.Info
	session *sessionState
	// shell is set while cacheListing renders a page to share: newPage
	// leaves the visitor's user nav out.
	shell bool
}

type infoKey struct{}

// info returns the request's information; a request that did not pass the
// middleware (a unit test calling a helper directly) gets defaults.
func info(r *http.Request) *requestInfo {
	if v, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return v
	}
	return &requestInfo{Info: edge.InfoOf(r), session: &sessionState{}}
}

// requestID returns the id the access log and error pages show for r.
func requestID(r *http.Request) string { return info(r).ID }

// middleware wraps the route table, outermost first: the request id,
// client address and access log see everything; the security headers are
// set before anything can write; recovery sits inside them so a crash
// still gets the headers and a log line with status 500; then the
// cross-origin check, the language, maintenance (which needs the language
// for its notice and must answer before any session is looked up), the
// session and the CSRF token.
func (s *Server) middleware(h http.Handler) (http.Handler, error) {
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(s.origin); err != nil {
		return nil, fmt.Errorf("web: BaseURL as trusted origin: %w", err)
	}
	// Browsers send violation reports without Origin or Sec-Fetch-Site
	// guarantees; the endpoint changes nothing but a log.
	cop.AddInsecureBypassPattern("POST /csp-report")
	// Webhooks come from the provider's servers, not a browser; their
	// signature is their proof.
	cop.AddInsecureBypassPattern("POST " + webhookPrefix + "{provider}")
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))

	return edge.Chain(h,
		metrics.HTTP("store"),
		edge.WithInfo(s.cfg.TrustedProxies),
		withSessionState,
		edge.AccessLog{Log: s.log, Message: "request",
			Quiet:   func(r *http.Request) bool { return r.URL.Path == "/healthz" },
			Observe: s.observeStatus}.Middleware,
		s.securityHeaders().Middleware,
		edge.Recover(s.log, s.respondError),
		cop.Handler,
		edge.Language{Cookies: s.cookies, Cookie: langCookie, Header: isAPI}.Middleware,
		s.maintenance,
		s.loadSession,
		s.checkCSRF().Middleware,
	), nil
}

// withSessionState gives the request an empty session, which loadSession
// fills from the cookie.
func withSessionState(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := &requestInfo{Info: edge.InfoOf(r), session: &sessionState{}}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, in)))
	})
}

// crossOriginDenied answers a request that http.CrossOriginProtection
// judged cross-site: a browser form posted from another site.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("cross-origin request refused", "request_id", requestID(r), "path", r.URL.Path,
		"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	s.respondError(w, r, edge.ErrCSRF)
}

// observeStatus counts server errors for the 5xx burst, except the 503s
// the shop asked for: while maintenance is on or checkout is stopped, a
// 503 is the switch answering, not the store failing.
func (s *Server) observeStatus(status int) {
	if status == http.StatusServiceUnavailable && s.switches != nil {
		st, _ := s.switches.State(context.Background()) // cached; the last known on error
		if st.Maintenance() || !st.Checkout() || !st.CardPayments() {
			return
		}
	}
	s.errors5xx.Observe(status)
}
