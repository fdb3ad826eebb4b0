package catalog_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

var owner = audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.10"}

// productID returns the id of the product with the slug, drafts included.
func productID(t *testing.T, cat *catalog.Service, slug string) int64 {
	t.Helper()
	ps, _, err := cat.AdminList(context.Background(), catalog.AdminQuery{Limit: catalog.MaxAdminLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Slug == slug {
			return p.ID
		}
	}
	t.Fatalf("no product %q", slug)
	return 0
}

func variantID(t *testing.T, cat *catalog.Service, sku string) int64 {
	t.Helper()
	_, v, err := cat.VariantBySKU(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// entries returns owner's entries in the audit log, oldest first.
func entries(t *testing.T, d *db.DB) []audit.Entry {
	t.Helper()
	es, err := audit.List(context.Background(), d, audit.Filter{Actor: owner.Name, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

func verifyChain(t *testing.T, d *db.DB) {
	t.Helper()
	if _, err := audit.Verify(context.Background(), d); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
}

func wantCode(t *testing.T, err error, code shop.Code) {
	t.Helper()
	if got := shop.ErrorCode(err); got != code {
		t.Fatalf("error %v: code=%s, want %s", err, got, code)
	}
}

func wantField(t *testing.T, err error, field, reason string) {
	t.Helper()
	if got := shop.ErrorFields(err)[field]; got != reason {
		t.Fatalf("error %v: field %s=%q, want %q", err, field, got, reason)
	}
}

func TestAdminWritesAreAuditedInTheirTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		oil := productID(t, cat, "almond-oil")

		err := cat.UpdateProduct(ctx, oil, catalog.ProductUpdate{CategorySlug: "oil", NameJa: "ホホバオイル",
			NameEn: "Jojoba oil", DescriptionJa: "肌になじむオイル。\n無香料。", TaxClass: shop.TaxStandard,
			Status: catalog.StatusDraft, Position: 7}, owner)
		if err != nil {
			t.Fatal(err)
		}
		vid, err := cat.AddVariant(ctx, oil, catalog.Variant{SKU: "OIL-JOJ-1L", LabelJa: "1L", Price: 8800, Stock: 2}, owner)
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.UpdateVariant(ctx, vid, catalog.VariantUpdate{LabelJa: "1リットル", Price: 9000, MemberPrice: 8500}, owner); err != nil {
			t.Fatal(err)
		}
		if err := cat.SetStock(ctx, vid, 10, owner); err != nil {
			t.Fatal(err)
		}
		if got, err := cat.AdjustStock(ctx, vid, -3, owner); err != nil || got != 7 {
			t.Fatalf("adjust stock=%d, %v, want 7", got, err)
		}
		img := catalog.Image{Path: "/media/products/0123abcd.jpg", AltJa: "ボトル"}
		if err := cat.AddImage(ctx, oil, img, owner); err != nil {
			t.Fatal(err)
		}
		if err := cat.RemoveImage(ctx, oil, img.Path, owner); err != nil {
			t.Fatal(err)
		}
		if err := cat.DeleteVariant(ctx, vid, owner); err != nil {
			t.Fatal(err)
		}
		cid, err := cat.CreateCategory(ctx, catalog.Category{Slug: "towel", NameJa: "タオル"}, owner)
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.UpdateCategory(ctx, cid, catalog.CategoryUpdate{Slug: "towels", NameJa: "タオル類", Position: 9}, owner); err != nil {
			t.Fatal(err)
		}
		if err := cat.DeleteCategory(ctx, cid, owner); err != nil {
			t.Fatal(err)
		}

		want := []string{"catalog.product.update", "catalog.variant.add", "catalog.variant.update", "catalog.stock.set",
			"catalog.stock.adjust", "catalog.image.add", "catalog.image.remove", "catalog.variant.delete",
			"catalog.category.create", "catalog.category.update", "catalog.category.delete"}
		es := entries(t, d)
		if len(es) != len(want) {
			t.Fatalf("%d audit entries, want %d", len(es), len(want))
		}
		for i, e := range es {
			if e.Action != want[i] || e.Actor != owner.Name || e.IP != owner.IP || !e.At.Equal(t0) {
				t.Errorf("entry %d: %s by %s from %s at %v, want %s by %s from %s at %v",
					i, e.Action, e.Actor, e.IP, e.At, want[i], owner.Name, owner.IP, t0)
			}
		}
		// The product's before and after are JSON that says what changed.
		var before, after struct {
			NameJa string `json:"name_ja"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal([]byte(es[0].Before), &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(es[0].After), &after); err != nil {
			t.Fatal(err)
		}
		if before.NameJa != "マッサージオイル スイートアーモンド" || after.NameJa != "ホホバオイル" || after.Status != "draft" {
			t.Fatalf("before=%+v after=%+v", before, after)
		}
		if es[0].Target != "product:"+strconv.FormatInt(oil, 10) {
			t.Fatalf("target=%s", es[0].Target)
		}
		var stock struct {
			Stock int `json:"stock"`
		}
		if err := json.Unmarshal([]byte(es[4].After), &stock); err != nil || stock.Stock != 7 {
			t.Fatalf("adjust after=%s, want stock 7", es[4].After)
		}
		verifyChain(t, d)

		// The draft is invisible in the store but listed for staff.
		if _, err := cat.ProductBySlug(ctx, "almond-oil"); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("draft in the store: %v", err)
		}
		p, err := cat.ProductByID(ctx, oil)
		if err != nil {
			t.Fatal(err)
		}
		if p.NameJa != "ホホバオイル" || p.Position != 7 || len(p.Variants) != 2 || len(p.Images) != 0 {
			t.Fatalf("product=%+v", p)
		}
	})
}

func TestAdminWriteWithBadInputChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		oil := productID(t, cat, "almond-oil")
		vid := variantID(t, cat, "OIL-ALM-100")
		before, err := cat.ProductByID(ctx, oil)
		if err != nil {
			t.Fatal(err)
		}

		err = cat.UpdateProduct(ctx, oil, catalog.ProductUpdate{CategorySlug: "no-such", NameJa: "",
			TaxClass: "luxury", Status: "hidden"}, owner)
		wantCode(t, err, shop.Invalid)
		for field, reason := range map[string]string{"name_ja": shop.ReasonRequired, "category_id": shop.ReasonChoice,
			"tax_class": shop.ReasonChoice, "status": shop.ReasonChoice} {
			wantField(t, err, field, reason)
		}
		err = cat.UpdateVariant(ctx, vid, catalog.VariantUpdate{Price: 1000, MemberPrice: 2000, MaxPerOrder: 5000}, owner)
		wantField(t, err, "member_price", shop.ReasonRange)
		wantField(t, err, "max_per_order", shop.ReasonRange)
		_, err = cat.AddVariant(ctx, oil, catalog.Variant{SKU: "OIL-ALM-500", Price: 10}, owner)
		wantField(t, err, "sku", shop.ReasonTaken)
		_, err = cat.AddVariant(ctx, oil, catalog.Variant{SKU: "bad sku!", Price: -1}, owner)
		wantField(t, err, "sku", shop.ReasonFormat)
		wantField(t, err, "price", shop.ReasonRange)
		wantField(t, cat.SetStock(ctx, vid, -1, owner), "stock", shop.ReasonRange)
		_, err = cat.AdjustStock(ctx, vid, -21, owner)
		wantCode(t, err, shop.Conflict)
		wantField(t, cat.AddImage(ctx, oil, catalog.Image{Path: "../etc/passwd"}, owner), "path", shop.ReasonFormat)
		wantCode(t, cat.RemoveImage(ctx, oil, "/media/products/none.jpg", owner), shop.NotFound)
		wantCode(t, cat.UpdateProduct(ctx, 999999, catalog.ProductUpdate{}, owner), shop.NotFound)

		after, err := cat.ProductByID(ctx, oil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		if string(a) != string(b) {
			t.Fatalf("product changed:\n%s\nwant\n%s", a, b)
		}
		if es := entries(t, d); len(es) != 0 {
			t.Fatalf("%d audit entries after refused writes, want 0: first %s", len(es), es[0].Action)
		}
	})
}

func TestDeleteVariantRefusesOrderedAndLastVariants(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		ordered := variantID(t, cat, "SEIRIN-J-0.16x30")
		_, err := d.ExecContext(ctx, `
			INSERT INTO orders (id, number, email, status, payment_method, subtotal, shipping_fee, cod_fee, total,
				tax_basis, tax_rounding, invoice_number, ship_name, ship_name_kana, ship_postal_code, ship_prefecture,
				ship_city, ship_line1, ship_phone, access_token_hash, created_at, updated_at)
			VALUES (1, 'K-1', 'a@example.jp', 'placed', 'bank_transfer', 2420, 0, 0, 2420,
				'included', 'floor', 'T1234567890123', '鈴木', 'スズキ', '1000001', 13,
				'千代田区', '1-1', '0312345678', 'x', $1, $1)`, t0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.ExecContext(ctx, `
			INSERT INTO order_lines (order_id, variant_id, sku, name, tax_rate, unit_price, quantity, line_total)
			VALUES (1, $1, 'SEIRIN-J-0.16x30', 'セイリン', 10, 2420, 1, 2420)`, ordered)
		if err != nil {
			t.Fatal(err)
		}
		err = cat.DeleteVariant(ctx, ordered, owner)
		wantCode(t, err, shop.Conflict)
		if !strings.Contains(shop.ErrorMessage(err), "unpublish") {
			t.Fatalf("message %q does not suggest unpublishing", shop.ErrorMessage(err))
		}
		wantCode(t, cat.DeleteVariant(ctx, variantID(t, cat, "PRESS-06"), owner), shop.Conflict)
		wantCode(t, cat.DeleteVariant(ctx, 999999, owner), shop.NotFound)
		if es := entries(t, d); len(es) != 0 {
			t.Fatalf("%d audit entries, want 0", len(es))
		}
	})
}

func TestCategoryAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		hari, err := cat.CategoryBySlug(ctx, "hari")
		if err != nil {
			t.Fatal(err)
		}
		disposable := hari.Children[0]

		// Not empty: products or categories beneath.
		wantCode(t, cat.DeleteCategory(ctx, hari.ID, owner), shop.Conflict)
		wantCode(t, cat.DeleteCategory(ctx, disposable.ID, owner), shop.Conflict)
		// A loop: hari under its own child.
		err = cat.UpdateCategory(ctx, hari.ID, catalog.CategoryUpdate{ParentID: disposable.ID, Slug: "hari", NameJa: "鍼"}, owner)
		wantField(t, err, "parent_id", shop.ReasonChoice)
		err = cat.UpdateCategory(ctx, hari.ID, catalog.CategoryUpdate{ParentID: hari.ID, Slug: "oil", NameJa: ""}, owner)
		wantField(t, err, "parent_id", shop.ReasonChoice)
		wantField(t, err, "slug", shop.ReasonTaken)
		wantField(t, err, "name_ja", shop.ReasonRequired)
		if es := entries(t, d); len(es) != 0 {
			t.Fatalf("%d audit entries, want 0", len(es))
		}

		// Renaming the parent renames what products beneath it are found by.
		if err := cat.UpdateCategory(ctx, hari.ID, catalog.CategoryUpdate{Slug: "hari", NameJa: "はりきゅう", NameEn: "Acupuncture", Position: 1}, owner); err != nil {
			t.Fatal(err)
		}
		found, _, err := cat.Search(ctx, catalog.Query{Q: "ハリキュウ"})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(slugs(found), ","); got != "press-needle,seirin-j" {
			t.Fatalf("found %s, want press-needle,seirin-j", got)
		}
		verifyChain(t, d)
	})
}

func TestWritesRefreshSearchAndCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fixture(t, d)
		cat := catalog.New(d, fixedClock)
		cat.EnableCache(time.Hour)
		cream := productID(t, cat, "cream")
		if _, err := cat.ProductBySlug(ctx, "cream"); err != nil {
			t.Fatal(err)
		}
		if _, err := cat.AddVariant(ctx, cream, catalog.Variant{SKU: "CREAM-TRIAL", LabelJa: "お試しサイズ", Price: 550, Stock: 3}, owner); err != nil {
			t.Fatal(err)
		}
		p, err := cat.ProductBySlug(ctx, "cream")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Variants) != 2 || p.Variants[1].SKU != "CREAM-TRIAL" {
			t.Fatalf("variants after add=%+v: the cache was not cleared", p.Variants)
		}
		found, total, err := cat.Search(ctx, catalog.Query{Q: "お試し"})
		if err != nil || total != 1 || found[0].Slug != "cream" {
			t.Fatalf("search for the new label: %v, %d, %v", slugs(found), total, err)
		}
	})
}

func TestAdminList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		for _, tc := range []struct {
			q    catalog.AdminQuery
			want string
		}{
			{catalog.AdminQuery{}, "draft-hari,press-needle,seirin-j,almond-oil,cream,dokudami"},
			{catalog.AdminQuery{Status: catalog.StatusDraft}, "draft-hari"},
			{catalog.AdminQuery{Category: "hari"}, "draft-hari,press-needle,seirin-j"},
			{catalog.AdminQuery{Q: "試作"}, "draft-hari"},
			{catalog.AdminQuery{Status: catalog.StatusPublished, Limit: 2, Offset: 1}, "seirin-j,almond-oil"},
		} {
			ps, _, err := cat.AdminList(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(slugs(ps), ","); got != tc.want {
				t.Errorf("%+v: %s, want %s", tc.q, got, tc.want)
			}
		}
		_, _, err := cat.AdminList(ctx, catalog.AdminQuery{Status: "gone", Limit: 1000, Category: "none"})
		wantField(t, err, "status", shop.ReasonChoice)
		wantField(t, err, "limit", shop.ReasonRange)
		_, _, err = cat.AdminList(ctx, catalog.AdminQuery{Category: "none"})
		wantField(t, err, "category", shop.ReasonChoice)
	})
}

func TestCreatingIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		cid, err := cat.CreateCategory(ctx, catalog.Category{Slug: "tape", NameJa: "テーピング", Children: []*catalog.Category{
			{Slug: "tape-kinesio", NameJa: "キネシオ"}}}, owner)
		if err != nil {
			t.Fatal(err)
		}
		id, err := cat.CreateProduct(ctx, product(" kinesio ", "tape-kinesio", "キネシオテープ", "Kinesio tape", "", 9, 0,
			variant("TAPE-50", "5cm", 880, 0, 5)), owner)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := cat.CreateProducts(ctx, []catalog.Product{
			product("tape-25", "tape", "テープ 25mm", "", "", 10, 0, variant("TAPE-25", "2.5cm", 550, 0, 5)),
			product("tape-75", "tape", "テープ 75mm", "", "", 11, 0, variant("TAPE-75", "7.5cm", 1100, 0, 5)),
		}, owner)
		if err != nil {
			t.Fatal(err)
		}
		// A refused batch writes nothing, its entries included.
		_, err = cat.CreateProducts(ctx, []catalog.Product{
			product("tape-100", "tape", "テープ 100mm", "", "", 12, 0, variant("TAPE-100", "10cm", 1320, 0, 5)),
			product("tape-dup", "tape", "重複", "", "", 13, 0, variant("TAPE-25", "2.5cm", 550, 0, 5)),
		}, owner)
		wantField(t, err, "products[1].variants[0].sku", shop.ReasonTaken)

		child, err := cat.CategoryBySlug(ctx, "tape-kinesio")
		if err != nil {
			t.Fatal(err)
		}
		es := entries(t, d)
		want := []string{"category:" + strconv.FormatInt(cid, 10), "category:" + strconv.FormatInt(child.ID, 10),
			"product:" + strconv.FormatInt(id, 10), "product:" + strconv.FormatInt(ids[0], 10), "product:" + strconv.FormatInt(ids[1], 10)}
		if len(es) != len(want) {
			t.Fatalf("%d audit entries, want %d", len(es), len(want))
		}
		for i, e := range es {
			action := "catalog.product.create"
			if i < 2 {
				action = "catalog.category.create"
			}
			if e.Action != action || e.Target != want[i] || e.Before != "" || e.After == "" {
				t.Errorf("entry %d: %s on %s (before %q), want %s on %s with only an after", i, e.Action, e.Target, e.Before, action, want[i])
			}
		}
		// The entry records the product as stored: trimmed, with its ids.
		var after struct {
			ID       int64  `json:"id"`
			Slug     string `json:"slug"`
			Variants []struct {
				SKU string `json:"sku"`
			} `json:"variants"`
		}
		if err := json.Unmarshal([]byte(es[2].After), &after); err != nil {
			t.Fatal(err)
		}
		if after.ID != id || after.Slug != "kinesio" || len(after.Variants) != 1 || after.Variants[0].SKU != "TAPE-50" {
			t.Fatalf("after=%+v, want product %d kinesio with TAPE-50", after, id)
		}
		verifyChain(t, d)
	})
}
