package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"kaede/internal/db"
	"kaede/internal/demo"
	"kaede/internal/shop"
)

// ScenarioConfig is the story `kaede demo --scenario` plays on top of the
// demo catalogue. The one scenario is "breach": the seed's case, a year of
// orders with the card buyers of one 303-day window to be told.
type ScenarioConfig struct {
	Name   string // "" or "breach"
	Seed   uint64
	Orders int
}

// The scenarios kaede demo knows.
const scenarioBreach = "breach"

// bindFlags registers the scenario's flags on the demo's flag set.
func (c *ScenarioConfig) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Name, "scenario", "", `a story to play: "breach" makes a year of orders whose card buyers of one 303-day window are affected by a card-data breach (the seed's case); on a data directory it made before, it adds nothing and prints its window again`)
	fs.Uint64Var(&c.Seed, "seed", 1, "--scenario breach: the seed of its customers and orders (the same seed on the same day makes the same shop)")
	fs.IntVar(&c.Orders, "orders", demo.DefaultBreachOrders, "--scenario breach: how many orders, from three customers for every ten")
}

func (c *ScenarioConfig) validate() error {
	switch c.Name {
	case "", scenarioBreach:
	default:
		return fmt.Errorf("--scenario %q: want breach, or none", c.Name)
	}
	if c.Orders < 10 || c.Orders > 200000 {
		return fmt.Errorf("--orders %d: want 10 to 200000", c.Orders)
	}
	return nil
}

// seedScenario plays the configured scenario on the demo's database, the
// demo catalogue included, and keeps its summary for the start-up message.
func (m *Main) seedScenario(ctx context.Context, d *db.DB, svc *services) error {
	cfg := m.Config
	if cfg.Scenario.Name != scenarioBreach {
		return fmt.Errorf("unknown scenario %q", cfg.Scenario.Name)
	}
	opts := demo.BreachOptions{Seed: cfg.Scenario.Seed, Orders: cfg.Scenario.Orders, Now: m.Clock(),
		GatewayURL: cfg.Card.GatewayURL, CardOrderTTL: cfg.Card.OrderTTL}
	if svc.payments != nil {
		opts.Provider = svc.payments.Provider().Name()
	}
	start := time.Now()
	s, err := demo.SeedBreach(ctx, d, demo.BreachServices{Catalog: svc.catalog, Members: svc.members, Orders: svc.orders},
		svc.mediaDir, opts)
	if errors.Is(err, demo.ErrHasCustomers) {
		return fmt.Errorf("%w: --scenario breach needs a new data directory (--data DIR), or one it made before", err)
	}
	if err != nil {
		return err
	}
	if !s.Existing {
		m.Log.Info("breach scenario created", "orders", s.Orders, "customers", s.Customers, "took", time.Since(start).Round(time.Millisecond))
	}
	m.breach = &s
	return nil
}

// printBreach tells the operator what the breach scenario made and the
// dates to play the incident with.
func printBreach(w io.Writer, s demo.BreachSummary, now time.Time) {
	day := func(t time.Time) string { return t.In(shop.JST).Format("2006-01-02") }
	if s.Existing {
		fmt.Fprintf(w, "Breach scenario (made %s with seed %d; this start added nothing):\n", s.CreatedAt.In(shop.JST).Format("2006-01-02 15:04 MST"), s.Seed)
	} else {
		fmt.Fprintf(w, "Breach scenario (seed %d):\n", s.Seed)
	}
	fmt.Fprintf(w, "  history:  %d orders from %d customers (%d members, %d guests; %d members also ordered as guests), %s to %s\n",
		s.Orders, s.Customers, s.Members, s.Guests, s.SharedEmails, day(s.HistoryFrom), day(s.HistoryTo.Add(-time.Second)))
	fmt.Fprintf(w, "            payment methods: %s; statuses: %s\n", counts(s.ByMethod), counts(s.ByStatus))
	fmt.Fprintf(w, "  window:   %s 00:00 to %s 23:59:59 JST (%d days, as in the seed): card data typed at checkout was captured\n",
		day(s.WindowFrom), day(s.WindowLastDay()), demo.BreachWindowDays)
	fmt.Fprintf(w, "  affected: %d card orders placed in the window, from %d distinct customers (by e-mail: a guest and a member with one address count once)\n",
		s.CardOrders, s.CardCustomers)
	fmt.Fprintf(w, "  dates:    discovered %s (a card company calls now); scope from %s to %s, payment method card\n",
		now.In(shop.JST).Truncate(time.Minute).Format(time.RFC3339), day(s.WindowFrom), day(s.WindowLastDay()))
	fmt.Fprintf(w, "            kaede incident open --title \"クレジットカード情報流出の懸念\" --discovered %s\n",
		now.In(shop.JST).Truncate(time.Minute).Format(time.RFC3339))
	fmt.Fprintf(w, "            kaede incident scope ID --from %s --to %s --method card\n", day(s.WindowFrom), day(s.WindowLastDay()))
	fmt.Fprintf(w, "  accounts: every demo customer's password is %s\n", demo.BreachPassword)
}

// counts formats a tally as "a 1, b 2", in name order.
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
