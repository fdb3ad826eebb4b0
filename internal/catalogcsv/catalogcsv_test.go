package catalogcsv_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/catalogcsv"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

var (
	t0    = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	staff = audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.10"}
	// setup creates the fixture, so that its entries stay out of the way
	// of the imports' entries.
	setup = audit.System("test")
)

// fixture creates two categories and three products (one a draft, one
// with two variants).
func fixture(t *testing.T, d *db.DB) *catalog.Service {
	t.Helper()
	ctx := context.Background()
	cat := catalog.New(d, func() time.Time { return t0 })
	for _, c := range []catalog.Category{{Slug: "hari", NameJa: "鍼"}, {Slug: "oil", NameJa: "オイル"}} {
		if _, err := cat.CreateCategory(ctx, c, setup); err != nil {
			t.Fatal(err)
		}
	}
	_, err := cat.CreateProducts(ctx, []catalog.Product{
		{Slug: "seirin-j", CategorySlug: "hari", NameJa: "セイリン ディスポ鍼 Jタイプ", NameEn: "SEIRIN J-type",
			DescriptionJa: "1本ずつ個包装。\n「滅菌済み」です。", TaxClass: shop.TaxStandard, Status: catalog.StatusPublished,
			PractitionersOnly: true, Variants: []catalog.Variant{
				{SKU: "SEIRIN-J-0.16x30", LabelJa: "0.16mm × 30mm", Price: 2420, MemberPrice: 2178, Stock: 10},
				{SKU: "SEIRIN-J-0.18x40", LabelJa: "0.18mm × 40mm", Price: 2420, Stock: 0, MaxPerOrder: 5},
			}},
		{Slug: "almond-oil", CategorySlug: "oil", NameJa: "=HYPERLINK(\"http://evil.example\")", TaxClass: shop.TaxStandard,
			Status: catalog.StatusPublished, Variants: []catalog.Variant{{SKU: "OIL-ALM-100", LabelJa: "100ml", Price: 1980, Stock: 20}}},
		{Slug: "prototype", CategorySlug: "hari", NameJa: "試作品", TaxClass: shop.TaxReduced, Status: catalog.StatusDraft,
			Variants: []catalog.Variant{{SKU: "PROTO-1", Price: 1000, Stock: 1}}},
	}, setup)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func export(t *testing.T, cat *catalog.Service, enc catalogcsv.Encoding) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := catalogcsv.Export(context.Background(), cat, &buf, enc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importFile(t *testing.T, cat *catalog.Service, data []byte) (catalog.ImportResult, error) {
	t.Helper()
	return catalogcsv.Import(context.Background(), cat, bytes.NewReader(data), "products.csv", staff)
}

func auditActions(t *testing.T, d *db.DB) []audit.Entry {
	t.Helper()
	es, err := audit.List(context.Background(), d, audit.Filter{Actor: staff.Name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(context.Background(), d); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	return es
}

// rows reads UTF-8 CSV (with its BOM) into records.
func rows(t *testing.T, data []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func write(t *testing.T, recs [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func column(name string) int {
	for i, c := range catalogcsv.Columns {
		if c == name {
			return i
		}
	}
	panic("no column " + name)
}

func TestExportThenImportChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat := fixture(t, d)
		before, err := cat.AllProducts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, enc := range []catalogcsv.Encoding{catalogcsv.UTF8, catalogcsv.ShiftJIS} {
			data := export(t, cat, enc)
			if enc == catalogcsv.UTF8 && !bytes.HasPrefix(data, []byte("\ufeff")) {
				t.Fatal("UTF-8 export has no byte order mark for Excel")
			}
			if enc == catalogcsv.UTF8 && !bytes.Contains(data, []byte(`"'=HYPERLINK(""http://evil.example"")"`)) {
				t.Fatalf("a formula-looking name is not defused:\n%s", data)
			}
			res, err := importFile(t, cat, data)
			if err != nil {
				t.Fatalf("%s: %v", enc, err)
			}
			want := catalog.ImportResult{ProductsUnchanged: 3, VariantsUnchanged: 4}
			if res != want {
				t.Fatalf("%s: result %+v, want %+v", enc, res, want)
			}
		}
		after, err := cat.AllProducts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		if string(a) != string(b) {
			t.Fatalf("products changed:\n%s\nwant\n%s", a, b)
		}
		es := auditActions(t, d)
		if len(es) != 2 || es[0].Action != "catalog.import" || es[0].Actor != staff.Name {
			t.Fatalf("audit entries %+v, want two catalog.import", es)
		}
		var rec struct {
			SHA256            string `json:"sha256"`
			File              string `json:"file"`
			Rows              int    `json:"rows"`
			VariantsUnchanged int    `json:"variants_unchanged"`
		}
		if err := json.Unmarshal([]byte(es[0].After), &rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.SHA256) != 64 || rec.File != "products.csv" || rec.Rows != 4 || rec.VariantsUnchanged != 4 {
			t.Fatalf("audit after=%s", es[0].After)
		}
	})
}

func TestImportAppliesEditsAndAddsProducts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		recs := rows(t, export(t, cat, catalogcsv.UTF8))
		for _, r := range recs[1:] {
			if r[column("sku")] == "OIL-ALM-100" {
				r[column("price")] = "２，２００" // typed in full width, with a separator
				r[column("stock")] = ""      // keep the stock checkout has been taking
			}
		}
		added := make([]string, len(catalogcsv.Columns))
		for name, v := range map[string]string{"product_slug": "cream", "name_ja": "マッサージクリーム", "category_slug": "oil",
			"tax_class": "standard", "status": "published", "practitioners_only": "0", "sku": "CREAM-1KG",
			"label_ja": "1kg", "price": "2750", "stock": "8", "description_ja": "無香料。"} {
			added[column(name)] = v
		}
		recs = append(recs, added)
		// A new size of an existing product.
		size := append([]string{}, recs[1]...)
		size[column("sku")], size[column("label_ja")], size[column("stock")] = "SEIRIN-J-0.20x50", "0.20mm × 50mm", "3"
		recs = append(recs, size)

		// Checkout takes stock between the export and the import.
		if _, err := d.ExecContext(ctx, `UPDATE variants SET stock = 17 WHERE sku = 'OIL-ALM-100'`); err != nil {
			t.Fatal(err)
		}
		res, err := importFile(t, cat, write(t, recs))
		if err != nil {
			t.Fatal(err)
		}
		want := catalog.ImportResult{ProductsCreated: 1, ProductsUpdated: 2, ProductsUnchanged: 1,
			VariantsCreated: 2, VariantsUpdated: 1, VariantsUnchanged: 3}
		if res != want {
			t.Fatalf("result %+v, want %+v", res, want)
		}
		p, v, err := cat.VariantBySKU(ctx, "OIL-ALM-100")
		if err != nil {
			t.Fatal(err)
		}
		if v.Price != 2200 || v.Stock != 17 || p.NameJa != `=HYPERLINK("http://evil.example")` {
			t.Fatalf("price=%d stock=%d name=%q, want 2200, 17 and the name unchanged", v.Price, v.Stock, p.NameJa)
		}
		if _, v, err := cat.VariantBySKU(ctx, "SEIRIN-J-0.20x50"); err != nil || v.Stock != 3 {
			t.Fatalf("new size: %+v, %v", v, err)
		}
		found, _, err := cat.Search(ctx, catalog.Query{Q: "クリーム"})
		if err != nil || len(found) != 1 || found[0].Slug != "cream" {
			t.Fatalf("search for the new product: %v", err)
		}
		if es := auditActions(t, d); len(es) != 1 {
			t.Fatalf("%d audit entries, want 1 for the whole import", len(es))
		}
	})
}

const header = "product_slug,name_ja,name_en,category_slug,tax_class,status,practitioners_only,sku,label_ja,label_en,price,member_price,stock,max_per_order,description_ja\r\n"

func TestImportShiftJISAndBOM(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		text := header +
			"kyu-mogusa,せんねん灸 お灸 ①,,hari,standard,published,0,KYU-1,レギュラー,,\"1,320\",,50,,\"温熱で、じんわり。\r\n㈱セネファ製\"\r\n"
		sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{
			"shift_jis": sjis,
			"utf-8":     []byte(text),
			"utf-8 bom": append([]byte("\ufeff"), text...),
		} {
			f, err := catalogcsv.Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			wantEnc := catalogcsv.UTF8
			if name == "shift_jis" {
				wantEnc = catalogcsv.ShiftJIS
			}
			p := f.Products[0]
			if f.Encoding != wantEnc || p.Slug != "kyu-mogusa" || p.NameJa != "せんねん灸 お灸 ①" ||
				p.DescriptionJa != "温熱で、じんわり。\n㈱セネファ製" || p.Variants[0].Price != 1320 {
				t.Fatalf("%s: %s %+v", name, f.Encoding, p)
			}
		}
		if _, err := importFile(t, cat, sjis); err != nil {
			t.Fatal(err)
		}
		p, err := cat.ProductBySlug(ctx, "kyu-mogusa")
		if err != nil || p.NameJa != "せんねん灸 お灸 ①" || p.Variants[0].Stock != 50 {
			t.Fatalf("imported %+v, %v", p, err)
		}
	})
}

func problems(t *testing.T, err error) []string {
	t.Helper()
	var e *catalogcsv.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *catalogcsv.Error", err)
	}
	if shop.ErrorCode(err) != shop.Invalid {
		t.Fatalf("code %s, want invalid", shop.ErrorCode(err))
	}
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.String()
	}
	return out
}

func wantProblems(t *testing.T, err error, want ...string) {
	t.Helper()
	got := problems(t, err)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBadRowsAreAllReportedAndNothingIsImported(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		before, _ := cat.AllProducts(ctx)

		// Cells not in their form: found while reading.
		text := header +
			"seirin-j,セイリン,,hari,standard,published,1,SEIRIN-J-0.16x30,,,2000,,10,,\n" +
			"new-one,新商品,,hari,standard,published,0,NEW-1,,,abc,,10,,\n" +
			"new-one,新商品,,hari,standard,draft,0,NEW-2,,,100,,-5,,\n" +
			"new-two,新商品2,,hari,standard,published,maybe,NEW-3,,,100,,1,0.5,\n"
		_, err := importFile(t, cat, []byte(text))
		wantProblems(t, err,
			"3行目 price: 0以上の整数で入力してください",
			"4行目 status: 同じ商品の3行目と値が違います",
			"4行目 stock: 0以上の整数で入力するか、空にしてください（空なら在庫を変えません）",
			"5行目 practitioners_only: 1 か 0 を入力してください",
			"5行目 max_per_order: 1以上の整数で入力するか、空にしてください")

		// Values the catalog refuses: found when importing, on their lines.
		text = header +
			"seirin-j,セイリン,,hari,standard,published,1,SEIRIN-J-0.16x30,,,2000,,10,,\n" +
			"new-one,,,nowhere,luxury,published,0,OIL-ALM-100,,,100,200,1,,\n" +
			"new-two,新商品2,,hari,standard,published,0,bad sku,,,100,,1,,\n" +
			"new-two,新商品2,,hari,standard,published,0,NEW-3,,,100,,1,1000,\n"
		_, err = importFile(t, cat, []byte(text))
		wantProblems(t, err,
			"3行目 category_slug: そのカテゴリはありません",
			"3行目 member_price: 会員価格は0以上、通常価格以下にしてください",
			"3行目 name_ja: 入力してください",
			"3行目 sku: このSKUはほかの商品で使われているか、ファイルの中で重なっています",
			"3行目 tax_class: standard か reduced を入力してください",
			"4行目 sku: 使えない文字があります（英数字とハイフンなど）",
			"5行目 max_per_order: 範囲外の値です")

		after, _ := cat.AllProducts(ctx)
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		if string(a) != string(b) {
			t.Fatal("a refused import changed the catalogue")
		}
		if es := auditActions(t, d); len(es) != 0 {
			t.Fatalf("%d audit entries after refused imports, want 0", len(es))
		}
	})
}

func TestImportRefusesFilesThatAreNotCSV(t *testing.T) {
	random := make([]byte, 4096)
	rand.Read(random)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	big := bytes.Repeat([]byte("a,b,c,d\n"), catalogcsv.MaxBytes/8+1)
	var many strings.Builder
	many.WriteString(header)
	for i := 0; i <= catalogcsv.MaxRows; i++ {
		many.WriteString("p,名前,,hari,standard,published,0,SKU,,,1,,1,,\n")
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"png":            {png, "画像ファイルはCSVではありません"},
		"xlsx":           {[]byte("PK\x03\x04\x14\x00\x06\x00[Content_Types].xml"), "Excelブック（.xlsx）やZIPファイルは読み込めません。Excelで「CSV UTF-8」または「CSV」形式で保存してください"},
		"random bytes":   {random, ""},
		"nul in text":    {[]byte(header + "a\x00b\n"), "CSVファイルではありません（制御文字が含まれています）"},
		"utf-16":         {[]byte("\xff\xfep\x00r\x00"), "UTF-16のファイルは読み込めません。「CSV UTF-8」形式で保存してください"},
		"empty":          {nil, "ファイルが空です"},
		"header only":    {[]byte(header), "データの行がありません"},
		"too large":      {big, "ファイルが大きすぎます（5MBまで）"},
		"too many rows":  {[]byte(many.String()), "行が多すぎます（5000行まで）。ファイルを分けてください"},
		"wrong header":   {[]byte("slug,name\nx,y\n"), ""},
		"broken quoting": {[]byte(header + "\"unterminated,\n"), ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := catalogcsv.Parse(bytes.NewReader(tc.data))
			got := problems(t, err)
			if tc.want != "" && (len(got) != 1 || got[0] != tc.want) {
				t.Fatalf("problems %q, want %q", got, tc.want)
			}
		})
	}
}

func TestShiftJISExportRefusesWhatItCannotHold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cat := fixture(t, d)
		if _, err := cat.CreateProduct(context.Background(), catalog.Product{Slug: "gift", CategorySlug: "oil",
			NameJa: "ギフト🎁", TaxClass: shop.TaxStandard, Variants: []catalog.Variant{{SKU: "GIFT", Price: 1}}}, staff); err != nil {
			t.Fatal(err)
		}
		err := catalogcsv.Export(context.Background(), cat, new(bytes.Buffer), catalogcsv.ShiftJIS)
		if err == nil || !strings.Contains(err.Error(), "name_ja") || !strings.Contains(err.Error(), "UTF-8") {
			t.Fatalf("error %v, want one naming the column and suggesting UTF-8", err)
		}
		if err := catalogcsv.Export(context.Background(), cat, new(bytes.Buffer), catalogcsv.UTF8); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(header + "a,名前,,c,standard,published,0,S,,,1,,1,,\n"))
	f.Add([]byte("\ufeff" + header + "a,\"x\"\"y\",,c,standard,draft,1,S,,,\"1,000\",,,,\"l1\nl2\"\n"))
	f.Add([]byte("\x82\xa0\x82\xa2,\x83J\n"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := catalogcsv.Parse(bytes.NewReader(data))
		if err != nil {
			var e *catalogcsv.Error
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("error %v is not a list of problems", err)
			}
			return
		}
		if file.Rows < 1 || file.Rows > catalogcsv.MaxRows || len(file.Products) == 0 {
			t.Fatalf("rows=%d products=%d", file.Rows, len(file.Products))
		}
		n := 0
		for _, p := range file.Products {
			if p.Slug == "" || len(p.Variants) == 0 {
				t.Fatalf("product %+v", p)
			}
			n += len(p.Variants)
		}
		if n != file.Rows {
			t.Fatalf("%d variants from %d rows", n, file.Rows)
		}
	})
}
