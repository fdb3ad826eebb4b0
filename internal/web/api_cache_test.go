package web_test

import (
	"testing"
	"time"

	"kaede/internal/db/dbtest"
)

// BenchmarkProductsAPI is GET /api/v1/products?limit=30 through the whole
// middleware chain, with the catalogue cache on as cmd/kaede has it.
func BenchmarkProductsAPI(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	e.seedDemo()
	e.catalog.EnableCache(time.Minute)
	benchmarkGet(b, e.h, "/api/v1/products?limit=30")
}

// BenchmarkAPIMiddleware is the middleware chain alone: the API's
// not-found answer, which does no work of its own.
func BenchmarkAPIMiddleware(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	e.seedDemo()
	benchmarkGet404(b, e)
}

func benchmarkGet404(b *testing.B, e *testEnv) {
	b.ReportAllocs()
	for b.Loop() {
		res := e.browser().get("/api/v1/no-such-thing")
		if res.StatusCode != 404 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}
