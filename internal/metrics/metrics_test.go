package metrics_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kaede/internal/metrics"
)

func scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestRecorders(t *testing.T) {
	metrics.OrderPlaced("card")
	metrics.Payment("captured")
	metrics.JobRun("prune", 20*time.Millisecond, nil)
	metrics.JobRun("prune", time.Millisecond, errors.New("boom"))
	metrics.MonitorRun("different")
	metrics.MonitorDifference("critical")
	metrics.SecurityEvent("csp_violation", "warning")
	body := scrape(t)
	for _, want := range []string{
		`kaede_orders_placed_total{payment_method="card"} 1`,
		`kaede_payments_total{outcome="captured"} 1`,
		`kaede_job_runs_total{job="prune",outcome="ok"} 1`,
		`kaede_job_runs_total{job="prune",outcome="error"} 1`,
		`kaede_job_duration_seconds_count{job="prune"} 2`,
		`kaede_monitor_runs_total{result="different"} 1`,
		`kaede_monitor_differences_total{severity="critical"} 1`,
		`kaede_security_events_total{kind="csp_violation",severity="warning"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestHTTPByPattern: requests are labelled with the mux's pattern, a
// request no route matched with "unmatched", and the status is the one
// written.
func TestHTTPByPattern(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	refuse := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("refuse") {
				http.Error(w, "no", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	h := metrics.HTTP("test")(refuse(metrics.Route(mux)))
	for _, p := range []string{"/things/1", "/things/2", "/things/3?refuse"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	body := scrape(t)
	for _, want := range []string{
		`kaede_http_requests_total{code="418",edge="test",method="GET",route="GET /things/{id}"} 2`,
		`kaede_http_requests_total{code="403",edge="test",method="GET",route="unmatched"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "/things/1") {
		t.Error("a raw path is a label")
	}
}
