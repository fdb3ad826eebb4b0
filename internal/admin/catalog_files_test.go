package admin_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/japanese"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

// newProduct creates a published product with one variant through the
// admin and returns its page's path.
func newProduct(t *testing.T, b *browser, e *catalogEnv, slug, sku string) string {
	t.Helper()
	catID := newCategory(t, b, e, "cat-"+slug, "カテゴリ "+slug)
	res := b.post("/admin/products", url.Values{"slug": {slug}, "name_ja": {"商品 " + slug}, "category_id": {idStr(catID)},
		"tax_class": {"standard"}, "status": {"published"}, "sku": {sku}, "price": {"1000"}, "stock": {"5"}})
	wantRedirect(t, res, "/admin/products/")
	return "/admin/products/" + idFromLocation(t, res)
}

// storedFiles lists the files under the media directory's products/.
func storedFiles(t *testing.T, e *catalogEnv) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(e.mediaDir, "products", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestCatalogImageUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		b := e.loggedIn("manager@example.jp", staff.Manager)
		page := newProduct(t, b, e, "moxa", "MOXA-1")

		// An HTML page named .png is refused by its content, and nothing is stored.
		res := b.upload(page+"/images", url.Values{"alt_ja": {"偽物"}}, "image", "photo.png",
			[]byte("<html><script>alert(1)</script></html>"))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "image"); !strings.Contains(got, "JPEG・PNG・WebP") {
			t.Errorf("image error %q, want the Japanese sentence naming the allowed types", got)
		}
		if files := storedFiles(t, e); len(files) != 0 {
			t.Fatalf("a refused upload left files: %v", files)
		}
		// No file at all is a sentence too.
		res = b.upload(page+"/images", nil, "image", "empty.png", nil)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "image"); !strings.Contains(got, "画像ファイルを選んでください") {
			t.Errorf("empty upload error %q", got)
		}

		// A real PNG is stored re-encoded, under a name of Kaede's choosing.
		upload := append(pngBytes(t), []byte("<script>appended</script>")...)
		res = b.upload(page+"/images", url.Values{"alt_ja": {"もぐさ"}}, "image", "../../evil.html", upload)
		wantRedirect(t, res, page+"?done=image_added")
		files := storedFiles(t, e)
		if len(files) != 1 || !strings.HasSuffix(files[0], ".png") || strings.Contains(files[0], "evil") {
			t.Fatalf("stored files %v, want one .png with a random name", files)
		}
		stored, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(stored, upload) || bytes.Contains(stored, []byte("<script>")) {
			t.Fatal("the upload was stored as sent, not re-encoded")
		}
		if _, err := png.Decode(bytes.NewReader(stored)); err != nil {
			t.Fatalf("stored file is not a PNG: %v", err)
		}
		p, err := e.catalog.ProductBySlug(e.ctx, "moxa")
		if err != nil {
			t.Fatal(err)
		}
		want := "/media/products/" + filepath.Base(files[0])
		if len(p.Images) != 1 || p.Images[0].Path != want || p.Images[0].AltJa != "もぐさ" {
			t.Fatalf("product images %+v, want %s", p.Images, want)
		}
		// pngBytes is 4×3: the size is kept for the store's <img>.
		if p.Images[0].Width != 4 || p.Images[0].Height != 3 {
			t.Errorf("image size %d×%d, want 4×3", p.Images[0].Width, p.Images[0].Height)
		}
		edit := b.get(page)
		if find(edit.Doc, func(n *html.Node) bool { return n.Data == "img" && attr(n, "src") == want }) == nil {
			t.Error("the product page does not show the image")
		}
		if e.entries("catalog.image.add", "manager@example.jp") == nil {
			t.Error("no catalog.image.add audit entry")
		}

		// Removing the image deletes its file after the change commits.
		wantRedirect(t, b.post(page+"/images/delete", url.Values{"path": {want}}), page+"?done=image_removed")
		if files := storedFiles(t, e); len(files) != 0 {
			t.Fatalf("removed image's file remains: %v", files)
		}
		wantStatus(t, b.post(page+"/images/delete", url.Values{"path": {want}}), http.StatusNotFound)
		verifyAudit(t, e)
	})
}

func TestCatalogCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		b := e.loggedIn("manager@example.jp", staff.Manager)
		newProduct(t, b, e, "towel", "TOWEL-W")

		// A UTF-8 export starts with a byte order mark, for Excel.
		res := b.get("/admin/products/export?encoding=utf8")
		wantStatus(t, res, http.StatusOK)
		if !strings.HasPrefix(res.Body, "\ufeffproduct_slug,") || !strings.Contains(res.Body, "TOWEL-W") {
			t.Fatalf("export starts %q", res.Body[:min(len(res.Body), 40)])
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename=products-20260401-`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		sjis := b.get("/admin/products/export?encoding=sjis")
		wantStatus(t, sjis, http.StatusOK)
		if strings.HasPrefix(sjis.Body, "\ufeff") || !strings.Contains(sjis.Header.Get("Content-Type"), "Shift_JIS") {
			t.Errorf("Shift_JIS export: %q, %q", sjis.Header.Get("Content-Type"), sjis.Body[:10])
		}
		wantStatus(t, b.get("/admin/products/export?encoding=latin1"), http.StatusUnprocessableEntity)

		// A Shift_JIS file from old Excel: a new price, and a new product.
		wantStatus(t, b.get("/admin/products/import"), http.StatusOK)
		csv := "product_slug,name_ja,name_en,category_slug,tax_class,status,practitioners_only,sku,label_ja,label_en,price,member_price,stock,max_per_order,description_ja\r\n" +
			"towel,商品 towel,,cat-towel,standard,published,0,TOWEL-W,白,,1200,,,,\r\n" +
			"moxa-roll,棒灸,,cat-towel,standard,published,1,MOXA-R,,,800,700,30,10,温灸用\r\n"
		file, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		res = b.upload("/admin/products/import", nil, "file", "商品.csv", file)
		wantStatus(t, res, http.StatusOK)
		if got := textOf(find(res.Doc, byID("import-result"))); !strings.Contains(got, "追加 1件、更新 1件") {
			t.Fatalf("import result %q", got)
		}
		towel, err := e.catalog.ProductBySlug(e.ctx, "towel")
		if err != nil || towel.Variants[0].Price != 1200 || towel.Variants[0].LabelJa != "白" || towel.Variants[0].Stock != 5 {
			t.Fatalf("towel after import: %+v, %v", towel, err)
		}
		if _, err := e.catalog.ProductBySlug(e.ctx, "moxa-roll"); err != nil {
			t.Fatalf("imported product: %v", err)
		}
		if e.entries("catalog.import", "manager@example.jp") == nil {
			t.Error("no catalog.import audit entry")
		}

		// One bad row: every problem by line and column, and nothing imported.
		bad := "product_slug,name_ja,name_en,category_slug,tax_class,status,practitioners_only,sku,label_ja,label_en,price,member_price,stock,max_per_order,description_ja\n" +
			"towel,商品 towel,,cat-towel,standard,published,0,TOWEL-W,白,,1500,,,,\n" +
			"hari,鍼,,cat-towel,standard,published,0,HARI-1,,,abc,,,,\n"
		res = b.upload("/admin/products/import", nil, "file", "bad.csv", []byte(bad))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		problems := find(res.Doc, byID("import-problems"))
		if problems == nil || !strings.Contains(textOf(problems), "3") || !strings.Contains(textOf(problems), "price") {
			t.Fatalf("problems shown: %q", textOf(problems))
		}
		if towel, _ := e.catalog.ProductBySlug(e.ctx, "towel"); towel.Variants[0].Price != 1200 {
			t.Fatal("a refused file changed a price")
		}
		if _, err := e.catalog.ProductBySlug(e.ctx, "hari"); err == nil {
			t.Fatal("a refused file created a product")
		}

		// A picture is not a CSV file.
		res = b.upload("/admin/products/import", nil, "file", "products.csv", pngBytes(t))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := textOf(find(res.Doc, byID("import-problems"))); !strings.Contains(got, "画像ファイルはCSVではありません") {
			t.Fatalf("PNG as CSV says %q", got)
		}
		res = b.upload("/admin/products/import", nil, "file", "none.csv", nil)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "file"); !strings.Contains(got, "CSVファイルを選んでください") {
			t.Errorf("missing file error %q", got)
		}
		if got := len(e.entries("catalog.import", "")); got != 1 {
			t.Errorf("%d catalog.import entries, want 1 (refused files write none)", got)
		}
		verifyAudit(t, e)
	})
}
