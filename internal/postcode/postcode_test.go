package postcode

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"kaede/internal/shop"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		code string
		want []Place // the first places, in order
		n    int     // how many places in all
	}{
		{"100-0001", []Place{{"100-0001", 13, "千代田区", "千代田"}}, 1},
		{"1000001", []Place{{"100-0001", 13, "千代田区", "千代田"}}, 1},
		{"１００ー０００１", []Place{{"100-0001", 13, "千代田区", "千代田"}}, 1},
		{"〒100-0013", []Place{{"100-0013", 13, "千代田区", "霞が関"}}, 1},
		// A whole city: Japan Post's 「以下に掲載がない場合」 row.
		{"060-0000", []Place{{"060-0000", 1, "札幌市中央区", ""}}, 1},
		{"064-0941", []Place{{"064-0941", 1, "札幌市中央区", "旭ケ丘"}}, 1},
		// A code shared by many towns.
		{"452-0961", []Place{{"452-0961", 23, "清須市", "春日明河原"}}, 66},
		// A building's floors: town shared by every code under 100-61xx.
		{"100-6190", []Place{{"100-6190", 13, "千代田区", "永田町山王パークタワー"}}, 1},
		{"900-0001", []Place{{"900-0001", 47, "那覇市", "港町"}}, 1},
		// Well formed, but no such code.
		{"000-0000", nil, 0},
	}
	for _, tt := range tests {
		got, err := Lookup(tt.code)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.code, err)
			continue
		}
		if len(got) != tt.n {
			t.Errorf("Lookup(%q) = %d places, want %d: %v", tt.code, len(got), tt.n, got)
			continue
		}
		for i, w := range tt.want {
			if got[i] != w {
				t.Errorf("Lookup(%q)[%d] = %+v, want %+v", tt.code, i, got[i], w)
			}
		}
	}
}

func TestLookupRefusesMalformedCodes(t *testing.T) {
	for code, reason := range map[string]string{
		"":          shop.ReasonRequired,
		"  ":        shop.ReasonRequired,
		"123-456":   shop.ReasonFormat,
		"1234-5678": shop.ReasonFormat,
		"abc-defg":  shop.ReasonFormat,
		"100\t0001": shop.ReasonFormat,
	} {
		_, err := Lookup(code)
		var e *shop.Error
		if !errors.As(err, &e) || e.Code != shop.Invalid || e.Fields["postal_code"] != reason {
			t.Errorf("Lookup(%q) error = %v, want invalid postal_code %s", code, err, reason)
		}
	}
}

// TestTableIsWhole reads every line of the embedded table: each section in
// key order (the lookups binary-search it), every city code known, every
// prefecture one of the 47, and Tokyo's 23 wards all present.
func TestTableIsWhole(t *testing.T) {
	tb, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.cities) < 1700 || len(tb.zip7) < 100000 {
		t.Fatalf("%d cities and %d zip7 rows: the table is cut short", len(tb.cities), len(tb.zip7))
	}
	for name, offs := range map[string][]int{"zip5": tb.zip5, "zip7": tb.zip7} {
		keys := make([]string, len(offs))
		for i, o := range offs {
			keys[i], _, _ = strings.Cut(tb.text[o+2:], "\t")
		}
		if !sort.StringsAreSorted(keys) {
			t.Errorf("%s rows are not in key order", name)
		}
	}
	for code, name := range tb.cities {
		if _, ok := shop.PrefectureByCode(code / 1000); !ok || name == "" {
			t.Errorf("city %05d %q has no prefecture", code, name)
		}
	}
	wards := 0
	for code := 13101; code <= 13123; code++ {
		if strings.HasSuffix(tb.cities[code], "区") {
			wards++
		}
	}
	if wards != 23 {
		t.Errorf("%d of Tokyo's 23 wards found", wards)
	}
	// Every zip7 row resolves to at least one place with a known city.
	for _, o := range tb.zip7 {
		key := tb.text[o+2 : o+9]
		places, err := Lookup(key)
		if err != nil || len(places) == 0 {
			t.Fatalf("Lookup(%s) = %v, %v", key, places, err)
		}
	}
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"100-0001", "４５２０９６１", "", "999-9999", "〒0600000", "12-34567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		places, err := Lookup(s)
		if err != nil {
			if shop.ErrorCode(err) != shop.Invalid {
				t.Fatalf("Lookup(%q): %v", s, err)
			}
			return
		}
		for _, p := range places {
			if p.City == "" || p.Prefecture < 1 || p.Prefecture > 47 {
				t.Fatalf("Lookup(%q) gave %+v", s, p)
			}
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	if _, err := load(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Lookup("452-0961"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnpack(b *testing.B) {
	for b.Loop() {
		if _, err := unpack(packed); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCommon(t *testing.T) {
	tests := []struct {
		places []Place
		want   Shared
	}{
		{nil, Shared{}},
		{[]Place{{"100-0001", 13, "千代田区", "千代田"}}, Shared{13, "千代田区", []string{"千代田"}}},
		{[]Place{{"x", 23, "清須市", "春日"}, {"x", 23, "清須市", "春日"}, {"x", 23, "清須市", "西田中"}},
			Shared{23, "清須市", []string{"春日", "西田中"}}},
		{[]Place{{"x", 23, "A市", "a"}, {"x", 23, "B町", "b"}}, Shared{23, "", []string{"a", "b"}}},
		{[]Place{{"x", 22, "A市", "a"}, {"x", 23, "A市", "a"}}, Shared{0, "", []string{"a"}}},
	}
	for _, tt := range tests {
		got := Common(tt.places)
		if got.Prefecture != tt.want.Prefecture || got.City != tt.want.City || strings.Join(got.Towns, ",") != strings.Join(tt.want.Towns, ",") {
			t.Errorf("Common(%v) = %+v, want %+v", tt.places, got, tt.want)
		}
	}
}
