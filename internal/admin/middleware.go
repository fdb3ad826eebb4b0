package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"kaede/internal/web"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"kaede/internal/shop"
	"kaede/internal/staff"
)

// requestInfo is what the middleware learns about a request and the
// handlers need: one value in the context.
type requestInfo struct {
	id    string // request id, in logs and on the error page
	nonce string // the CSP nonce of this response
	lang  string // "ja" or "en"
	ip    string // the client address, as the allow-list saw it

	// Set by the staff trust groups (routes.go) once the session checks out.
	token   string // the session cookie's value
	session *staff.Session
	member  *staff.Staff
}

type infoKey struct{}

// info returns the request's information; a request that did not pass the
// middleware gets defaults.
func info(r *http.Request) *requestInfo {
	if v, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return v
	}
	return &requestInfo{lang: langJa}
}

// middleware wraps the route table, outermost first: request id and access
// log; the security headers before anything can write; panic recovery; the
// IP allow-list before any other work (an outsider learns nothing, not even
// whether a page exists); the cross-origin check; the language; the CSRF
// token.
func (s *Server) middleware(h http.Handler) (http.Handler, error) {
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(s.origin); err != nil {
		return nil, fmt.Errorf("admin: BaseURL as trusted origin: %w", err)
	}
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))

	h = s.checkCSRF(h)
	h = s.language(h)
	h = cop.Handler(h)
	h = s.allowList(h)
	h = s.recoverPanic(h)
	h = s.securityHeaders(h)
	h = s.accessLog(h)
	h = s.withRequestInfo(h)
	return h, nil
}

// withRequestInfo gives the request its id, CSP nonce and client address.
func (s *Server) withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := &requestInfo{id: randomHex(8), nonce: randomBase64(16), lang: langJa, ip: s.clientIP(r)}
		w.Header().Set("X-Request-Id", in.id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, in)))
	})
}

// clientIP is the address the request came from: the TCP peer, or with
// TrustProxyHeaders the last X-Forwarded-For hop — the one our proxy
// appended; earlier hops are whatever the client wrote.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxyHeaders {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
				return a.Unmap().String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().String()
	}
	return host
}

// allowList refuses every client outside Config.AllowedNets with 403. The
// refusal is logged, not written to the audit log: an outsider must not be
// able to grow the hash-chained log (whose appends serialise every writer)
// at will, and nobody is logged in to name as the actor.
func (s *Server) allowList(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(s.cfg.AllowedNets) == 0 || s.allowed(info(r).ip) {
			next.ServeHTTP(w, r)
			return
		}
		s.log.Warn("admin: address not allowed", "request_id", info(r).id, "ip", info(r).ip, "path", r.URL.Path)
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

// pageCSP is the store's policy (internal/web): scripts only with this
// response's nonce — the admin has none — styles from our own origin,
// images from our origin or data: (the enrolment QR code), no framing,
// forms only to ourselves. The admin has no report endpoint of its own.
func pageCSP(nonce string) string {
	return "default-src 'self'; " +
		"script-src 'nonce-" + nonce + "'; " +
		"style-src 'self'; " +
		"img-src 'self' data:; " +
		"font-src 'self'; " +
		"connect-src 'self'; " +
		"form-action 'self'; " +
		"frame-ancestors 'none'; " +
		"base-uri 'none'; " +
		"object-src 'none'"
}

// fileCSP is the policy of the stylesheet: opened directly, it may run and
// load nothing.
const fileCSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

// securityHeaders sets every security-relevant header of every admin
// response, in this one place. Nothing in the admin may be kept by any
// cache, the browser's included: pages show customers' and staff's data,
// and a shared computer's back button must not bring them back.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP(info(r).nonce))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		// Admin URLs can hold tokens (enrolment) and say what staff look at.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		if s.https {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// accessLog logs one line per request, the path only: the enrolment URL's
// query holds a token.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := web.NewStatusWriter(w)
		next.ServeHTTP(sw, r)
		status := sw.Status()
		if status == 0 {
			status = http.StatusOK
		}
		in := info(r)
		attrs := []slog.Attr{
			slog.String("request_id", in.id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int("bytes", sw.Bytes()),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", in.ip),
		}
		if in.member != nil {
			attrs = append(attrs, slog.Int64("staff", in.member.ID))
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "admin request", attrs...)
	})
}

// recoverPanic turns a handler's panic into the "internal error" page and
// logs the panic with its stack under the request id.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := web.NewStatusWriter(w)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if sw.Status() != 0 {
				s.log.Error("admin: panic after response started", "request_id", info(r).id, "path", r.URL.Path, "error", err)
				return
			}
			s.renderError(sw, r, err)
		}()
		next.ServeHTTP(sw, r)
	})
}

// Form bodies are small: the largest admin form is the settings page. A
// multipart form carries a product image or a catalogue CSV file (5 MB
// each: media.MaxBytes, catalogcsv.MaxBytes), which goes to a temporary
// file beyond maxFormMemory.
const (
	maxFormBody      = 256 << 10
	maxMultipartBody = 6 << 20
	maxFormMemory    = 1 << 20
)

// checkCSRF requires a valid csrf_token on every POST (on top of
// http.CrossOriginProtection, which old browsers and some proxies defeat by
// sending no Sec-Fetch-Site or Origin). The token is an HMAC of the
// browser's CSRF cookie, which is HttpOnly, SameSite=Strict and renewed at
// every login and logout. It also parses the body, within a size limit, so
// that handlers find r.PostForm ready.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if err := parseForm(w, r); err != nil {
			s.renderError(w, r, &shop.Error{Code: shop.Invalid, Message: "malformed or oversized form",
				Fields: map[string]string{"body": shop.ReasonFormat}})
			return
		}
		c, err := r.Cookie(s.cookieName(csrfCookie))
		if err != nil || c.Value == "" || !hmac.Equal([]byte(r.PostFormValue(csrfField)), []byte(s.csrfToken(c.Value))) {
			s.log.Warn("admin: csrf token refused", "request_id", info(r).id, "path", r.URL.Path, "ip", info(r).ip)
			s.renderError(w, r, errCSRF)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseForm reads a urlencoded or multipart body into r.PostForm within
// the size limits; the token of a multipart form is among its fields.
// Only the upload routes take the larger multipart body, so that nobody
// can make every admin path read megabytes before the token is checked.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" && uploadPath(r.URL.Path) {
		r.Body = http.MaxBytesReader(w, r.Body, maxMultipartBody)
		return r.ParseMultipartForm(maxFormMemory)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	return r.ParseForm()
}

// uploadPath reports whether path is a route that takes a file: a product
// image or a catalogue CSV.
func uploadPath(path string) bool {
	return path == Prefix+"products/import" ||
		(strings.HasPrefix(path, Prefix+"products/") && strings.HasSuffix(path, "/images"))
}

// crossOriginDenied answers a form posted from another site.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("admin: cross-origin request refused", "request_id", info(r).id, "path", r.URL.Path,
		"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	s.renderError(w, r, errCSRF)
}

// csrfToken is the form token for a CSRF cookie value.
func (s *Server) csrfToken(cookie string) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// deriveKey gives each use of the configured secret its own key, so that a
// store CSRF token is never an admin one.
func deriveKey(secret []byte, label string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(label))
	return mac.Sum(nil)
}

// language picks the page language: ?lang=en|ja (remembered in a cookie),
// then the cookie, then Japanese, the shop's language.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := info(r)
		if l, ok := parseLang(r.URL.Query().Get("lang")); ok {
			in.lang = l
			s.setCookie(w, langCookie, l, 365*24*time.Hour)
		} else if c, err := r.Cookie(s.cookieName(langCookie)); err == nil {
			if l, ok := parseLang(c.Value); ok {
				in.lang = l
			}
		}
		next.ServeHTTP(w, r)
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return hex.EncodeToString(b)
}

func randomBase64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
