package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/billing"
	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// TestBillingCloseCommand: "kaede billing close --month" issues one
// invoice per business customer for a month that has ended, and nothing
// when run again; a bad or running month is refused by name.
func TestBillingCloseCommand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		clock := func() time.Time { return time.Date(2026, 1, 15, 1, 0, 0, 0, time.UTC) }
		q := mail.NewTestQueue(clock)
		carts, orders := cart.New(d, clock), order.New(d, q, clock)
		co := checkout.New(d, carts, orders, q, clock, "")
		bill := billing.New(d, orders, member.New(d, q, clock, ""), q, clock, "")
		co.UseAccounts(bill)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "NEEDLE", Price: 1100, Stock: 10})
		clinic := carttest.AddMember(t, d, "clinic@example.jp", true)
		if _, err := bill.Decide(ctx, clinic, billing.Decision{Status: billing.Approved, Company: "かえで鍼灸院",
			CreditLimit: "100000"}, audit.Actor{Name: "hanako@kaede.example"}); err != nil {
			t.Fatal(err)
		}
		v := shop.Viewer{MemberID: clinic}
		for i := range 2 {
			c, err := carts.Create(ctx, clinic)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := carts.AddItem(ctx, c.ID, "NEEDLE", 1, v); err != nil {
				t.Fatal(err)
			}
			if _, _, err := co.Place(ctx, checkout.Input{CartID: c.ID, Viewer: v, Email: "clinic@example.jp",
				Address: shop.Address{Name: "かえで鍼灸院", NameKana: "カエデ", PostalCode: "100-0001", Prefecture: 13,
					City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"},
				PaymentMethod: string(order.Invoice), IdempotencyKey: fmt.Sprintf("cmd-billing-%d", i)}); err != nil {
				t.Fatalf("order on account: %v", err)
			}
		}

		out, err := run2(t, "billing", "close", "--month", "2026-01", "--database", d.URL)
		if err != nil || !strings.Contains(out, "2026-01 closed: 1 invoice(s) issued") || !strings.Contains(out, "かえで鍼灸院  2 order(s)  ¥3,960") {
			t.Fatalf("close: %v\n%s", err, out)
		}
		out, err = run2(t, "billing", "close", "--database", d.URL, "--month", "2026-01")
		if err != nil || !strings.Contains(out, "0 invoice(s) issued") {
			t.Fatalf("close again: %v\n%s", err, out)
		}
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"close", "--month", "2026/01"}, `--month "2026/01": want YYYY-MM`},
			{[]string{"close"}, "--month YYYY-MM is required"},
			{[]string{"open", "--month", "2026-01"}, "want close"},
			{[]string{"close", "--month", "2098-12"}, "has not ended yet"},
		} {
			out, err := run2(t, append(append([]string{"billing"}, c.args...), "--database", d.URL)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: %v\n%s, want %q", c.args, err, out, c.want)
			}
		}
		es, err := audit.List(ctx, d, audit.Filter{Action: "billing.issue"})
		if err != nil || len(es) != 1 || es[0].Actor != audit.ActorCLI {
			t.Fatalf("audit %+v (%v), want one issue by the command line", es, err)
		}
	})
}
