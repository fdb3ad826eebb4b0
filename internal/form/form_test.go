package form_test

import (
	"net/url"
	"testing"
	"time"

	"kaede/internal/form"
	"kaede/internal/shop"
)

func TestReadingFields(t *testing.T) {
	f := form.New(url.Values{
		"qty": {"１２"}, "fee": {"１,２００"}, "bad": {"abc"}, "id": {"42"}, "name": {"  山田  "},
		"pw": {" a b "}, "ok": {"on"}, "day": {"2026-11-25"}, "badday": {"25/11/2026"},
		"lines": {"a\r\n\r\n b \n"}, "tags": {"x", "y"},
	})
	tokyo := shop.JST
	if got := f.Int("qty"); got != 12 {
		t.Errorf("Int(qty)=%d, want 12", got)
	}
	if got := f.Yen("fee"); got != 1200 {
		t.Errorf("Yen(fee)=%d, want 1200", got)
	}
	if got := f.Int("missing"); got != 0 {
		t.Errorf("Int(missing)=%d, want 0", got)
	}
	if got := f.Int64("id"); got != 42 {
		t.Errorf("Int64(id)=%d, want 42", got)
	}
	if got := f.String("name"); got != "山田" {
		t.Errorf("String(name)=%q", got)
	}
	if got := f.Raw("pw"); got != " a b " {
		t.Errorf("Raw(pw)=%q: passwords keep their spaces", got)
	}
	if !f.Bool("ok") || f.Bool("missing") {
		t.Error("Bool")
	}
	if got, want := f.Date("day", tokyo), time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Date(day)=%v, want %v (midnight in Tokyo)", got, want)
	}
	if got := f.Lines("lines"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("Lines=%q", got)
	}
	if got := f.Strings("tags"); len(got) != 2 {
		t.Errorf("Strings=%q", got)
	}
	f.Int("bad")
	f.Date("badday", tokyo)
	fields := shop.ErrorFields(f.Err())
	if fields["bad"] != shop.ReasonFormat || fields["badday"] != shop.ReasonFormat || len(fields) != 2 {
		t.Fatalf("problems=%v, want bad and badday", fields)
	}
}
