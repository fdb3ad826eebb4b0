package admin_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

func TestCatalogTagsRelatedAndImageOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		b := e.loggedIn("owner@example.jp", staff.Owner)
		page := newProduct(t, b, e, "kyusin", "KY-1")
		newProduct(t, b, e, "moxa", "MX-1")
		id := mustInt(t, strings.TrimPrefix(page, "/admin/products/"))

		// Tags: a bad list shows the form again naming the field.
		res := b.post(page+"/tags", url.Values{"tags": {strings.Repeat("長", 31)}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if fieldError(res.Doc, "tags") == "" {
			t.Error("no error beside the tags")
		}
		wantRedirect(t, b.post(page+"/tags", url.Values{"tags": {"国産, 単回使用\n国産"}}), page+"?done=tags_saved")

		// Related: an unknown slug is refused; known ones kept in order.
		wantStatus(t, b.post(page+"/related", url.Values{"related": {"moxa\nnope"}}), http.StatusUnprocessableEntity)
		wantRedirect(t, b.post(page+"/related", url.Values{"related": {"moxa"}}), page+"?done=related_saved")

		// Images: three stored by the catalogue, then moved by the buttons.
		for _, name := range []string{"a", "b", "c"} {
			if err := e.catalog.AddImage(e.ctx, id, catalog.Image{Path: "/media/products/" + name + ".jpg"}, audit.System("test")); err != nil {
				t.Fatal(err)
			}
		}
		wantRedirect(t, b.post(page+"/images/move", url.Values{"path": {"/media/products/c.jpg"}, "dir": {"up"}}), page+"?done=image_moved")
		wantStatus(t, b.post(page+"/images/move", url.Values{"path": {"/media/products/c.jpg"}, "dir": {"sideways"}}), http.StatusNotFound)

		p, err := e.catalog.ProductByID(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, img := range p.Images {
			order = append(order, strings.TrimSuffix(strings.TrimPrefix(img.Path, "/media/products/"), ".jpg"))
		}
		if !slices.Equal(p.Tags, []string{"単回使用", "国産"}) && !slices.Equal(p.Tags, []string{"国産", "単回使用"}) || len(p.Related) != 1 ||
			strings.Join(order, "") != "acb" {
			t.Fatalf("tags %q, related %v, images %v", p.Tags, p.Related, order)
		}

		// The page shows the saved values and the move buttons: the first
		// image cannot go up, the last cannot go down.
		res = b.get(page)
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, "moxa") || strings.Count(res.Body, `name="dir" value="up"`) != 2 ||
			strings.Count(res.Body, `name="dir" value="down"`) != 2 {
			t.Fatalf("product page lacks the related slug or has the wrong move buttons")
		}

		es, err := audit.List(e.ctx, d, audit.Filter{Actor: "owner@example.jp", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, en := range es {
			seen[en.Action] = true
		}
		for _, want := range []string{"catalog.product.tags", "catalog.product.related", "catalog.image.move"} {
			if !seen[want] {
				t.Errorf("no %s in the audit log", want)
			}
		}
		verifyAudit(t, e)
	})
}
