package coupon_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/coupon"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

func TestSplit(t *testing.T) {
	for _, tt := range []struct {
		d       int64
		amounts []int64
		want    []int64
	}{
		// 500 over 2200/1080: 335.37 and 164.63; the spare yen to the
		// larger remainder (8 %).
		{500, []int64{2200, 1080}, []int64{335, 165}},
		{328, []int64{2200, 1080}, []int64{220, 108}},
		{1, []int64{1000, 1000}, []int64{1, 0}}, // a tie: the earlier part
		{100, []int64{0, 500}, []int64{0, 100}},
		{3, []int64{1, 1, 1}, []int64{1, 1, 1}},
		{10, []int64{3, 3, 4}, []int64{3, 3, 4}},
		{7, []int64{3, 3, 4}, []int64{2, 2, 3}},
	} {
		got := coupon.Split(tt.d, tt.amounts)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Split(%d, %v) = %v, want %v", tt.d, tt.amounts, got, tt.want)
		}
	}
}

// The parts always add up to the discount, never exceed their amount and
// are never negative.
func FuzzSplit(f *testing.F) {
	f.Add(int64(500), int64(2200), int64(1080))
	f.Fuzz(func(t *testing.T, d, a, b int64) {
		if a < 0 || b < 0 || a+b <= 0 || a > 1e9 || b > 1e9 || d < 0 || d > a+b {
			return
		}
		p := coupon.Split(d, []int64{a, b})
		if p[0]+p[1] != d || p[0] < 0 || p[1] < 0 || p[0] > a || p[1] > b {
			t.Fatalf("Split(%d, %d, %d) = %v", d, a, b, p)
		}
	})
}

func TestApply(t *testing.T) {
	items := []coupon.Item{
		{ProductID: 1, CategoryID: 10, Rate: shop.RateStandard, Amount: 2200},
		{ProductID: 2, CategoryID: 20, Rate: shop.RateReduced, Amount: 1080},
	}
	for _, tt := range []struct {
		name   string
		c      coupon.Coupon
		want   coupon.Applied
		reason string
	}{
		{"fixed", coupon.Coupon{Kind: coupon.Fixed, Amount: 500}, coupon.Applied{Discount: 500, Standard: 335, Reduced: 165}, ""},
		{"fixed over the items", coupon.Coupon{Kind: coupon.Fixed, Amount: 9999}, coupon.Applied{Discount: 3280, Standard: 2200, Reduced: 1080}, ""},
		// 15 % of 3280 = 492; 492×2200/3280 = 330, 492×1080/3280 = 162.
		{"percent", coupon.Coupon{Kind: coupon.Percent, Amount: 15}, coupon.Applied{Discount: 492, Standard: 330, Reduced: 162}, ""},
		{"category", coupon.Coupon{Kind: coupon.Percent, Amount: 10, CategoryIDs: []int64{10}}, coupon.Applied{Discount: 220, Standard: 220}, ""},
		{"product", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, ProductIDs: []int64{2}}, coupon.Applied{Discount: 100, Reduced: 100}, ""},
		{"no item", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, ProductIDs: []int64{3}}, coupon.Applied{}, shop.ReasonCouponNoItems},
		{"min spend met", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, MinSpend: 3280}, coupon.Applied{Discount: 100, Standard: 67, Reduced: 33}, ""},
		{"min spend on the covered items", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, MinSpend: 2201, CategoryIDs: []int64{10}}, coupon.Applied{}, shop.ReasonCouponMinSpend},
		{"first day", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, StartsOn: "2026-11-25"}, coupon.Applied{Discount: 100, Standard: 67, Reduced: 33}, ""},
		{"last day", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, EndsOn: "2026-11-25"}, coupon.Applied{Discount: 100, Standard: 67, Reduced: 33}, ""},
		{"not yet", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, StartsOn: "2026-11-26"}, coupon.Applied{}, shop.ReasonCouponPeriod},
		{"over", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, EndsOn: "2026-11-24"}, coupon.Applied{}, shop.ReasonCouponPeriod},
		{"disabled", coupon.Coupon{Kind: coupon.Fixed, Amount: 100, Disabled: true}, coupon.Applied{}, shop.ReasonCouponUnknown},
	} {
		got, reason := tt.c.Apply(items, "2026-11-25")
		if got != tt.want || reason != tt.reason {
			t.Errorf("%s: %+v %q, want %+v %q", tt.name, got, reason, tt.want, tt.reason)
		}
	}
}

func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"welcome500", " ＷＥＬＣＯＭＥ５００ ", "a-b_c", "<x>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := coupon.NormalizeCode(s)
		if coupon.NormalizeCode(c) != c {
			t.Fatalf("not idempotent: %q → %q", s, c)
		}
		if coupon.ValidCode(c) {
			for _, r := range c {
				if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
					t.Fatalf("valid code %q holds %q", c, r)
				}
			}
		}
	})
}

// Staff input: every bad field named at once; a code taken; an unknown
// product; the audit entry with each change.
func TestAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := coupon.New(d, func() time.Time { return time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC) })
		by := audit.Actor{Name: "staff@kaede.example", IP: "192.0.2.1"}
		_, err := s.Create(ctx, coupon.Input{Code: "x", Kind: "percent", Amount: "101", MinSpend: "-1",
			StartsOn: "2026-02-30", EndsOn: "2026-01-01", MaxUses: "many"}, by)
		want := map[string]string{"code": shop.ReasonFormat, "amount": shop.ReasonRange, "min_spend": shop.ReasonRange,
			"starts_on": shop.ReasonFormat, "ends_on": shop.ReasonRange, "max_uses": shop.ReasonFormat}
		if fmt.Sprint(shop.ErrorFields(err)) != fmt.Sprint(want) {
			t.Fatalf("fields %v, want %v", shop.ErrorFields(err), want)
		}
		if _, err := s.Create(ctx, coupon.Input{Code: "OK10", Kind: "gift", Amount: "1"}, by); shop.ErrorFields(err)["kind"] != shop.ReasonChoice {
			t.Fatalf("kind: %v", err)
		}
		c, err := s.Create(ctx, coupon.Input{Code: "spring-10", Kind: "percent", Amount: "10", StartsOn: "2026-03-01", EndsOn: "2026-03-31"}, by)
		if err != nil || c.Code != "SPRING-10" {
			t.Fatalf("create: %+v, %v", c, err)
		}
		if _, err := s.Create(ctx, coupon.Input{Code: "Spring-10", Kind: "fixed", Amount: "100"}, by); shop.ErrorFields(err)["code"] != shop.ReasonTaken {
			t.Fatalf("a taken code: %v", err)
		}
		if _, err := s.Update(ctx, c.ID, coupon.Input{Code: "SPRING-10", Kind: "percent", Amount: "10", ProductIDs: []string{"999999"}}, by); shop.ErrorFields(err)["product_ids"] != shop.ReasonChoice {
			t.Fatalf("an unknown product: %v", err)
		}
		if _, err := s.Update(ctx, 999999, coupon.Input{Code: "OTHER", Kind: "fixed", Amount: "1"}, by); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("an unknown coupon: %v", err)
		}
		if _, err := s.Update(ctx, c.ID, coupon.Input{Code: "SPRING-10", Kind: "fixed", Amount: "300", MaxPerCustomer: "1"}, by); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDisabled(ctx, c.ID, true, by); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, c.ID)
		if err != nil || !got.Disabled || got.Kind != coupon.Fixed || got.Amount != 300 || got.MaxPerCustomer != 1 || got.StartsOn != "" {
			t.Fatalf("after the edits: %+v, %v", got, err)
		}
		var actions []string
		rows, err := d.QueryContext(ctx, `SELECT action FROM audit_log WHERE target = $1 ORDER BY id`, fmt.Sprintf("coupon:%d", c.ID))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				t.Fatal(err)
			}
			actions = append(actions, a)
		}
		if fmt.Sprint(actions) != "[coupon.create coupon.update coupon.disable]" {
			t.Fatalf("audit %v", actions)
		}
	})
}
