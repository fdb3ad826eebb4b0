package catalog_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

func TestParseTags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"国産, 単回使用", []string{"国産", "単回使用"}},
		{"国産、国産\n ＳＥＩＲＩＮ  製 ", []string{"国産", "SEIRIN 製"}},
		{",,\n", nil},
	} {
		if got := catalog.ParseTags(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("ParseTags(%q)=%q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParseTags(f *testing.F) {
	f.Add("国産, 単回使用\n滅菌済")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tag := range catalog.ParseTags(s) {
			if tag == "" || tag != catalog.NormalizeTag(tag) || strings.ContainsAny(tag, ",\n") {
				t.Fatalf("ParseTags(%q) gave %q", s, tag)
			}
		}
	})
}

func TestTagsValidateAndFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		oil, cream, draft := productID(t, cat, "almond-oil"), productID(t, cat, "cream"), productID(t, cat, "draft-hari")
		for _, tc := range []struct {
			name   string
			tags   []string
			reason string
		}{
			{"too many", strings.Split("a b c d e f g h i j k", " "), shop.ReasonLength},
			{"too long", []string{strings.Repeat("長", 31)}, shop.ReasonLength},
			{"control", []string{"a\x07b"}, shop.ReasonFormat},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantField(t, cat.SetTags(ctx, oil, tc.tags, owner), "tags", tc.reason)
			})
		}
		if err := cat.SetTags(ctx, oil, []string{"無香料", "国産", "国産"}, owner); err != nil {
			t.Fatal(err)
		}
		if err := cat.SetTags(ctx, cream, []string{"無香料"}, owner); err != nil {
			t.Fatal(err)
		}
		if err := cat.SetTags(ctx, draft, []string{"試作"}, owner); err != nil {
			t.Fatal(err)
		}
		p, err := cat.ProductByID(ctx, oil)
		if err != nil || !slices.Equal(p.Tags, []string{"国産", "無香料"}) {
			t.Fatalf("tags %q %v", p.Tags, err)
		}
		if tags, err := cat.Tags(ctx); err != nil || !slices.Equal(tags, []string{"国産", "無香料"}) {
			t.Fatalf("published tags %q %v, want no draft's", tags, err)
		}
		ps, total, err := cat.Search(ctx, catalog.Query{Tag: "無香料"})
		if err != nil || total != 2 || len(ps) != 2 {
			t.Fatalf("tag filter: %d %v", total, err)
		}
		if _, total, _ := cat.Search(ctx, catalog.Query{Tag: "無香料", Q: "アーモンド"}); total != 1 {
			t.Fatalf("tag and text: %d, want 1", total)
		}
		// The tags are searchable text too.
		if _, total, _ := cat.Search(ctx, catalog.Query{Q: "国産"}); total != 1 {
			t.Fatalf("text search for a tag: %d, want 1", total)
		}
		if err := cat.SetTags(ctx, oil, nil, owner); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := cat.Search(ctx, catalog.Query{Tag: "国産"}); total != 0 {
			t.Fatalf("after clearing: %d", total)
		}
		es := entries(t, d)
		if len(es) != 4 || es[0].Action != "catalog.product.tags" {
			t.Fatalf("%d entries, first %s", len(es), es[0].Action)
		}
		verifyChain(t, d)
	})
}

func TestRelatedProducts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		oil, cream, tea, draft := productID(t, cat, "almond-oil"), productID(t, cat, "cream"), productID(t, cat, "dokudami"), productID(t, cat, "draft-hari")
		for _, tc := range []struct {
			name   string
			slugs  []string
			reason string
		}{
			{"unknown", []string{"cream", "nope"}, shop.ReasonChoice},
			{"itself", []string{"almond-oil"}, shop.ReasonChoice},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantField(t, cat.SetRelated(ctx, oil, tc.slugs, owner), "related", tc.reason)
			})
		}
		if err := cat.SetRelated(ctx, oil, []string{"dokudami", " cream ", "draft-hari", "dokudami", ""}, owner); err != nil {
			t.Fatal(err)
		}
		p, err := cat.ProductByID(ctx, oil)
		if err != nil || !slices.Equal(p.Related, []int64{tea, cream, draft}) {
			t.Fatalf("related %v %v", p.Related, err)
		}
		shown, err := cat.ProductsByID(ctx, p.Related)
		if err != nil || len(shown) != 2 || shown[0].ID != tea || shown[1].ID != cream {
			t.Fatalf("shown %d %v, want dokudami and cream, no draft", len(shown), err)
		}
		if es := entries(t, d); len(es) != 1 || es[0].Action != "catalog.product.related" {
			t.Fatalf("audit %+v", es)
		}
	})
}

func TestMoveImage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		oil := productID(t, cat, "almond-oil")
		for _, path := range []string{"/media/products/a.jpg", "/media/products/b.jpg", "/media/products/c.jpg"} {
			if err := cat.AddImage(ctx, oil, catalog.Image{Path: path}, owner); err != nil {
				t.Fatal(err)
			}
		}
		order := func() string {
			p, err := cat.ProductByID(ctx, oil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, img := range p.Images {
				names = append(names, strings.TrimSuffix(strings.TrimPrefix(img.Path, "/media/products/"), ".jpg"))
			}
			return strings.Join(names, "")
		}
		for _, tc := range []struct {
			path string
			up   bool
			want string
		}{
			{"c", true, "acb"},
			{"c", true, "cab"},
			{"c", true, "cab"}, // already first
			{"a", false, "cba"},
			{"a", false, "cba"}, // already last
		} {
			if err := cat.MoveImage(ctx, oil, "/media/products/"+tc.path+".jpg", tc.up, owner); err != nil {
				t.Fatal(err)
			}
			if got := order(); got != tc.want {
				t.Fatalf("move %s up=%v: %s, want %s", tc.path, tc.up, got, tc.want)
			}
		}
		wantCode(t, cat.MoveImage(ctx, oil, "/media/products/zzz.jpg", true, owner), shop.NotFound)
		moves := 0
		for _, e := range entries(t, d) {
			if e.Action == "catalog.image.move" {
				moves++
			}
		}
		if moves != 3 {
			t.Fatalf("%d move entries, want 3 (no-ops unrecorded)", moves)
		}
		verifyChain(t, d)
	})
}
