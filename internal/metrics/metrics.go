// Package metrics holds Kaede's Prometheus collectors and the /metrics
// handler that exposes them. Every collector is defined here, with what
// it counts, so that an operator reading a dashboard has one place to
// look; capabilities call the small recording functions below and never
// touch Prometheus types.
//
// The handler is served on the admin's edge only (GET /metrics on the
// admin's own listener, GET /admin/metrics when the admin is mounted
// beside the store), behind the admin's IP allow-list and without a staff
// session, so that a scraper needs no login: list the scraper's address in
// --admin-allow. The store's listener never serves it.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	// httpRequests counts finished requests by edge ("store", "admin"),
	// route pattern ("GET /products/{slug}", never the raw path, so the
	// number of series stays bounded), method and status code.
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaede_http_requests_total",
		Help: "HTTP requests answered, by edge, route pattern, method and status code.",
	}, []string{"edge", "route", "method", "code"})

	// httpDuration is the time from the request's arrival at the edge to
	// the handler's return, by edge and route pattern.
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kaede_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by edge and route pattern.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"edge", "route"})

	// ordersPlaced counts orders created by checkout (a replayed
	// submission is not counted twice), by payment method.
	ordersPlaced = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaede_orders_placed_total",
		Help: "Orders placed, by payment method.",
	}, []string{"payment_method"})

	// payments counts changes of a card payment's state as the provider
	// reports them (authorized, captured, declined, failed, cancelled,
	// refunded…), by the new state.
	payments = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaede_payments_total",
		Help: "Card payment state changes reported by the provider, by outcome.",
	}, []string{"outcome"})

	// jobRuns counts runs of scheduled tasks by task and outcome ("ok",
	// "error"); jobDuration is how long they took.
	jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaede_job_runs_total",
		Help: "Scheduled task runs, by task and outcome (ok, error).",
	}, []string{"job", "outcome"})
	jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kaede_job_duration_seconds",
		Help:    "Time a scheduled task run took, by task.",
		Buckets: prometheus.ExponentialBuckets(0.01, 4, 8),
	}, []string{"job"})

	// monitorRuns counts tamper-monitor runs by result ("clean",
	// "different", "blind"); monitorDifferences the differences they
	// found, by severity.
	monitorRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaede_monitor_runs_total",
		Help: "Tamper monitor runs over the payment pages, by result.",
	}, []string{"result"})
	monitorDifferences = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaede_monitor_differences_total",
		Help: "Differences from the approved baseline found by the tamper monitor, by severity.",
	}, []string{"severity"})

	// securityEvents counts security events as they are recorded (a
	// repeat that only raises an event's count counts too), by kind and
	// severity.
	securityEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaede_security_events_total",
		Help: "Security events recorded, by kind and severity.",
	}, []string{"kind", "severity"})
)

// registry holds Kaede's collectors and the Go runtime's and process's,
// apart from the global default registry, so that a library registering
// its own collectors there cannot leak into /metrics.
var registry = newRegistry()

func newRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		httpRequests, httpDuration, ordersPlaced, payments, jobRuns, jobDuration,
		monitorRuns, monitorDifferences, securityEvents,
	)
	return r
}

// Handler serves the metrics in Prometheus's text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
}

// OrderPlaced records an order placed with the payment method.
func OrderPlaced(method string) { ordersPlaced.WithLabelValues(method).Inc() }

// Payment records a card payment reaching the outcome (its new state).
func Payment(outcome string) { payments.WithLabelValues(outcome).Inc() }

// JobRun records one run of a scheduled task.
func JobRun(job string, took time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	jobRuns.WithLabelValues(job, outcome).Inc()
	jobDuration.WithLabelValues(job).Observe(took.Seconds())
}

// MonitorRun records one tamper-monitor run and its result ("clean",
// "different", "blind").
func MonitorRun(result string) { monitorRuns.WithLabelValues(result).Inc() }

// MonitorDifference records a difference the monitor found, by severity
// ("critical", "warning").
func MonitorDifference(severity string) { monitorDifferences.WithLabelValues(severity).Inc() }

// SecurityEvent records a security event of the kind and severity.
func SecurityEvent(kind, severity string) { securityEvents.WithLabelValues(kind, severity).Inc() }

// routeKey carries the matched pattern from Route back out to HTTP.
type routeKey struct{}

// HTTP counts an edge's requests and their latency by route pattern. It
// goes outermost in the edge's chain, so that a request refused by the
// middleware (CSRF, allow-list) is timed and counted too ("unmatched"
// when no route was reached); Route, around the edge's ServeMux, tells it
// the pattern.
func HTTP(edge string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			route := new(string)
			sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
			next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey{}, route)))
			pattern := *route
			if pattern == "" {
				pattern = "unmatched"
			}
			httpRequests.WithLabelValues(edge, pattern, r.Method, strconv.Itoa(sw.code)).Inc()
			httpDuration.WithLabelValues(edge, pattern).Observe(time.Since(start).Seconds())
		})
	}
}

// Route wraps an edge's ServeMux: after the mux has routed the request
// (and set r.Pattern on it), the pattern is handed to HTTP.
func Route(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = r.Pattern
		}
	})
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code    int
	written bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.written {
		w.code, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
