package admin_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/staff"
)

// TestDashboardFiguresShared: the sums over orders are read once and
// shown to every staff member for 30 seconds, saying when they were read
// (in Japanese and English); then they are read again and count the new
// orders, today's, this month's and the chart's alike.
func TestDashboardFiguresShared(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newSalesEnv(t, d)
		owner := e.staffBrowser("owner@example.jp", staff.Owner)
		clerk := e.staffBrowser("ship@example.jp", staff.Shipping)
		first := e.place(order.COD, map[string]int{"A": 1})
		figures := func(b *browser, path string) map[string]string {
			t.Helper()
			doc := b.get(path).Doc
			got := map[string]string{}
			for _, id := range []string{"orders-today", "sales-today", "orders-month", "sales-month", "awaiting-shipment", "figures-as-of"} {
				got[id] = idText(doc, id)
			}
			if chart := find(doc, byID("sales-chart")); chart != nil {
				var last string
				walk(chart, func(n *html.Node) {
					if n.Data == "rect" {
						last = textOf(n)
					}
				})
				got["chart-today"] = last
			}
			return got
		}
		read := e.clock.Now().Add(9 * time.Hour).Format("15:04:05") // JST
		got := figures(owner, "/admin/")
		if got["orders-today"] != "1" || got["sales-today"] != "¥"+commas(int64(first.Total)) ||
			!strings.Contains(got["figures-as-of"], read) || !strings.Contains(got["figures-as-of"], "30秒") {
			t.Fatalf("first read: %v", got)
		}

		second := e.place(order.COD, map[string]int{"TEA": 2})
		e.clock.Advance(20 * time.Second)
		got = figures(clerk, "/admin/?lang=en")
		if got["orders-today"] != "1" || got["awaiting-shipment"] != "1" || !strings.Contains(got["figures-as-of"], "as of "+read) {
			t.Errorf("within 30 seconds, another staff member: %v, want the first read's figures", got)
		}

		e.clock.Advance(15 * time.Second)
		total := "¥" + commas(int64(first.Total+second.Total))
		got = figures(owner, "/admin/")
		want := map[string]string{"orders-today": "2", "sales-today": total, "orders-month": "2", "sales-month": total,
			"awaiting-shipment": "2", "chart-today": "2026-04-01 " + total}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("after 35 seconds #%s=%q, want %q", id, got[id], w)
			}
		}
		if now := e.clock.Now().Add(9 * time.Hour).Format("15:04:05"); !strings.Contains(got["figures-as-of"], now) {
			t.Errorf("as of %q, want %s", got["figures-as-of"], now)
		}
	})
}
