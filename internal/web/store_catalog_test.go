package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db/dbtest"
	"kaede/internal/demo"
)

// addBenchCategory adds the category bench/run.sh measures: "bench", with
// 30 of the demo's published products copied into it.
func (e *testEnv) addBenchCategory() {
	e.t.Helper()
	ctx, by := context.Background(), audit.System("test")
	if _, err := e.catalog.CreateCategory(ctx, catalog.Category{Slug: "bench", NameJa: "ベンチマーク用", NameEn: "Benchmark", Position: 99}, by); err != nil {
		e.t.Fatal(err)
	}
	var ps []catalog.Product
	for _, p := range demo.Products(e.now) {
		if len(ps) == 30 {
			break
		}
		if p.Status != catalog.StatusPublished {
			continue
		}
		p.Slug = "bench-" + p.Slug
		p.CategorySlug, p.CategoryID = "bench", 0
		for i := range p.Variants {
			p.Variants[i].SKU = "BENCH-" + p.Variants[i].SKU
		}
		ps = append(ps, p)
	}
	if _, err := e.catalog.CreateProducts(ctx, ps, by); err != nil {
		e.t.Fatal(err)
	}
}

// BenchmarkCategoryPageMember is the category page of bench/run.sh for a
// logged-in member, who never gets the guests' shared page: the page is
// built for them on every request. Compare with BenchmarkCategoryPageGuest.
func BenchmarkCategoryPageMember(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	e.seedDemo()
	e.addBenchCategory()
	e.catalog.EnableCache(time.Minute)
	br := e.browser()
	br.register("bench@example.jp")
	cookie := &http.Cookie{Name: "kaede_session", Value: br.cookies["kaede_session"]}
	benchmarkCategory(b, e, cookie)
}

// BenchmarkCategoryPageGuest is the same page for a visitor without a
// session: the shared page from the guests' cache.
func BenchmarkCategoryPageGuest(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	e.seedDemo()
	e.addBenchCategory()
	e.catalog.EnableCache(time.Minute)
	benchmarkCategory(b, e, nil)
}

func benchmarkCategory(b *testing.B, e *testEnv, cookie *http.Cookie) {
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/category/bench?limit=30", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		return rec
	}
	if n := strings.Count(get().Body.String(), `class="card"`); n != 30 {
		b.Fatalf("%d cards, want 30", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		get()
	}
}
