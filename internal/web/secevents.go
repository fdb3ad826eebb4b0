package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"kaede/internal/detect"
	"kaede/internal/secevent"
)

// The 5xx burst: this many server errors in one window raise a warning.
const (
	burstThreshold = 20
	burstWindow    = 5 * time.Minute
)

// newErrorBurst counts the store's server errors for the access log.
func (s *Server) newErrorBurst() *detect.Burst {
	return detect.NewBurst(burstThreshold, burstWindow, s.now, func(n int64, w time.Duration) {
		// Off the request's goroutine: the response is not held up by a
		// database write, least of all while the database is what fails.
		go s.raise(context.Background(), secevent.Signal{
			Kind: secevent.KindServerErrors, Severity: secevent.Warning, Source: "http",
			Target:  "store",
			Summary: fmt.Sprintf("%d server errors within %v", n, w),
			Detail:  map[string]any{"errors": n, "window": w.String()},
		})
	})
}

// raise stores sig when the store keeps security events, and logs a
// failure to: the finding itself is already in the log.
func (s *Server) raise(ctx context.Context, sig secevent.Signal) {
	if s.events == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := s.events.Raise(ctx, sig); err != nil {
		s.log.Error("raise security event", "kind", sig.Kind, "error", err)
	}
}

// isPaymentPage reports whether path is a page where a card is chosen or
// typed, or that leads to it: a script injected there is after cards.
func isPaymentPage(path string) bool {
	if path == "/cart" || path == "/checkout" || strings.HasPrefix(path, "/checkout/") {
		return true
	}
	rest, ok := strings.CutPrefix(path, "/orders/")
	if !ok {
		return false
	}
	number, tail, _ := strings.Cut(rest, "/")
	return number != "" && (tail == "payment" || strings.HasPrefix(tail, "payment/"))
}

// cspEvent is a violation as a security event: critical on a payment page,
// a warning elsewhere. Events are de-duplicated by page, directive and
// blocked URL, so a page that keeps reporting one thing is one event.
func cspEvent(v cspViolation) secevent.Signal {
	page := v.Document
	if u, err := url.Parse(v.Document); err == nil && u.Path != "" {
		page = u.Path
	}
	sev := secevent.Warning
	if isPaymentPage(page) {
		sev = secevent.Critical
	}
	return secevent.Signal{
		Kind: secevent.KindCSPViolation, Severity: sev, Source: "csp-report",
		Target:  page + " " + v.Directive + " " + v.Blocked,
		Summary: fmt.Sprintf("the browser blocked %s on %s (%s)", v.Blocked, page, v.Directive),
		Detail: map[string]any{"page": page, "directive": v.Directive, "blocked": v.Blocked,
			"document": v.Document, "source": v.Source},
	}
}
