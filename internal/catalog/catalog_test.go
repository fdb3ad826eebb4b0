package catalog_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/shop"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return t0 }

// setup is who creates the fixture, so that its audit entries stay apart
// from the tests' own (owner's).
var setup = audit.System("test")

// fixture creates a small catalogue: 鍼 (with ディスポ鍼 and 円皮鍼 beneath
// it), オイル・クリーム and 健康茶, five published products and a draft.
func fixture(t *testing.T, d *db.DB) *catalog.Service {
	t.Helper()
	ctx := context.Background()
	cat := catalog.New(d, fixedClock)
	trees := []catalog.Category{
		{Slug: "hari", NameJa: "鍼", NameEn: "Needles", Position: 1, Children: []*catalog.Category{
			{Slug: "hari-disposable", NameJa: "ディスポ鍼", NameEn: "Disposable needles", Position: 1},
			{Slug: "hari-enpi", NameJa: "円皮鍼", NameEn: "Press needles", Position: 2},
		}},
		{Slug: "oil", NameJa: "オイル・クリーム", NameEn: "Oils & creams", Position: 2},
		{Slug: "tea", NameJa: "健康茶", NameEn: "Herbal teas", Position: 3},
	}
	for _, c := range trees {
		if _, err := cat.CreateCategory(ctx, c, setup); err != nil {
			t.Fatalf("create category: %v", err)
		}
	}
	ps := []catalog.Product{
		product("seirin-j", "hari-disposable", "セイリン ディスポ鍼 Jタイプ", "SEIRIN J-type", "セイリンディスポバリ", 2, 0,
			variant("SEIRIN-J-0.16x30", "0.16mm × 30mm", 2420, 2178, 10), variant("SEIRIN-J-0.18x40", "0.18mm × 40mm", 2420, 2178, 0)),
		product("press-needle", "hari-enpi", "円皮鍼 パッチ", "Press needle patch", "エンピシン", 1, 1,
			variant("PRESS-06", "0.6mm", 3300, 0, 5)),
		product("almond-oil", "oil", "マッサージオイル スイートアーモンド", "Sweet Almond Massage Oil", "マッサージオイル", 3, 2,
			variant("OIL-ALM-100", "100ml", 1980, 0, 20), variant("OIL-ALM-500", "500ml", 5280, 4980, 3)),
		product("cream", "oil", "マッサージクリーム 無香料", "Unscented Massage Cream", "マッサージクリーム", 4, 3,
			variant("CREAM-1KG", "1kg", 2750, 0, 8)),
		product("dokudami", "tea", "ドクダミ茶", "Dokudami Tea", "ドクダミチャ", 5, 4,
			variant("TEA-DKD-30", "30包", 1080, 0, 40)),
		product("draft-hari", "hari", "試作 鍼", "Prototype needle", "", 0, 5,
			variant("DRAFT-1", "", 1000, 0, 1)),
	}
	ps[0].PractitionersOnly = true
	ps[0].Images = []catalog.Image{{Path: "/media/products/seirin-j.png", AltJa: "セイリン Jタイプ", AltEn: "SEIRIN J-type"}}
	ps[4].TaxClass = shop.TaxReduced
	ps[5].Status = catalog.StatusDraft
	if _, err := cat.CreateProducts(ctx, ps, setup); err != nil {
		t.Fatalf("create products: %v", err)
	}
	return cat
}

// product is a published, standard-rate product created hours after t0.
func product(slug, category, ja, en, kana string, position, hours int, vs ...catalog.Variant) catalog.Product {
	return catalog.Product{Slug: slug, CategorySlug: category, NameJa: ja, NameEn: en, NameKana: kana,
		DescriptionJa: ja + "です。施術にお使いいただけます。", TaxClass: shop.TaxStandard,
		Status: catalog.StatusPublished, Position: position, Variants: vs,
		CreatedAt: t0.Add(time.Duration(hours) * time.Hour)}
}

func variant(sku, label string, price, member shop.Yen, stock int) catalog.Variant {
	return catalog.Variant{SKU: sku, LabelJa: label, Price: price, MemberPrice: member, Stock: stock}
}

func slugs(ps []catalog.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Slug
	}
	return out
}

func TestPriceForAndBuyableBy(t *testing.T) {
	guest := shop.Viewer{}
	member := shop.Viewer{MemberID: 1}
	practitioner := shop.Viewer{MemberID: 2, Practitioner: true}
	withMember := catalog.Variant{Price: 2420, MemberPrice: 2178, Stock: 3}
	noMember := catalog.Variant{Price: 1980, Stock: 0}
	tests := []struct {
		name      string
		v         catalog.Variant
		p         catalog.Product
		viewer    shop.Viewer
		wantPrice shop.Yen
		wantBuy   bool
	}{
		{"guest pays list price", withMember, catalog.Product{Status: "published"}, guest, 2420, true},
		{"member without licence pays list price", withMember, catalog.Product{Status: "published"}, member, 2420, true},
		{"practitioner pays member price", withMember, catalog.Product{Status: "published"}, practitioner, 2178, true},
		{"no member price", noMember, catalog.Product{Status: "published"}, practitioner, 1980, true},
		{"guest and practitioners only", withMember, catalog.Product{Status: "published", PractitionersOnly: true}, guest, 2420, false},
		{"member and practitioners only", withMember, catalog.Product{Status: "published", PractitionersOnly: true}, member, 2420, false},
		{"practitioner and practitioners only", withMember, catalog.Product{Status: "published", PractitionersOnly: true}, practitioner, 2178, true},
		{"draft", withMember, catalog.Product{Status: "draft"}, practitioner, 2178, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.PriceFor(tt.viewer); got != tt.wantPrice {
				t.Errorf("PriceFor=%d, want %d", got, tt.wantPrice)
			}
			if got := tt.p.BuyableBy(tt.viewer); got != tt.wantBuy {
				t.Errorf("BuyableBy=%v, want %v", got, tt.wantBuy)
			}
		})
	}
}

func TestPriceRangeAndStock(t *testing.T) {
	p := catalog.Product{Variants: []catalog.Variant{
		{Price: 1980, Stock: 0}, {Price: 5280, MemberPrice: 4980, Stock: 0}, {Price: 3300, MemberPrice: 1500, Stock: 0},
	}}
	if lo, hi := p.PriceRange(shop.Viewer{}); lo != 1980 || hi != 5280 {
		t.Errorf("guest range=%d..%d, want 1980..5280", lo, hi)
	}
	if lo, hi := p.PriceRange(shop.Viewer{Practitioner: true}); lo != 1500 || hi != 4980 {
		t.Errorf("practitioner range=%d..%d, want 1500..4980", lo, hi)
	}
	if p.InStock() {
		t.Error("InStock=true with no stock")
	}
	p.Variants[1].Stock = 1
	if !p.InStock() {
		t.Error("InStock=false with one in stock")
	}
	if lo, hi := (catalog.Product{}).PriceRange(shop.Viewer{}); lo != 0 || hi != 0 {
		t.Errorf("empty range=%d..%d, want 0..0", lo, hi)
	}
}

func TestNames(t *testing.T) {
	p := catalog.Product{NameJa: "ドクダミ茶", NameEn: "Dokudami Tea", DescriptionJa: "国産です。"}
	if got := p.Name("en"); got != "Dokudami Tea" {
		t.Errorf("Name(en)=%q", got)
	}
	if got := p.Name("ja"); got != "ドクダミ茶" {
		t.Errorf("Name(ja)=%q", got)
	}
	if got := p.Description("en"); got != "国産です。" {
		t.Errorf("Description(en)=%q, want the Japanese fallback", got)
	}
}
