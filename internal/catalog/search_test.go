package catalog_test

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat := fixture(t, d)
		tests := []struct {
			name string
			q    catalog.Query
			want []string // in any order
		}{
			{"kanji 鍼 in names", catalog.Query{Q: "鍼"}, []string{"seirin-j", "press-needle"}},
			{"katakana word", catalog.Query{Q: "マッサージオイル"}, []string{"almond-oil"}},
			{"half-width katakana", catalog.Query{Q: "ﾏｯｻｰｼﾞｵｲﾙ"}, []string{"almond-oil"}},
			{"hiragana finds katakana", catalog.Query{Q: "どくだみ"}, []string{"dokudami"}},
			{"sku", catalog.Query{Q: "SEIRIN-J-0.16x30"}, []string{"seirin-j"}},
			{"full-width sku", catalog.Query{Q: "ｓｅｉｒｉｎ－ｊ－０．１８ｘ４０"}, []string{"seirin-j"}},
			{"ascii word, any case", catalog.Query{Q: "ALMOND"}, []string{"almond-oil"}},
			{"terms are ANDed", catalog.Query{Q: "マッサージ　無香料"}, []string{"cream"}},
			{"category name", catalog.Query{Q: "健康茶"}, []string{"dokudami"}},
			{"parent category name", catalog.Query{Q: "needles"}, []string{"seirin-j", "press-needle"}},
			{"like wildcard is literal", catalog.Query{Q: "%"}, nil},
			{"underscore is literal", catalog.Query{Q: "_"}, nil},
			{"no match", catalog.Query{Q: "存在しない"}, nil},
			{"category with descendants", catalog.Query{Category: "hari"}, []string{"seirin-j", "press-needle"}},
			{"leaf category", catalog.Query{Category: "hari-enpi"}, []string{"press-needle"}},
			{"category and term", catalog.Query{Category: "oil", Q: "unscented"}, []string{"cream"}},
			{"category names match too", catalog.Query{Category: "oil", Q: "cream"}, []string{"almond-oil", "cream"}},
			{"everything published", catalog.Query{}, []string{"seirin-j", "press-needle", "almond-oil", "cream", "dokudami"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ps, total, err := cat.Search(context.Background(), tt.q)
				if err != nil {
					t.Fatal(err)
				}
				got := slugs(ps)
				sort.Strings(got)
				want := append([]string{}, tt.want...)
				sort.Strings(want)
				if len(got) == 0 && len(want) == 0 {
					got, want = nil, nil
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("found %v, want %v", got, want)
				}
				if total != len(want) {
					t.Fatalf("total=%d, want %d", total, len(want))
				}
			})
		}
	})
}

// The top page recommends only what its viewer can buy now.
func TestSearchPublicInStock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat := fixture(t, d)
		if _, err := d.ExecContext(context.Background(), `UPDATE variants SET stock = 0 WHERE sku = 'CREAM-1KG'`); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			q    catalog.Query
			want []string
		}{
			{"everything", catalog.Query{}, []string{"press-needle", "seirin-j", "almond-oil", "cream", "dokudami"}},
			{"public", catalog.Query{Public: true}, []string{"press-needle", "almond-oil", "cream", "dokudami"}},
			{"in stock", catalog.Query{InStock: true}, []string{"press-needle", "seirin-j", "almond-oil", "dokudami"}},
			{"both", catalog.Query{Public: true, InStock: true}, []string{"press-needle", "almond-oil", "dokudami"}},
		}
		for _, tt := range tests {
			ps, total, err := cat.Search(context.Background(), tt.q)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := slugs(ps); !reflect.DeepEqual(got, tt.want) || total != len(tt.want) {
				t.Errorf("%s: %v (total %d), want %v", tt.name, got, total, tt.want)
			}
		}
	})
}

func TestSearchSorts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat := fixture(t, d)
		tests := map[string][]string{
			"":            {"press-needle", "seirin-j", "almond-oil", "cream", "dokudami"},
			"recommended": {"press-needle", "seirin-j", "almond-oil", "cream", "dokudami"},
			"price_asc":   {"dokudami", "almond-oil", "seirin-j", "cream", "press-needle"},
			"price_desc":  {"press-needle", "cream", "seirin-j", "almond-oil", "dokudami"},
			"newest":      {"dokudami", "cream", "almond-oil", "press-needle", "seirin-j"},
			"name":        {"press-needle", "seirin-j", "dokudami", "almond-oil", "cream"},
		}
		for sortBy, want := range tests {
			ps, _, err := cat.Search(context.Background(), catalog.Query{Sort: sortBy})
			if err != nil {
				t.Fatalf("sort %q: %v", sortBy, err)
			}
			if got := slugs(ps); !reflect.DeepEqual(got, want) {
				t.Errorf("sort %q: %v, want %v", sortBy, got, want)
			}
		}
	})
}

func TestSearchPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat := fixture(t, d)
		var seen []string
		for offset := 0; offset < 6; offset += 2 {
			ps, total, err := cat.Search(context.Background(), catalog.Query{Limit: 2, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if total != 5 {
				t.Fatalf("offset %d: total=%d, want 5", offset, total)
			}
			if want := min(2, 5-offset); len(ps) != want {
				t.Fatalf("offset %d: %d products, want %d", offset, len(ps), want)
			}
			seen = append(seen, slugs(ps)...)
		}
		want := []string{"press-needle", "seirin-j", "almond-oil", "cream", "dokudami"}
		if !reflect.DeepEqual(seen, want) {
			t.Fatalf("pages gave %v, want %v", seen, want)
		}
		ps, total, err := cat.Search(context.Background(), catalog.Query{Offset: 50})
		if err != nil || len(ps) != 0 || total != 5 {
			t.Fatalf("past the end: %d products, total %d, err %v; want 0, 5, nil", len(ps), total, err)
		}
	})
}

func TestSearchLoadsDetails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat := fixture(t, d)
		ps, _, err := cat.Search(context.Background(), catalog.Query{Category: "hari-disposable"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 {
			t.Fatalf("%d products, want 1", len(ps))
		}
		p := ps[0]
		if len(p.Variants) != 2 || p.Variants[0].SKU != "SEIRIN-J-0.16x30" || p.Variants[1].SKU != "SEIRIN-J-0.18x40" {
			t.Fatalf("variants %+v, want the two SEIRIN-J in order", p.Variants)
		}
		if v := p.Variants[0]; v.Price != 2420 || v.MemberPrice != 2178 || v.Stock != 10 || v.MaxPerOrder != 99 || v.ProductID != p.ID {
			t.Fatalf("variant %+v", v)
		}
		if len(p.Images) != 1 || p.Images[0].Path != "/media/products/seirin-j.png" {
			t.Fatalf("images %+v", p.Images)
		}
		if p.CategorySlug != "hari-disposable" || !p.PractitionersOnly || p.TaxClass != shop.TaxStandard {
			t.Fatalf("product %+v", p)
		}
		if !p.CreatedAt.Equal(t0) {
			t.Fatalf("created at %v, want %v", p.CreatedAt, t0)
		}
	})
}

func TestSearchRejectsBadQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat := fixture(t, d)
		tests := []struct {
			q      catalog.Query
			field  string
			reason string
		}{
			{catalog.Query{Limit: 101}, "limit", shop.ReasonRange},
			{catalog.Query{Limit: -1}, "limit", shop.ReasonRange},
			{catalog.Query{Offset: -1}, "offset", shop.ReasonRange},
			{catalog.Query{Sort: "cheapest"}, "sort", shop.ReasonChoice},
			{catalog.Query{Q: strings.Repeat("鍼", 101)}, "q", shop.ReasonLength},
		}
		for _, tt := range tests {
			_, _, err := cat.Search(context.Background(), tt.q)
			if shop.ErrorCode(err) != shop.Invalid {
				t.Fatalf("%+v: err=%v, want invalid", tt.q, err)
			}
			if got := shop.ErrorFields(err)[tt.field]; got != tt.reason {
				t.Errorf("%+v: %s=%q, want %q", tt.q, tt.field, got, tt.reason)
			}
		}
		_, _, err := cat.Search(context.Background(), catalog.Query{Category: "no-such"})
		if shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("unknown category: err=%v, want not found", err)
		}
	})
}

func TestProductBySlugAndSKU(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		p, err := cat.ProductBySlug(ctx, "almond-oil")
		if err != nil {
			t.Fatal(err)
		}
		if p.NameEn != "Sweet Almond Massage Oil" || len(p.Variants) != 2 || p.CategorySlug != "oil" {
			t.Fatalf("product %+v", p)
		}
		for _, slug := range []string{"draft-hari", "nothing"} {
			if _, err := cat.ProductBySlug(ctx, slug); shop.ErrorCode(err) != shop.NotFound {
				t.Errorf("ProductBySlug(%q): err=%v, want not found", slug, err)
			}
		}
		p, v, err := cat.VariantBySKU(ctx, "OIL-ALM-500")
		if err != nil {
			t.Fatal(err)
		}
		if p.Slug != "almond-oil" || v.LabelJa != "500ml" || v.Price != 5280 {
			t.Fatalf("VariantBySKU=%s %+v", p.Slug, v)
		}
		p2, v2, err := cat.VariantByID(ctx, v.ID)
		if err != nil || p2.ID != p.ID || v2.SKU != "OIL-ALM-500" {
			t.Fatalf("VariantByID=%v %v %v", p2, v2, err)
		}
		for _, sku := range []string{"DRAFT-1", "NOPE"} {
			if _, _, err := cat.VariantBySKU(ctx, sku); shop.ErrorCode(err) != shop.NotFound {
				t.Errorf("VariantBySKU(%q): err=%v, want not found", sku, err)
			}
		}
	})
}

func TestCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		roots, err := cat.Categories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range roots {
			got = append(got, r.Slug)
		}
		if want := []string{"hari", "oil", "tea"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("roots %v, want %v", got, want)
		}
		if n := len(roots[0].Children); n != 2 || roots[0].Children[0].Slug != "hari-disposable" || roots[0].Children[1].ParentID != roots[0].ID {
			t.Fatalf("children of hari: %+v", roots[0].Children)
		}
		c, err := cat.CategoryBySlug(ctx, "hari-enpi")
		if err != nil || c.NameJa != "円皮鍼" {
			t.Fatalf("CategoryBySlug=%+v, %v", c, err)
		}
		if _, err := cat.CategoryBySlug(ctx, "nope"); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("missing category: err=%v, want not found", err)
		}
		_, err = cat.CreateCategory(ctx, catalog.Category{Slug: "hari", NameJa: "重複"}, owner)
		if got := shop.ErrorFields(err)["slug"]; got != shop.ReasonTaken {
			t.Fatalf("duplicate slug: err=%v, want slug taken", err)
		}
		_, err = cat.CreateCategory(ctx, catalog.Category{Slug: "Bad Slug", ParentID: 9999}, owner)
		f := shop.ErrorFields(err)
		if f["slug"] != shop.ReasonFormat || f["name_ja"] != shop.ReasonRequired || f["parent_id"] != shop.ReasonChoice {
			t.Fatalf("bad category: err=%v", err)
		}
	})
}

func TestCreateProductValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		good := func() catalog.Product {
			return product("new-oil", "oil", "ホホバオイル", "Jojoba Oil", "", 9, 0, variant("OIL-JJB-100", "100ml", 2200, 0, 5))
		}
		tests := []struct {
			name   string
			mutate func(*catalog.Product)
			field  string
			reason string
		}{
			{"slug format", func(p *catalog.Product) { p.Slug = "Jojoba Oil" }, "slug", shop.ReasonFormat},
			{"slug taken", func(p *catalog.Product) { p.Slug = "almond-oil" }, "slug", shop.ReasonTaken},
			{"name required", func(p *catalog.Product) { p.NameJa = " " }, "name_ja", shop.ReasonRequired},
			{"kana format", func(p *catalog.Product) { p.NameKana = "hohoba" }, "name_kana", shop.ReasonFormat},
			{"tax class", func(p *catalog.Product) { p.TaxClass = "zero" }, "tax_class", shop.ReasonChoice},
			{"status", func(p *catalog.Product) { p.Status = "archived" }, "status", shop.ReasonChoice},
			{"category", func(p *catalog.Product) { p.CategorySlug = "nope" }, "category_id", shop.ReasonChoice},
			{"no variants", func(p *catalog.Product) { p.Variants = nil }, "variants", shop.ReasonRequired},
			{"negative price", func(p *catalog.Product) { p.Variants[0].Price = -1 }, "variants[0].price", shop.ReasonRange},
			{"member above price", func(p *catalog.Product) { p.Variants[0].MemberPrice = 3000 }, "variants[0].member_price", shop.ReasonRange},
			{"negative stock", func(p *catalog.Product) { p.Variants[0].Stock = -1 }, "variants[0].stock", shop.ReasonRange},
			{"sku required", func(p *catalog.Product) { p.Variants[0].SKU = "" }, "variants[0].sku", shop.ReasonRequired},
			{"sku format", func(p *catalog.Product) { p.Variants[0].SKU = "OIL 100" }, "variants[0].sku", shop.ReasonFormat},
			{"sku taken", func(p *catalog.Product) { p.Variants[0].SKU = "OIL-ALM-100" }, "variants[0].sku", shop.ReasonTaken},
			{"sku twice", func(p *catalog.Product) {
				p.Variants = append(p.Variants, variant("OIL-JJB-100", "250ml", 4400, 0, 1))
			}, "variants[1].sku", shop.ReasonTaken},
			{"image path", func(p *catalog.Product) { p.Images = []catalog.Image{{Path: "../etc/passwd"}} }, "images[0].path", shop.ReasonFormat},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := good()
				tt.mutate(&p)
				_, err := cat.CreateProduct(ctx, p, owner)
				if shop.ErrorCode(err) != shop.Invalid {
					t.Fatalf("err=%v, want invalid", err)
				}
				if got := shop.ErrorFields(err)[tt.field]; got != tt.reason {
					t.Fatalf("%s=%q, want %q (err %v)", tt.field, got, tt.reason, err)
				}
			})
		}
		id, err := cat.CreateProduct(ctx, good(), owner)
		if err != nil || id == 0 {
			t.Fatalf("create good product: id %d, err %v", id, err)
		}
		ps, _, err := cat.Search(ctx, catalog.Query{Q: "ほほば"})
		if err != nil || len(ps) != 1 || ps[0].ID != id {
			t.Fatalf("search for the new product: %v, %v", slugs(ps), err)
		}
	})
}

func TestCreateProductsIsAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		ok := product("kinesio-tape", "oil", "テーピング", "Tape", "", 9, 0, variant("TAPE-50", "5cm", 880, 0, 5))
		bad := product("bad", "oil", "不良", "Bad", "", 9, 0, variant("TAPE-50", "5cm", 880, 0, 5))
		_, err := cat.CreateProducts(ctx, []catalog.Product{ok, bad}, owner)
		if got := shop.ErrorFields(err)["products[1].variants[0].sku"]; got != shop.ReasonTaken {
			t.Fatalf("err=%v, want products[1].variants[0].sku taken", err)
		}
		if _, err := cat.ProductBySlug(ctx, "kinesio-tape"); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("first product survived a failed batch: err=%v", err)
		}
	})
}

func FuzzNormalizeSearch(f *testing.F) {
	for _, s := range []string{"鍼", "はり", "ﾏｯｻｰｼﾞｵｲﾙ", "ＳＥＩＲＩＮ－Ｊ－０．１６ｘ３０", "  a\u3000b  ", "İstanbul", "ゝゞ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := catalog.NormalizeSearch(s)
		if !utf8.ValidString(got) {
			t.Fatalf("NormalizeSearch(%q)=%q is not UTF-8", s, got)
		}
		if again := catalog.NormalizeSearch(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Fatalf("NormalizeSearch(%q)=%q has stray spaces", s, got)
		}
		for _, r := range got {
			if r >= 'ぁ' && r <= 'ゖ' {
				t.Fatalf("NormalizeSearch(%q)=%q keeps hiragana", s, got)
			}
			if r >= 'A' && r <= 'Z' {
				t.Fatalf("NormalizeSearch(%q)=%q keeps upper case", s, got)
			}
		}
	})
}
