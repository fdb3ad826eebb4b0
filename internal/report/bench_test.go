package report_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/demo"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/password"
	"kaede/internal/report"
	"kaede/internal/shop"
)

// BenchmarkBreachShop reads the admin dashboard's figures and a year's
// reports from the breach demo's shop: 10,000 orders over a year from
// about 3,000 customers, on each database.
func BenchmarkBreachShop(b *testing.B) {
	dbs := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite}
	if dbtest.WantPostgres() {
		dbs["postgres"] = dbtest.Postgres
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) {
			d := open(b)
			now := time.Date(2026, 5, 12, 5, 30, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			cat, orders := catalog.New(d, clock), order.New(d, nil, clock)
			_, err := demo.SeedBreach(context.Background(), d, demo.BreachServices{Catalog: cat,
				Members: member.New(d, nil, clock, "http://shop.example"), Orders: orders}, b.TempDir(),
				demo.BreachOptions{Seed: 1, Now: now, PasswordParams: &password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
			if err != nil {
				b.Fatal(err)
			}
			reports := report.New(d, orders, cat, clock)
			ctx := context.Background()
			today := time.Date(2026, 5, 12, 0, 0, 0, 0, shop.JST)
			b.Run("dashboard", func(b *testing.B) {
				for b.Loop() {
					if _, err := orders.Summarize(ctx, today, today.AddDate(0, 0, 1)); err != nil {
						b.Fatal(err)
					}
					if _, err := orders.Summarize(ctx, time.Date(2026, 5, 1, 0, 0, 0, 0, shop.JST), today.AddDate(0, 0, 1)); err != nil {
						b.Fatal(err)
					}
					if _, err := orders.StateCounts(ctx); err != nil {
						b.Fatal(err)
					}
					if _, _, err := orders.Search(ctx, order.AdminQuery{Limit: 8}); err != nil {
						b.Fatal(err)
					}
					if _, err := cat.LowStock(ctx, 10); err != nil {
						b.Fatal(err)
					}
					if _, err := reports.Daily(ctx, today.AddDate(0, 0, -29), today.AddDate(0, 0, 1)); err != nil {
						b.Fatal(err)
					}
				}
			})
			parts := map[string]func() error{
				"summarize-month": func() error {
					_, err := orders.Summarize(ctx, time.Date(2026, 5, 1, 0, 0, 0, 0, shop.JST), today.AddDate(0, 0, 1))
					return err
				},
				"state-counts": func() error { _, err := orders.StateCounts(ctx); return err },
				"recent":       func() error { _, _, err := orders.Search(ctx, order.AdminQuery{Limit: 8}); return err },
				"low-stock":    func() error { _, err := cat.LowStock(ctx, 10); return err },
				"daily-30": func() error {
					_, err := reports.Daily(ctx, today.AddDate(0, 0, -29), today.AddDate(0, 0, 1))
					return err
				},
			}
			for pn, fn := range parts {
				b.Run("part-"+pn, func(b *testing.B) {
					for b.Loop() {
						if err := fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			for _, by := range []report.By{report.ByDay, report.ByProduct} {
				b.Run("year-by-"+string(by), func(b *testing.B) {
					for b.Loop() {
						r, err := reports.Build(ctx, report.Query{From: "2025-05-12", To: "2026-05-11", By: by})
						if err != nil {
							b.Fatal(err)
						}
						if r.Total.Orders < 5000 {
							b.Fatalf("%d orders in the year", r.Total.Orders)
						}
					}
				})
			}
		})
	}
}
