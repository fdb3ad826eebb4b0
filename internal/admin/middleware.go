package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"kaede/internal/edge"
	"kaede/internal/metrics"
	"kaede/internal/staff"
)

// requestInfo is what the middleware learns about a request and the
// handlers need: the edge's information (id, nonce, language, client
// address) and, once a trust group of routes.go has checked the session,
// the staff session.
type requestInfo struct {
	*edge.Info

	token   string // the session cookie's value
	session *staff.Session
	staff   *staff.Staff // the logged-in member of staff
}

type infoKey struct{}

// info returns the request's information; a request that did not pass the
// middleware gets defaults.
func info(r *http.Request) *requestInfo {
	if v, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return v
	}
	return &requestInfo{Info: edge.InfoOf(r)}
}

// middleware wraps the route table, outermost first: request id, client
// address and access log; the security headers before anything can write;
// panic recovery; the IP allow-list before any other work (an outsider
// learns nothing, not even whether a page exists); the cross-origin check;
// the language; the CSRF token (an evidence upload's body read first,
// with the evidence limit: evidenceForm in incidents.go). The pieces are
// the store's (internal/edge), with the admin's own keys, cookies and
// policy.
func (s *Server) middleware(h http.Handler) (http.Handler, error) {
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(s.origin); err != nil {
		return nil, fmt.Errorf("admin: BaseURL as trusted origin: %w", err)
	}
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))

	return edge.Chain(h,
		metrics.HTTP("admin"),
		edge.WithInfo(s.cfg.TrustedProxies),
		withStaffState,
		edge.AccessLog{Log: s.log, Message: "admin request", Attrs: staffAttr}.Middleware,
		s.securityHeaders().Middleware,
		edge.Recover(s.log, s.renderError),
		s.allowList,
		cop.Handler,
		edge.Language{Cookies: s.cookies, Cookie: langCookie}.Middleware,
		s.evidenceForm,
		s.checkCSRF().Middleware,
	), nil
}

// withStaffState gives the request the admin's part of its information,
// empty until a trust group fills it.
func withStaffState(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := &requestInfo{Info: edge.InfoOf(r)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, in)))
	})
}

// staffAttr names the logged-in member of staff in the access log.
func staffAttr(r *http.Request) []slog.Attr {
	if m := info(r).staff; m != nil {
		return []slog.Attr{slog.Int64("staff", m.ID)}
	}
	return nil
}

// allowList refuses every client outside Config.AllowedNets with 403. The
// refusal is logged, not written to the audit log: an outsider must not be
// able to grow the hash-chained log (whose appends serialise every writer)
// at will, and nobody is logged in to name as the actor.
func (s *Server) allowList(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(s.cfg.AllowedNets) == 0 || s.allowed(info(r).IP) {
			next.ServeHTTP(w, r)
			return
		}
		s.log.Warn("admin: address not allowed", "request_id", info(r).ID, "ip", info(r).IP, "path", r.URL.Path)
		s.renderError(w, r, errNotAllowed)
	})
}

func (s *Server) allowed(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range s.cfg.AllowedNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// securityHeaders are the admin's: the store's policy without its report
// endpoint and card provider, and nothing kept by any cache, the
// browser's included: pages show customers' and staff's data, and a
// shared computer's back button must not bring them back. Admin URLs can
// hold tokens (enrolment) and say what staff look at: no referrer.
func (s *Server) securityHeaders() edge.Headers {
	return edge.Headers{
		HTTPS:    s.https,
		Referrer: "no-referrer",
		Extra: func(h http.Header, _ *http.Request) {
			h.Set("Cache-Control", "no-store")
			h.Set("X-Robots-Tag", "noindex, nofollow")
		},
	}
}

// Form bodies are small: the largest admin form is the settings page. A
// multipart form carries a product image or a catalogue CSV file (5 MB
// each: media.MaxBytes, catalogcsv.MaxBytes), which goes to a temporary
// file beyond Memory. Only the upload routes take the larger multipart
// body, so that nobody can make every admin path read megabytes before
// the token is checked.
var formLimits = edge.FormLimits{Body: 256 << 10, Multipart: 6 << 20, Memory: 1 << 20,
	MultipartOK: func(r *http.Request) bool { return uploadPath(r.URL.Path) }}

// checkCSRF requires a valid csrf_token on every POST (see
// edge.CheckCSRF). The token is an HMAC of the browser's CSRF cookie,
// which is HttpOnly, SameSite=Strict and renewed at every login and
// logout.
func (s *Server) checkCSRF() edge.CheckCSRF {
	return edge.CheckCSRF{
		CSRF:   s.csrf,
		Limits: formLimits,
		Log:    s.log,
		Value:  func(r *http.Request) string { return s.cookies.Value(r, csrfCookie) },
		Refuse: s.renderError,
	}
}

// uploadPath reports whether path is a route that takes a file: a product
// image, a catalogue CSV or a tracking-number CSV.
func uploadPath(path string) bool {
	return path == Prefix+"products/import" || path == Prefix+"orders/tracking" ||
		(strings.HasPrefix(path, Prefix+"products/") && strings.HasSuffix(path, "/images"))
}

// crossOriginDenied answers a form posted from another site.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("admin: cross-origin request refused", "request_id", info(r).ID, "path", r.URL.Path,
		"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	s.renderError(w, r, edge.ErrCSRF)
}

// csrfLifetime outlives any admin session (12 h), so that a form left open
// still posts.
const csrfLifetime = 24 * time.Hour

// csrfFor returns the form token of the browser, giving it a CSRF cookie
// first if it has none.
func (s *Server) csrfFor(w http.ResponseWriter, r *http.Request) string {
	v := s.cookies.Value(r, csrfCookie)
	if v == "" {
		v = edge.RandomToken()
		s.cookies.Set(w, csrfCookie, v, csrfLifetime)
		// Later forms on this response must use the same value.
		r.AddCookie(&http.Cookie{Name: s.cookies.Name(csrfCookie), Value: v})
	}
	return v
}

// renewCSRF gives the browser a new CSRF cookie at login and logout, so
// that a token seen before (in a screenshot, a proxy's log) stops working.
func (s *Server) renewCSRF(w http.ResponseWriter) {
	s.cookies.Set(w, csrfCookie, edge.RandomToken(), csrfLifetime)
}
