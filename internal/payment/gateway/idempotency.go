package gateway

import (
	"bytes"
	"io"
	"net/http"

	"kaede/internal/shop"
)

// IdempotencyHeader carries the key that makes a POST safe to retry.
const IdempotencyHeader = "Idempotency-Key"

// idempotent makes a POST handler safe to retry: the first response to a
// key is kept and replayed to every later request with that key, so a
// store that retries after a timeout never captures or refunds twice. The
// same key with another request is refused (409), and so is a retry that
// arrives while the first request still runs. Server errors are not kept:
// a retry of those should try again.
func (s *Server) idempotent(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(IdempotencyHeader)
		if key == "" || len(key) > 255 {
			reason := shop.ReasonRequired
			if key != "" {
				reason = shop.ReasonLength
			}
			s.apiError(w, r, badRequest{&shop.Error{Code: shop.Invalid, Message: "every POST needs an Idempotency-Key header of 1 to 255 characters", Fields: map[string]string{IdempotencyHeader: reason}}})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIBody))
		if err != nil {
			s.apiError(w, r, badRequest{&shop.Error{Code: shop.Invalid, Message: "request body too large", Fields: map[string]string{"body": shop.ReasonLength}}})
			return
		}
		fp := fingerprint(r.Method, r.URL.Path, body)
		if s.replay(w, r, key, fp) {
			return
		}
		defer s.release(key)
		rec := &responseRecorder{header: http.Header{}, status: http.StatusOK}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(rec, r)
		if rec.status < 500 {
			s.remember(key, fp, rec)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		w.Write(rec.body.Bytes())
	}
}

// replay answers from the record of key, or refuses a clash, and reports
// whether it answered. Otherwise it marks key as running.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, key, fp string) bool {
	s.mu.Lock()
	prev, seen := s.state.Idempotency[key]
	running := s.inflight[key]
	if !seen && !running {
		s.inflight[key] = true
	}
	s.mu.Unlock()
	switch {
	case running:
		s.apiError(w, r, shop.Errorf(shop.Conflict, "a request with this Idempotency-Key is still running"))
	case seen && prev.Fingerprint != fp:
		s.apiError(w, r, &shop.Error{Code: shop.Conflict, Message: "this Idempotency-Key was used for a different request", Fields: map[string]string{IdempotencyHeader: "reused"}})
	case seen:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prev.Status)
		w.Write(prev.Body)
	default:
		return false
	}
	return true
}

// remember keeps the response to key.
func (s *Server) remember(key, fp string, rec *responseRecorder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Idempotency[key] = &idempotencyRecord{Fingerprint: fp, Status: rec.status, Body: bytes.Clone(rec.body.Bytes()), Created: s.clock()}
	if err := s.state.save(s.clock()); err != nil {
		// The record stays in memory, so retries to this process are
		// still replayed; only a crash before the next save forgets it.
		s.log.Error("save idempotency record", "error", err)
	}
}

// release ends the running mark of key.
func (s *Server) release(key string) {
	s.mu.Lock()
	delete(s.inflight, key)
	s.mu.Unlock()
}

// responseRecorder holds a handler's response so that it can be kept for
// replay before it is sent.
type responseRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *responseRecorder) Header() http.Header         { return r.header }
func (r *responseRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *responseRecorder) WriteHeader(status int)      { r.status = status }
