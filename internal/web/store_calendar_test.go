package web_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/audit"
	"kaede/internal/calendar"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// firstDeliveryDate is the first day the checkout form's date choice
// offers (after "any day").
func firstDeliveryDate(t *testing.T, body string) string {
	t.Helper()
	var days []string
	walk(parseHTML(t, body), func(n *html.Node) {
		if id, _ := attr(n, "id"); id != "f-date" {
			return
		}
		walk(n, func(o *html.Node) {
			if v, ok := attr(o, "value"); o.Data == "option" && ok && v != "" {
				days = append(days, v)
			}
		})
	})
	if len(days) == 0 {
		t.Fatalf("no delivery dates offered:\n%s", body)
	}
	return days[0]
}

// TestShopCalendarOnTheStore: the product page says when the shop ships
// and the earliest delivery day, and the checkout offers days from it;
// the shop's closing days move both.
func TestShopCalendarOnTheStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d) // Wednesday 2026-11-25, 12:00 in Tokyo
		e.seedDemo()
		b := e.browser()
		note := textOf(t, b.get("/products/dokudami-tea").body, "ship-within")
		if !strings.Contains(note, "3営業日以内に発送") || !strings.Contains(note, "2026年11月28日") {
			t.Fatalf("product page shipping line %q", note)
		}
		if res := b.postForm("/cart/items", formValues(t, b.get("/products/dokudami-tea").body, "/cart/items")); res.StatusCode != 303 {
			t.Fatalf("add: %d", res.StatusCode)
		}
		if got := firstDeliveryDate(t, b.get("/checkout").body); got != "2026-11-28" {
			t.Fatalf("first delivery date %s, want 2026-11-28", got)
		}
		c := calendar.NewClosings(d, e.clock)
		for _, day := range []string{"2026-11-26", "2026-11-27"} {
			if err := c.Close(context.Background(), day, "棚卸し", audit.Actor{Name: "owner@kaede.example"}); err != nil {
				t.Fatal(err)
			}
		}
		note = textOf(t, b.get("/products/dokudami-tea").body, "ship-within")
		if !strings.Contains(note, "2026年12月2日") {
			t.Fatalf("product page shipping line after closing days %q", note)
		}
		if got := firstDeliveryDate(t, b.get("/checkout").body); got != "2026-12-02" {
			t.Fatalf("first delivery date after closing days %s, want 2026-12-02", got)
		}
	})
}
