package web

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// healthz answers a load balancer: 200 "ok" while the database answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.ping(ctx); err != nil {
		s.log.Error("health check", "request_id", requestID(r), "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "database unavailable\n")
		return
	}
	io.WriteString(w, "ok\n")
}

// maxReportBody bounds one violation report request.
const maxReportBody = 64 << 10

// cspViolation is the part of a report worth logging, in either format.
type cspViolation struct {
	Directive string
	Blocked   string
	Document  string
	Source    string
}

// cspReport receives Content-Security-Policy violation reports, the
// alert channel PCI DSS 11.6.1 asks for: a script that appears on a page
// without our nonce shows up here within seconds. Both the old report-uri
// format (application/csp-report) and the Reporting API
// (application/reports+json) are accepted.
func (s *Server) cspReport(w http.ResponseWriter, r *http.Request) {
	if !s.reports.allow(info(r).IP) {
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReportBody))
	if err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	var vs []cspViolation
	switch mt {
	case "application/csp-report", "application/json":
		vs, err = parseCSPReport(body)
	case "application/reports+json":
		vs, err = parseReportingAPI(body)
	default:
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	for i, v := range vs {
		if i == 10 {
			break // one noisy page is enough to know
		}
		s.log.Warn("csp violation", "request_id", requestID(r), "directive", v.Directive,
			"blocked", v.Blocked, "document", v.Document, "source", v.Source)
		s.raise(r.Context(), cspEvent(v))
	}
	w.WriteHeader(http.StatusNoContent)
}

func parseCSPReport(body []byte) ([]cspViolation, error) {
	var rep struct {
		Report struct {
			Document  string `json:"document-uri"`
			Violated  string `json:"violated-directive"`
			Effective string `json:"effective-directive"`
			Blocked   string `json:"blocked-uri"`
			Source    string `json:"source-file"`
		} `json:"csp-report"`
	}
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, err
	}
	c := rep.Report
	d := c.Effective
	if d == "" {
		d = c.Violated
	}
	return []cspViolation{{Directive: short(d), Blocked: stripQuery(c.Blocked), Document: stripQuery(c.Document), Source: stripQuery(c.Source)}}, nil
}

func parseReportingAPI(body []byte) ([]cspViolation, error) {
	var reps []struct {
		Type string `json:"type"`
		Body struct {
			Document  string `json:"documentURL"`
			Effective string `json:"effectiveDirective"`
			Blocked   string `json:"blockedURL"`
			Source    string `json:"sourceFile"`
		} `json:"body"`
	}
	if err := json.Unmarshal(body, &reps); err != nil {
		return nil, err
	}
	var out []cspViolation
	for _, rep := range reps {
		if rep.Type != "csp-violation" {
			continue
		}
		b := rep.Body
		out = append(out, cspViolation{Directive: short(b.Effective), Blocked: stripQuery(b.Blocked), Document: stripQuery(b.Document), Source: stripQuery(b.Source)})
	}
	return out, nil
}

// stripQuery keeps a reported URL's scheme, host and path: the query and
// fragment of a page may hold tokens, and logs must not.
func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return short(raw) // keywords such as "inline" or "eval"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return short(u.String())
}

// short bounds a reported string, which the reporting browser controls.
func short(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// rateLimiter allows each client a number of events per minute, in fixed
// one-minute windows. It forgets everyone when the minute turns, which
// bounds its memory.
type rateLimiter struct {
	mu     sync.Mutex
	limit  int
	now    func() time.Time
	window time.Time
	counts map[string]int
}

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: perMinute, now: now, counts: map[string]int{}}
}

// allow records an event for key and reports whether it is within limit.
func (l *rateLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.now().Truncate(time.Minute); !w.Equal(l.window) {
		l.window = w
		clear(l.counts)
	}
	if l.counts[key] >= l.limit {
		return false
	}
	l.counts[key]++
	return true
}
