package checkout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/switches"
)

// TestSwitches: checkout obeys the shop's emergency switches, whatever
// edge calls it. Card stopped refuses the card method as a field the
// customer can change; checkout stopped refuses every order.
func TestSwitches(t *testing.T) {
	type outcome struct {
		code  shop.Code // "" for success
		field string    // payment_method's reason, when Invalid
	}
	tests := []struct {
		name            string
		card, checkout  bool // the switches
		method          string
		quote, place    outcome
		offered         bool // CardOffered
		open            bool // Open() == nil
		cardWithoutProv bool // the shop has no provider at all
	}{
		{name: "normal, card", card: true, checkout: true, method: "card", offered: true, open: true},
		{name: "normal, transfer", card: true, checkout: true, method: "bank_transfer", offered: true, open: true},
		{name: "card stopped, card", card: false, checkout: true, method: "card",
			quote: outcome{shop.Invalid, shop.ReasonStopped}, place: outcome{shop.Invalid, shop.ReasonStopped}, open: true},
		{name: "card stopped, transfer", card: false, checkout: true, method: "bank_transfer", open: true},
		{name: "card stopped, cash on delivery", card: false, checkout: true, method: "cod", open: true},
		{name: "checkout stopped, transfer", card: true, checkout: false, method: "bank_transfer",
			quote: outcome{code: shop.Unavailable}, place: outcome{code: shop.Unavailable}, offered: true},
		{name: "both stopped, card", card: false, checkout: false, method: "card",
			quote: outcome{code: shop.Unavailable}, place: outcome{code: shop.Unavailable}},
		{name: "no provider, card: never offered", card: true, checkout: true, method: "card", cardWithoutProv: true,
			quote: outcome{shop.Invalid, shop.ReasonChoice}, place: outcome{shop.Invalid, shop.ReasonChoice}, open: true},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 100})
		sw := switches.NewService(d, clock, time.Hour)
		set := func(n switches.Name, on bool) {
			t.Helper()
			if _, err := sw.Set(ctx, switches.Change{Name: n, On: on, Reason: "test"}, audit.Actor{Name: "owner@example.jp"}); err != nil {
				t.Fatal(err)
			}
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := setup(t, d)
				if !tt.cardWithoutProv {
					if err := f.checkout.EnableCard(checkout.CardOptions{Provider: "gateway", Capture: "automatic", TTL: time.Hour}); err != nil {
						t.Fatal(err)
					}
				}
				f.checkout.UseSwitches(sw)
				set(switches.Card, tt.card)
				set(switches.Checkout, tt.checkout)
				id := f.cartWith(t, shop.Viewer{}, "A", 1)

				if got, err := f.checkout.CardOffered(ctx); err != nil || got != (tt.offered && !tt.cardWithoutProv) {
					t.Errorf("CardOffered()=%v, %v; want %v", got, err, tt.offered && !tt.cardWithoutProv)
				}
				if err := f.checkout.Open(ctx); (err == nil) != tt.open || (err != nil && !errors.Is(err, switches.ErrCheckoutStopped)) {
					t.Errorf("Open()=%v, want open=%v", err, tt.open)
				}
				_, err := f.checkout.Quote(ctx, input(id, tt.method, ""))
				check(t, "Quote", err, tt.quote.code, tt.quote.field)
				before := carttest.Count(t, d, "orders")
				o, _, err := f.checkout.Place(ctx, input(id, tt.method, "key-"+string(rune('a'+i))))
				check(t, "Place", err, tt.place.code, tt.place.field)
				after := carttest.Count(t, d, "orders")
				if tt.place.code == "" && (o == nil || after != before+1) {
					t.Fatalf("Place: %d orders after, want %d", after, before+1)
				}
				if tt.place.code != "" && after != before {
					t.Fatalf("a refused Place wrote an order: %d orders, want %d", after, before)
				}
			})
		}
	})
}

func check(t *testing.T, what string, err error, code shop.Code, field string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("%s: %v, want success", what, err)
		}
		return
	}
	if shop.ErrorCode(err) != code {
		t.Fatalf("%s: err=%v, want %s", what, err, code)
	}
	if code == shop.Unavailable && !errors.Is(err, switches.ErrCheckoutStopped) {
		t.Fatalf("%s: err=%v, want switches.ErrCheckoutStopped", what, err)
	}
	if field != "" {
		fields := shop.ErrorFields(err)
		if fields["payment_method"] != field || len(fields) != 1 {
			t.Fatalf("%s: fields %v, want only payment_method: %s", what, fields, field)
		}
	}
}

// TestCheckoutStoppedStillReplays: a client that lost the answer to an
// order placed just before checkout was stopped learns that its order
// exists; a new order is refused.
func TestCheckoutStoppedStillReplays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		sw := switches.NewService(d, clock, time.Hour)
		f.checkout.UseSwitches(sw)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 10})
		in := input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", "before-the-switch")
		first, _, err := f.checkout.Place(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sw.Set(ctx, switches.Change{Name: switches.Checkout, On: false, Reason: "incident"}, audit.Actor{Name: audit.ActorCLI}); err != nil {
			t.Fatal(err)
		}
		again, _, err := f.checkout.Place(ctx, in)
		if err != nil || again.Number != first.Number {
			t.Fatalf("replay while stopped: %v %v, want order %s", err, again, first.Number)
		}
		other := input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", "after-the-switch")
		if _, _, err := f.checkout.Place(ctx, other); !errors.Is(err, switches.ErrCheckoutStopped) {
			t.Fatalf("new order while stopped: %v, want ErrCheckoutStopped", err)
		}
	})
}
