package admin_test

import (
	"net/http"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// TestMetrics: /admin/metrics answers a scraper on the allow-list without
// a session, counts requests by route pattern (not by raw path), and
// refuses an address outside the list.
func TestMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		scraper := e.browser("192.0.2.50")
		scraper.get("/admin/login")
		scraper.get("/admin/orders/KD-NOPE-1") // a raw path that must not become a label
		res := scraper.get("/admin/metrics")
		wantStatus(t, res, http.StatusOK)
		for _, want := range []string{
			`kaede_http_requests_total{code="200",edge="admin",method="GET",route="GET /admin/login"}`,
			`kaede_http_request_duration_seconds_bucket{edge="admin",route="GET /admin/login",le="0.005"}`,
			"go_goroutines",
		} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(res.Body, "KD-NOPE-1") {
			t.Error("a raw path is a metric label")
		}

		outsider := e.browser("203.0.113.9")
		if res := outsider.get("/admin/metrics"); res.StatusCode != http.StatusForbidden {
			t.Errorf("outsider: status %d, want 403", res.StatusCode)
		}
	})
}
