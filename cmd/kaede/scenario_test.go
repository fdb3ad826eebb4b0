package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"kaede/internal/demo"
	"kaede/internal/shop"
)

// kaede demo --scenario breach makes the history on a new data directory,
// prints the window, and on the next start finds it and adds nothing; a
// demo whose customers already ordered is refused.
func TestDemoBreachScenario(t *testing.T) {
	eachDatabase(t, func(t *testing.T, cfg Config) {
		cfg.Scenario = ScenarioConfig{Name: scenarioBreach, Seed: 3, Orders: 300}
		m := start(t, cfg)
		if m.breach == nil || m.breach.Existing || m.breach.Orders != 300 || m.breach.CardCustomers == 0 {
			m.Close()
			t.Fatalf("first start: summary %+v", m.breach)
		}
		first := *m.breach
		var out strings.Builder
		printBreach(&out, first, m.Clock())
		window := first.WindowFrom.In(shop.JST).Format("2006-01-02") + " 00:00 to " + first.WindowLastDay().Format("2006-01-02") + " 23:59:59 JST"
		for _, want := range []string{window, fmt.Sprintf("%d days", demo.BreachWindowDays), "kaede incident scope ID --from " + first.WindowFrom.In(shop.JST).Format("2006-01-02")} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("summary lacks %q:\n%s", want, out.String())
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}

		cfg.Scenario.Seed = 4
		m = start(t, cfg)
		defer m.Close()
		if m.breach == nil || !m.breach.Existing || m.breach.Seed != 3 || m.breach.CardOrders != first.CardOrders {
			t.Fatalf("second start: summary %+v, want the first run's", m.breach)
		}
		var n int
		if err := m.db.QueryRow(`SELECT COUNT(*) FROM orders`).Scan(&n); err != nil || n != 300 {
			t.Fatalf("%d orders after the second start (err %v), want 300", n, err)
		}
	})
}

func TestDemoBreachScenarioRefusesAShopWithCustomers(t *testing.T) {
	dir := t.TempDir()
	m := start(t, Config{DataDir: dir})
	buy(t, m.URL())
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, Scenario: ScenarioConfig{Name: scenarioBreach, Seed: 1, Orders: 100}}
	cfg.Addr = "127.0.0.1:0"
	cfg.Demo = true
	cfg.MailFrom = "shop@kaede.example"
	cfg.Secret = strings.Repeat("x", 32)
	cfg.finish()
	m = NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := m.Run(t.Context())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "new data directory") {
		t.Fatalf("err=%v, want a refusal that asks for a new data directory", err)
	}
}

func TestDemoScenarioFlags(t *testing.T) {
	for _, args := range [][]string{{"--scenario", "flood"}, {"--scenario", "breach", "--orders", "5"}} {
		var out, errs strings.Builder
		err := run(t.Context(), append([]string{"demo", "--data", t.TempDir()}, args...), &out, &errs)
		if err == nil || !strings.Contains(err.Error(), args[len(args)-2]) {
			t.Errorf("demo %v: err=%v, want one naming %s", args, err, args[len(args)-2])
		}
	}
	var errs strings.Builder
	_ = run(t.Context(), []string{"demo", "--help"}, &strings.Builder{}, &errs)
	if !strings.Contains(errs.String(), "-scenario") || !strings.Contains(errs.String(), "303-day") {
		t.Errorf("demo --help does not explain --scenario:\n%s", errs.String())
	}
}
