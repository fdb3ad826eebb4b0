package shop_test

import (
	"testing"

	"kaede/internal/shop"
)

func TestValidateAddress(t *testing.T) {
	good := shop.Address{Name: "山田 太郎", NameKana: "やまだ たろう", PostalCode: "１００－０００１",
		Prefecture: 13, City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"}
	tests := []struct {
		name   string
		mutate func(*shop.Address)
		field  string
		reason string
	}{
		{"ok", func(*shop.Address) {}, "", ""},
		{"no name", func(a *shop.Address) { a.Name = " " }, "name", shop.ReasonRequired},
		{"latin kana", func(a *shop.Address) { a.NameKana = "Yamada" }, "name_kana", shop.ReasonFormat},
		{"short postal", func(a *shop.Address) { a.PostalCode = "100-001" }, "postal_code", shop.ReasonFormat},
		{"letters postal", func(a *shop.Address) { a.PostalCode = "abc-defg" }, "postal_code", shop.ReasonFormat},
		{"no prefecture", func(a *shop.Address) { a.Prefecture = 0 }, "prefecture", shop.ReasonRequired},
		{"prefecture 48", func(a *shop.Address) { a.Prefecture = 48 }, "prefecture", shop.ReasonChoice},
		{"no city", func(a *shop.Address) { a.City = "" }, "city", shop.ReasonRequired},
		{"long line1", func(a *shop.Address) { a.Line1 = string(make([]rune, 101)) }, "line1", shop.ReasonLength},
		{"control char", func(a *shop.Address) { a.Line2 = "a\x00b" }, "line2", shop.ReasonFormat},
		{"right-to-left override", func(a *shop.Address) { a.Name = "山田\u202Eうろた" }, "name", shop.ReasonFormat},
		{"bidi isolate", func(a *shop.Address) { a.City = "千代田\u2066区\u2069" }, "city", shop.ReasonFormat},
		{"zero width space", func(a *shop.Address) { a.Line1 = "千代田\u200B1-1" }, "line1", shop.ReasonFormat},
		{"byte order mark", func(a *shop.Address) { a.Line2 = "\uFEFF101号室" }, "line2", shop.ReasonFormat},
		{"phone letters", func(a *shop.Address) { a.Phone = "03-CALL-NOW" }, "phone", shop.ReasonFormat},
		{"phone short", func(a *shop.Address) { a.Phone = "03-1234" }, "phone", shop.ReasonFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := good
			tt.mutate(&a)
			p := shop.Problems{}
			got := shop.ValidateAddress(a, "shipping_address.", p)
			if tt.field == "" {
				if len(p) != 0 {
					t.Fatalf("problems %v, want none", p)
				}
				if got.PostalCode != "100-0001" || got.NameKana != "ヤマダ タロウ" {
					t.Fatalf("normalised to %q %q", got.PostalCode, got.NameKana)
				}
				return
			}
			if r := p["shipping_address."+tt.field]; r != tt.reason {
				t.Fatalf("reason for %s=%q, want %q (all: %v)", tt.field, r, tt.reason, p)
			}
		})
	}
}

func TestLookupPrefecture(t *testing.T) {
	if len(shop.Prefectures) != 47 {
		t.Fatalf("%d prefectures, want 47", len(shop.Prefectures))
	}
	for _, in := range []string{"東京都", "tokyo", "13"} {
		p, ok := shop.LookupPrefecture(in)
		if !ok || p.Code != 13 {
			t.Errorf("LookupPrefecture(%q)=%v %v, want 13", in, p, ok)
		}
	}
	if _, ok := shop.LookupPrefecture("東京"); ok {
		t.Error("LookupPrefecture accepted 東京")
	}
}

func FuzzNormalizePostalCode(f *testing.F) {
	for _, s := range []string{"100-0001", "１００－０００１", "〒1000001", "", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := shop.NormalizePostalCode(s)
		if !ok {
			return
		}
		if len(got) != 8 || got[3] != '-' {
			t.Fatalf("NormalizePostalCode(%q)=%q", s, got)
		}
		again, ok := shop.NormalizePostalCode(got)
		if !ok || again != got {
			t.Fatalf("not idempotent: %q -> %q", got, again)
		}
	})
}

func TestCheckMultiline(t *testing.T) {
	for _, tt := range []struct {
		v  string
		ok bool
	}{
		{"午前中に\n届けてください\tお願いします", true},
		{"CRLF\r\nok", true},
		{"bell\a", false},
		{"left-to-right mark \u200E", false},
		{"pop directional \u202C", false},
		{"word joiner \u2060", false},
		{"non-character \uFDD0", false},
		{"replacement \uFFFD", false},
		{"異体字 葛\U000E0100", true}, // an ideographic variation selector is no format character
		{"\xff", false},
	} {
		p := shop.Problems{}
		shop.CheckMultiline(p, "note", tt.v, false, 100)
		if ok := len(p) == 0; ok != tt.ok {
			t.Errorf("CheckMultiline(%q): problems %v, want ok=%v", tt.v, p, tt.ok)
		}
	}
}
