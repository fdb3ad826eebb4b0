package edge

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// StatusWriter remembers the status and size of a response, for the
// access log and panic recovery.
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

// AccessLog is how an edge logs its requests.
type AccessLog struct {
	Log     *slog.Logger
	Message string // "request", "admin request"
	// Quiet marks requests logged at debug level (health checks).
	Quiet func(*http.Request) bool
	// Attrs adds the edge's own attributes, read after the handler ran
	// (the admin's staff id).
	Attrs func(*http.Request) []slog.Attr
	// Observe, when set, hears every response's status (the 5xx burst
	// detector); it must be cheap and must not block.
	Observe func(status int)
}

// Middleware logs one line per request. It logs the path only: query
// strings may hold tokens (order access, password reset, enrolment).
func (l AccessLog) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := NewStatusWriter(w)
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		if l.Observe != nil {
			l.Observe(status)
		}
		level := slog.LevelInfo
		if l.Quiet != nil && l.Quiet(r) {
			level = slog.LevelDebug
		}
		in := InfoOf(r)
		attrs := []slog.Attr{
			slog.String("request_id", in.ID),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", in.IP),
		}
		if l.Attrs != nil {
			attrs = append(attrs, l.Attrs(r)...)
		}
		l.Log.LogAttrs(r.Context(), level, l.Message, attrs...)
	})
}

// Recover turns a handler's panic into the edge's error answer (respond,
// which shows "internal error" and logs the detail) and logs the panic
// with its stack under the request id. http.ErrAbortHandler goes on up,
// as net/http expects.
func Recover(log *slog.Logger, respond func(http.ResponseWriter, *http.Request, error)) Middleware {
	return func(next http.Handler) http.Handler {
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
					log.Error("panic after response started", "request_id", InfoOf(r).ID, "path", r.URL.Path, "error", err)
					return
				}
				respond(sw, r, err)
			}()
			next.ServeHTTP(sw, r)
		})
	}
}
