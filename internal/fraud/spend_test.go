package fraud_test

import (
	"fmt"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/fraud"
)

// The attack of issue 8, item 3: a few clients start card payments and
// never type a card, to spend the shop-wide cap and lock every customer
// out of card payments. Starts are limited per address and per session;
// the shop-wide cap counts only what the provider declined, so a
// customer at a fourth address still pays.
func TestStartsWithoutCardsDoNotSpendTheShopCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := fraud.DefaultLimits()
		g, _, _ := newGuard(t, d, l)
		started, refused := 0, 0
		for ip := range 3 {
			for i := range 15 {
				a := stranger(ip*100 + i)
				a.IP = fmt.Sprintf("203.0.113.%d", ip+1)
				if allow(t, g, a).Allowed {
					started++
				} else {
					refused++
				}
			}
		}
		t.Logf("3 addresses, 45 starts without a card: %d started, %d refused", started, refused)
		if started != 3*l.IP[0].Max {
			t.Fatalf("started %d, want %d (the hourly limit per address)", started, 3*l.IP[0].Max)
		}
		customer := stranger(999)
		customer.IP = "192.0.2.44"
		if dec := allow(t, g, customer); !dec.Allowed {
			t.Fatalf("a customer at a fourth address was refused: %s", dec.Reason)
		}
	})
}

// Declines do spend it: once the shop has had its cap of declines in the
// window, a new address is refused too.
func TestDeclinesSpendTheShopCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := fraud.DefaultLimits()
		l.Breaker = []fraud.Threshold{{Minutes: 60, MinFailures: 1000}} // out of the way
		g, _, _ := newGuard(t, d, l)
		for i := range l.Site[0].Max {
			pay(t, g, stranger(i), fraud.Declined)
		}
		if dec := allow(t, g, stranger(500)); dec.Allowed || dec.Reason != fraud.SiteLimit {
			t.Fatalf("after %d declines: %+v, want refused by the site limit", l.Site[0].Max, dec)
		}
	})
}
