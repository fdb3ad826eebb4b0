package settings_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

func TestServiceSaveAuditsAndClearsTheCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		svc := settings.NewService(d, func() time.Time { return now }, time.Hour)
		owner := audit.Actor{Name: "owner@example.jp", IP: "192.0.2.10"}

		before, err := svc.Get(ctx) // cached from here on
		if err != nil {
			t.Fatal(err)
		}
		bad := before
		bad.InvoiceNumber = "T123"
		if err := svc.Save(ctx, bad, owner); shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("saving a bad invoice number: err=%v, want invalid", err)
		}
		changed := before
		changed.ShopName = "鍼灸堂"
		if err := svc.Save(ctx, changed, owner); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.ShopName != "鍼灸堂" {
			t.Fatalf("Get after Save, clock still: shop name %q, want the saved one", got.ShopName)
		}
		es, err := audit.List(ctx, d, audit.Filter{Action: "settings.update"})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Actor != owner.Name || es[0].IP != owner.IP || es[0].Target != "settings:shop" {
			t.Fatalf("audit entries %+v, want one settings.update by the owner", es)
		}
	})
}
