package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

// newCategory creates a category through the admin and returns its id.
func newCategory(t *testing.T, b *browser, e *catalogEnv, slug, name string) int64 {
	t.Helper()
	res := b.post("/admin/categories", url.Values{"slug": {slug}, "name_ja": {name}, "position": {"1"}})
	wantRedirect(t, res, "/admin/categories?done=created")
	c, err := e.catalog.CategoryBySlug(e.ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestCatalogManagerEditsProducts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		b := e.loggedIn("manager@example.jp", staff.Manager)
		catID := newCategory(t, b, e, "needles", "鍼")

		wantStatus(t, b.get("/admin/products/new"), http.StatusOK)
		form := url.Values{
			"slug": {"seirin-j"}, "name_ja": {"セイリン J型"}, "category_id": {idStr(catID)}, "tax_class": {"standard"},
			"status": {"draft"}, "practitioners_only": {"on"}, "description_ja": {"ディスポーザブル鍼。\r\n\r\n100本入り。"},
			"sku": {"SJ-0230"}, "label_ja": {"0.20×30mm"}, "price": {"1,980"}, "member_price": {"1650"}, "stock": {"10"}, "max_per_order": {""},
		}

		// Bad input: the form again, each bad field named in Japanese.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("slug", "Seirin J")
		bad.Set("price", "")
		bad.Set("member_price", "5000")
		res := b.post("/admin/products", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "price"); !strings.Contains(got, "価格") {
			t.Errorf("price error %q", got)
		}
		// The price is read before the catalogue checks the rest, so fix it
		// and see the catalogue's own reasons.
		bad.Set("price", "1980")
		res = b.post("/admin/products", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "slug"); !strings.Contains(got, "URL名") {
			t.Errorf("slug error %q", got)
		}
		if got := fieldError(res.Doc, "member_price"); !strings.Contains(got, "会員価格") {
			t.Errorf("member_price error %q", got)
		}
		if v, _ := inputValue(res.Doc, "name_ja"); v != "セイリン J型" {
			t.Errorf("the form lost what was typed: name_ja=%q", v)
		}

		res = b.post("/admin/products", form)
		wantRedirect(t, res, "/admin/products/")
		id := idFromLocation(t, res)
		page := b.get("/admin/products/" + id)
		wantStatus(t, page, http.StatusOK)
		if e.entries("catalog.product.create", "manager@example.jp") == nil {
			t.Error("no catalog.product.create audit entry by the manager")
		}

		// Publish it under a new name.
		edit := formValues(page.Doc, "/admin/products/"+id)
		edit.Set("name_ja", "セイリン J型 鍼")
		edit.Set("status", "published")
		wantRedirect(t, b.post("/admin/products/"+id, edit), "/admin/products/"+id+"?done=saved")

		// A second variant, then stock and a price change on the first.
		wantRedirect(t, b.post("/admin/products/"+id+"/variants", url.Values{"sku": {"SJ-0240"}, "label_ja": {"0.20×40mm"},
			"price": {"2100"}, "stock": {"5"}}), "/admin/products/"+id)
		res = b.post("/admin/products/"+id+"/variants", url.Values{"sku": {"SJ-0240"}, "price": {"2100"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "sku"); !strings.Contains(got, "すでに使われています") {
			t.Errorf("taken SKU error %q", got)
		}
		p, err := e.catalog.ProductByID(e.ctx, mustInt(t, id))
		if err != nil {
			t.Fatal(err)
		}
		first := p.Variants[0]
		vid := idStr(first.ID)
		wantRedirect(t, b.post("/admin/variants/"+vid+"/stock", url.Values{"product": {id}, "stock": {"７"}}), "/admin/products/"+id)
		wantRedirect(t, b.post("/admin/variants/"+vid, url.Values{"product": {id}, "label_ja": {"0.20×30mm"}, "price": {"2,000"},
			"member_price": {"1700"}, "max_per_order": {"20"}}), "/admin/products/"+id)
		res = b.post("/admin/variants/"+vid+"/stock", url.Values{"product": {id}, "stock": {"-1"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "v"+vid+"-stock"); got == "" {
			t.Error("no error beside the variant's stock")
		}
		// A variant of another product cannot be reached through this one.
		wantStatus(t, b.post("/admin/variants/"+vid+"/stock", url.Values{"product": {"999"}, "stock": {"1"}}), http.StatusNotFound)

		// The store sees it.
		shown, err := e.catalog.ProductBySlug(e.ctx, "seirin-j")
		if err != nil {
			t.Fatalf("published product not in the store: %v", err)
		}
		v, _ := shown.Variant(first.ID)
		if shown.NameJa != "セイリン J型 鍼" || len(shown.Variants) != 2 || !shown.PractitionersOnly ||
			v.Stock != 7 || v.Price != 2000 || v.MemberPrice != 1700 || v.MaxPerOrder != 20 {
			t.Fatalf("store sees %+v, variant %+v", shown, v)
		}
		if shown.DescriptionJa != "ディスポーザブル鍼。\n\n100本入り。" {
			t.Errorf("description %q", shown.DescriptionJa)
		}
		for _, action := range []string{"catalog.product.update", "catalog.variant.add", "catalog.stock.set", "catalog.variant.update"} {
			if e.entries(action, "manager@example.jp") == nil {
				t.Errorf("no %s audit entry by the manager", action)
			}
		}

		// The list finds it by a word, a category and a status.
		list := b.get("/admin/products?q=" + url.QueryEscape("セイリン") + "&category=needles&status=published")
		wantStatus(t, list, http.StatusOK)
		if find(list.Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/admin/products/"+id }) == nil {
			t.Fatalf("list does not link to the product:\n%s", list.Body)
		}
		if countRows(b.get("/admin/products?status=draft").Doc) != 0 {
			t.Error("a published product listed as a draft")
		}
		wantStatus(t, b.get("/admin/products?category=nothing"), http.StatusUnprocessableEntity)

		// Deleting: the other variant goes; the last one is refused, kindly.
		wantRedirect(t, b.post("/admin/variants/"+idStr(p.Variants[1].ID)+"/delete", url.Values{"product": {id}}), "/admin/products/"+id)
		res = b.post("/admin/variants/"+vid+"/delete", url.Values{"product": {id}})
		wantStatus(t, res, http.StatusConflict)
		if got := textOf(find(res.Doc, hasClass("alert"))); !strings.Contains(got, "削除できません") {
			t.Errorf("last-variant refusal says %q", got)
		}

		// English on request.
		en := b.get("/admin/products/" + id + "?lang=en")
		wantStatus(t, en, http.StatusOK)
		if !strings.Contains(en.Body, "Variants, prices and stock") {
			t.Error("the product page in English has no English heading")
		}
		verifyAudit(t, e)
	})
}

func TestCatalogCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		b := e.loggedIn("manager@example.jp", staff.Manager)
		parent := newCategory(t, b, e, "needles", "鍼")
		child := newCategory(t, b, e, "disposable", "ディスポ鍼")

		res := b.post("/admin/categories", url.Values{"slug": {"needles"}, "name_ja": {"重複"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "new-slug"); !strings.Contains(got, "すでに使われています") {
			t.Errorf("taken slug error %q", got)
		}
		// Move the child under the parent; the parent under its child is a loop.
		wantRedirect(t, b.post("/admin/categories/"+idStr(child), url.Values{"slug": {"disposable"}, "name_ja": {"ディスポ鍼"},
			"parent_id": {idStr(parent)}, "position": {"2"}}), "/admin/categories?done=saved")
		res = b.post("/admin/categories/"+idStr(parent), url.Values{"slug": {"needles"}, "name_ja": {"鍼"}, "parent_id": {idStr(child)}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "c"+idStr(parent)+"-parent_id"); got == "" {
			t.Error("no error beside the parent select")
		}
		// A category with a category beneath it stays.
		res = b.post("/admin/categories/"+idStr(parent)+"/delete", nil)
		wantStatus(t, res, http.StatusConflict)
		wantRedirect(t, b.post("/admin/categories/"+idStr(child)+"/delete", nil), "/admin/categories?done=deleted")
		if _, err := e.catalog.CategoryBySlug(e.ctx, "disposable"); err == nil {
			t.Error("deleted category still there")
		}
		for _, action := range []string{"catalog.category.create", "catalog.category.update", "catalog.category.delete"} {
			if e.entries(action, "manager@example.jp") == nil {
				t.Errorf("no %s audit entry", action)
			}
		}
		verifyAudit(t, e)
	})
}

// catalogWrites are every catalogue and content change, and the pages
// that lead only to changes.
var catalogWrites = []denial{
	{"GET", "/admin/products/new", staff.CatalogWrite},
	{"POST", "/admin/products", staff.CatalogWrite},
	{"POST", "/admin/products/1", staff.CatalogWrite},
	{"POST", "/admin/products/1/variants", staff.CatalogWrite},
	{"POST", "/admin/variants/1", staff.CatalogWrite},
	{"POST", "/admin/variants/1/stock", staff.CatalogWrite},
	{"POST", "/admin/variants/1/delete", staff.CatalogWrite},
	{"POST", "/admin/products/1/images", staff.CatalogWrite},
	{"POST", "/admin/products/1/images/delete", staff.CatalogWrite},
	{"POST", "/admin/products/1/images/move", staff.CatalogWrite},
	{"POST", "/admin/products/1/tags", staff.CatalogWrite},
	{"POST", "/admin/products/1/related", staff.CatalogWrite},
	{"POST", "/admin/categories", staff.CatalogWrite},
	{"POST", "/admin/categories/1", staff.CatalogWrite},
	{"POST", "/admin/categories/1/delete", staff.CatalogWrite},
	{"GET", "/admin/products/export", staff.CatalogWrite},
	{"GET", "/admin/products/import", staff.CatalogWrite},
	{"POST", "/admin/products/import", staff.CatalogWrite},
	{"GET", "/admin/content", staff.ContentWrite},
	{"GET", "/admin/content/news/new", staff.ContentWrite},
	{"POST", "/admin/content/news", staff.ContentWrite},
	{"GET", "/admin/content/news/1", staff.ContentWrite},
	{"POST", "/admin/content/news/1", staff.ContentWrite},
	{"POST", "/admin/content/news/1/delete", staff.ContentWrite},
	{"GET", "/admin/content/pages/privacy", staff.ContentWrite},
	{"POST", "/admin/content/pages/privacy", staff.ContentWrite},
}

func TestCatalogRolesCannotWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		owner := e.loggedIn("owner@example.jp", staff.Owner)
		catID := newCategory(t, owner, e, "needles", "鍼")
		res := owner.post("/admin/products", url.Values{"slug": {"kept"}, "name_ja": {"元の名前"}, "category_id": {idStr(catID)},
			"tax_class": {"standard"}, "status": {"published"}, "sku": {"K-1"}, "price": {"100"}, "stock": {"3"}})
		wantRedirect(t, res, "/admin/products/")
		productPage := "/admin/products/" + idFromLocation(t, res)

		for _, role := range []staff.Role{staff.Shipping, staff.Support, staff.Auditor} {
			email := string(role) + "@example.jp"
			b := e.loggedIn(email, role)
			denied := 0
			for _, g := range catalogWrites {
				if role.Can(g.perm) {
					continue
				}
				var res *response
				if g.method == "GET" {
					res = b.get(g.path)
				} else {
					res = b.post(g.path, url.Values{"product": {"1"}, "slug": {"pwned"}, "name_ja": {"乗っ取り"}, "stock": {"0"},
						"price": {"1"}, "title_ja": {"pwned"}, "body_ja": {"pwned"}, "path": {"/media/products/x.png"}})
				}
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s %s: status=%d, want 403", role, g.method, g.path, res.StatusCode)
				}
				denied++
			}
			// A crafted multipart upload is refused the same way.
			if res := b.upload("/admin/products/1/images", nil, "image", "x.png", pngBytes(t)); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: image upload status=%d, want 403", role, res.StatusCode)
			}
			denied++
			if got := len(e.entries("staff.denied", email)); got != denied {
				t.Errorf("%s: %d staff.denied entries, want %d", role, got, denied)
			}
			// Reading the catalogue is the auditor's, not shipping's or support's.
			if want := http.StatusForbidden; role.Can(staff.CatalogRead) {
				wantStatus(t, b.get("/admin/products"), http.StatusOK)
				wantStatus(t, b.get(productPage), http.StatusOK)
			} else {
				wantStatus(t, b.get("/admin/products"), want)
			}
		}
		p, err := e.catalog.ProductBySlug(e.ctx, "kept")
		if err != nil || p.NameJa != "元の名前" || p.Variants[0].Stock != 3 || p.Variants[0].Price != 100 {
			t.Fatalf("product after denied writes: %+v, %v", p, err)
		}
		if _, err := e.catalog.CategoryBySlug(e.ctx, "pwned"); err == nil {
			t.Fatal("a denied POST created a category")
		}
		verifyAudit(t, e)
	})
}
