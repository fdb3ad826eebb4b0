package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"kaede/internal/ui"
)

// requestInfo is what the middleware learns about a request and the
// handlers need: one value in the context instead of many keys.
type requestInfo struct {
	id      string // request id, in logs and on the 500 page
	nonce   string // the CSP nonce of this response
	lang    string // ui.Japanese or ui.English
	session *sessionState
}

type infoKey struct{}

// info returns the request's information; a request that did not pass the
// middleware (a unit test calling a helper directly) gets defaults.
func info(r *http.Request) *requestInfo {
	if v, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return v
	}
	return &requestInfo{lang: ui.Japanese, session: &sessionState{}}
}

// requestID returns the id the access log and error pages show for r.
func requestID(r *http.Request) string { return info(r).id }

// middleware wraps the route table, outermost first: the request id and
// access log see everything; the security headers are set before anything
// can write; recovery sits inside them so a crash still gets the headers
// and a log line with status 500; then the cross-origin check, the
// language, the session and the CSRF token.
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

	h = s.checkCSRF(h)
	h = s.loadSession(h)
	h = s.language(h)
	h = cop.Handler(h)
	h = s.recoverPanic(h)
	h = s.securityHeaders(h)
	h = s.accessLog(h)
	h = s.withRequestInfo(h)
	return h, nil
}

// withRequestInfo gives the request its id and CSP nonce.
func (s *Server) withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := &requestInfo{id: randomHex(8), nonce: randomBase64(16), lang: ui.Japanese, session: &sessionState{}}
		w.Header().Set("X-Request-Id", in.id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, in)))
	})
}

// StatusWriter remembers the status and size of a response, for access
// logs and panic recovery; the admin's edge uses it too.
type StatusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

// NewStatusWriter wraps w.
func NewStatusWriter(w http.ResponseWriter) *StatusWriter { return &StatusWriter{ResponseWriter: w} }

// WriteHeader records the first status.
func (sw *StatusWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and counts the bytes.
func (sw *StatusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	n, err := sw.ResponseWriter.Write(b)
	sw.bytes += n
	return n, err
}

// Status is the response's status, 0 while nothing is written.
func (sw *StatusWriter) Status() int { return sw.status }

// Bytes is how much of the body was written.
func (sw *StatusWriter) Bytes() int { return sw.bytes }

// Unwrap lets http.ResponseController reach the underlying writer.
func (sw *StatusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// accessLog logs one line per request. It logs the path only: query
// strings may hold tokens (order access, password reset).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := NewStatusWriter(w)
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" {
			level = slog.LevelDebug
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", requestID(r)),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

// recoverPanic turns a handler's panic into the "internal error" page (or
// JSON error) and logs the panic with its stack under the request id.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := NewStatusWriter(w)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if sw.status != 0 {
				// Too late for an error page: part of the response is out.
				s.log.Error("panic after response started", "request_id", requestID(r), "path", r.URL.Path, "error", err)
				return
			}
			s.respondError(sw, r, err)
		}()
		next.ServeHTTP(sw, r)
	})
}

// crossOriginDenied answers a request that http.CrossOriginProtection
// judged cross-site: a browser form posted from another site.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("cross-origin request refused", "request_id", requestID(r), "path", r.URL.Path,
		"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	s.respondError(w, r, errCSRF)
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
