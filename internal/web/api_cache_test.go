package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/testenv"
)

const listing = "/api/v1/products?limit=30"

var staffActor = audit.Actor{Name: "hanako@kaede.example"}

// listed returns the listing's entry for slug, and whether it is there.
func listed(t *testing.T, e *testEnv, slug string) (apiProduct, bool) {
	t.Helper()
	for _, p := range decode[apiProducts](t, e.apiCall("GET", listing, ""), http.StatusOK).Products {
		if p.Slug == slug {
			return p, true
		}
	}
	return apiProduct{}, false
}

// firstListed is the first product of the listing and its first variant's
// id.
func firstListed(t *testing.T, e *testEnv) (apiProduct, int64) {
	t.Helper()
	p := decode[apiProducts](t, e.apiCall("GET", listing, ""), http.StatusOK).Products[0]
	var id int64
	if err := e.db.QueryRow(`SELECT id FROM variants WHERE sku = $1`, p.Variants[0].SKU).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return p, id
}

// unpublish makes the product a draft through the catalogue, as the admin does.
func unpublish(t *testing.T, cat *catalog.Service, slug string) {
	t.Helper()
	ctx := context.Background()
	p, err := cat.ProductBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	err = cat.UpdateProduct(ctx, p.ID, catalog.ProductUpdate{CategoryID: p.CategoryID, NameJa: p.NameJa, NameEn: p.NameEn,
		NameKana: p.NameKana, DescriptionJa: p.DescriptionJa, DescriptionEn: p.DescriptionEn, TaxClass: p.TaxClass,
		Status: catalog.StatusDraft, PractitionersOnly: p.PractitionersOnly, Position: p.Position}, staffActor)
	if err != nil {
		t.Fatal(err)
	}
}

// TestAPIProductsShowChanges is the encoded listings' freshness: with the
// catalogue cached for an hour, as long as no TTL ends during the test, a
// price, a stock level and an unpublished product each show in the very
// next response.
func TestAPIProductsShowChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		e.catalog.EnableCache(time.Hour)
		ctx := context.Background()
		p, variant := firstListed(t, e)
		if got, _ := listed(t, e, p.Slug); got.Variants[0].Price != p.Variants[0].Price {
			t.Fatalf("second listing: price %d, want %d", got.Variants[0].Price, p.Variants[0].Price)
		}

		price := p.Variants[0].Price + 1000
		if err := e.catalog.UpdateVariant(ctx, variant, catalog.VariantUpdate{LabelJa: p.Variants[0].Label, Price: shop.Yen(price)}, staffActor); err != nil {
			t.Fatal(err)
		}
		if got, _ := listed(t, e, p.Slug); got.Variants[0].Price != price {
			t.Errorf("after the price change: price %d, want %d", got.Variants[0].Price, price)
		}

		if err := e.catalog.SetStock(ctx, variant, 0, staffActor); err != nil {
			t.Fatal(err)
		}
		if got, _ := listed(t, e, p.Slug); got.Variants[0].InStock {
			t.Error("after the stock was set to 0: the variant is still in stock")
		}

		unpublish(t, e.catalog, p.Slug)
		if _, ok := listed(t, e, p.Slug); ok {
			t.Error("an unpublished product is still listed")
		}
	})
}

// TestAPIProductsStockTakenByCheckout: checkout takes stock without
// announcing it (catalog.cache); the listing shows it once the
// catalogue's TTL ends, as the guests' pages do, not later.
func TestAPIProductsStockTakenByCheckout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		e.catalog.EnableCache(2 * time.Second)
		p, variant := firstListed(t, e)
		if !p.Variants[0].InStock {
			t.Fatalf("%s is out of stock from the start", p.Variants[0].SKU)
		}
		if _, err := d.Exec(`UPDATE variants SET stock = 0 WHERE id = $1`, variant); err != nil {
			t.Fatal(err)
		}
		e.advance(3 * time.Second)
		if got, _ := listed(t, e, p.Slug); got.Variants[0].InStock {
			t.Error("stock taken without an announcement still shows after the catalogue's TTL")
		}
	})
}

// TestAPIProductsOtherInstance is two processes on one PostgreSQL: a
// product unpublished and a price changed through the first leave the
// second's listing as soon as the change reaches it, with its clock
// standing still (its TTLs never end).
func TestAPIProductsOtherInstance(t *testing.T) {
	d := dbtest.Postgres(t)
	a := newEnv(t, d)
	a.seedDemo()
	other, err := db.Open(context.Background(), d.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	b := newEnv(t, other)
	b.catalog.EnableCache(time.Hour)
	l, err := other.ListenForChanges(context.Background(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	p, variant := firstListed(t, b)
	if _, ok := listed(t, b, p.Slug); !ok {
		t.Fatalf("%s not listed by the second instance", p.Slug)
	}
	price := p.Variants[0].Price + 500
	if err := a.catalog.UpdateVariant(context.Background(), variant, catalog.VariantUpdate{LabelJa: p.Variants[0].Label, Price: shop.Yen(price)}, staffActor); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 5*time.Second, "the second instance to list the new price", func() bool {
		got, _ := listed(t, b, p.Slug)
		return got.Variants[0].Price == price
	})
	unpublish(t, a.catalog, p.Slug)
	testenv.WaitFor(t, 5*time.Second, "the second instance to drop the unpublished product", func() bool {
		_, ok := listed(t, b, p.Slug)
		return !ok
	})
}

// BenchmarkProductsAPI is GET /api/v1/products?limit=30 through the whole
// middleware chain, with the catalogue cache on as cmd/kaede has it.
func BenchmarkProductsAPI(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	e.seedDemo()
	e.catalog.EnableCache(time.Minute)
	benchmarkGet(b, e.h, listing)
}

// BenchmarkAPIMiddleware is the middleware chain alone: the API's
// not-found answer, which does no work of its own.
func BenchmarkAPIMiddleware(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/no-such-thing", nil))
		if rec.Code != http.StatusNotFound {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
