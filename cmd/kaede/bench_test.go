package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// BenchmarkCheckoutLoad places bank-transfer orders through the JSON API of
// a demo store started as "kaede demo" starts it (SQLite, the test card
// gateway, the job runner with every periodic task), by 8 concurrent
// customers, without and with the tamper monitor checking the payment
// pages every 10 seconds (the shortest interval an operator may set). One
// op is one order: a cart, its item and the checkout, three requests.
//
// The monitor runs only while the benchmark runs long enough: give it
// time, e.g.
//
//	go test ./cmd/kaede -run '^$' -bench CheckoutLoad -benchtime 40s
//
// Reported: orders/s, p99-ms (of one order's three requests), the
// monitor's runs during the load, and monitor-cpu-ms/run: the process's
// CPU time per check, measured after the load with nothing else running
// (the walk, the diff and the store serving the walk's requests).
func BenchmarkCheckoutLoad(b *testing.B) {
	for _, bc := range []struct {
		name  string
		every time.Duration
	}{
		// Off: the monitor takes its baseline at start, before the
		// load, and next runs a day later.
		{"monitor=off", 24 * time.Hour},
		{"monitor=10s", 10 * time.Second},
	} {
		b.Run(bc.name, func(b *testing.B) { benchmarkCheckoutLoad(b, bc.every) })
	}
}

func benchmarkCheckoutLoad(b *testing.B, every time.Duration) {
	cfg := Config{DataDir: b.TempDir(), Addr: "127.0.0.1:0", Demo: true, MailFrom: "shop@kaede.example",
		Secret: strings.Repeat("x", 32), Card: CardConfig{Provider: "gateway", RunGateway: true},
		Monitor: MonitorConfig{Interval: every}}
	cfg.finish()
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Run(b.Context()); err != nil {
		m.Close()
		b.Fatalf("run: %v", err)
	}
	defer m.Close()
	runs := func() int {
		var n int
		if err := m.db.QueryRow(`SELECT COUNT(*) FROM monitor_runs`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	// The first run (the baseline) is over before the load starts.
	deadline := time.Now().Add(2 * time.Minute)
	for runs() == 0 {
		if time.Now().After(deadline) {
			b.Fatal("the monitor's first run did not happen")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cat, err := m.svc.catalog.Categories(b.Context())
	if err != nil || len(cat) == 0 {
		b.Fatalf("categories: %v", err)
	}
	const sku = "BENCH-LOAD"
	if _, err := m.svc.catalog.CreateProduct(b.Context(), catalog.Product{Slug: "bench-load", CategoryID: cat[0].ID,
		NameJa: "負荷試験用", TaxClass: shop.TaxStandard, Status: catalog.StatusPublished,
		Variants: []catalog.Variant{{SKU: sku, Price: 1100, Stock: 1_000_000, MaxPerOrder: 9}}},
		audit.Actor{Name: audit.ActorCLI}); err != nil {
		b.Fatal(err)
	}

	// The shop's limits on orders per address, e-mail and unpaid orders
	// would refuse a load from one client with 429: lifted, as
	// bench/soak does.
	st, err := settings.Load(b.Context(), m.db)
	if err != nil {
		b.Fatal(err)
	}
	wide := []throttle.Window{{Max: 100000, Minutes: 1}}
	st.Limits.OrdersPerAddress, st.Limits.OrdersPerEmail, st.Limits.OrdersPerSession = wide, wide, wide
	st.Limits.UnpaidOrders, st.Limits.CartsPerAddress = wide, wide
	st.Limits.MailsPerRecipientHour = 0
	if err := m.db.Tx(b.Context(), func(tx *sql.Tx) error { return settings.Save(b.Context(), tx, st, time.Now()) }); err != nil {
		b.Fatal(err)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	base := m.URL()
	var mu sync.Mutex
	var took []time.Duration
	before := runs()
	b.SetParallelism(4) // 8 customers on 2 cores
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := apiOrder(client, base, sku); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		took = append(took, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	during := runs() - before
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	p99 := took[min(len(took)-1, len(took)*99/100)]
	b.ReportMetric(float64(len(took))/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(during), "monitor-runs")

	// The monitor's cost per run, alone: a few checks in a row.
	const checks = 5
	cpu := processCPU(b)
	for range checks {
		run, err := m.svc.monitor.Check(b.Context())
		if err != nil || run.Result != "ok" {
			b.Fatalf("check: %s %v %v", run.Result, run.Differences, err)
		}
	}
	b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/1000/checks, "monitor-cpu-ms/run")
	b.ReportMetric(0, "ns/op") // orders/s says it; ns/op of a parallel run misleads
}

// apiOrder is one customer's order through the JSON API: a cart, one
// item, the checkout by bank transfer.
func apiOrder(client *http.Client, base, sku string) error {
	post := func(path string, body any, want int, v any) error {
		b, _ := json.Marshal(body)
		res, err := client.Post(base+path, "application/json", bytes.NewReader(b))
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode != want {
			msg, _ := io.ReadAll(res.Body)
			return fmt.Errorf("POST %s: %d, want %d: %s", path, res.StatusCode, want, msg)
		}
		if v != nil {
			return json.NewDecoder(res.Body).Decode(v)
		}
		_, err = io.Copy(io.Discard, res.Body)
		return err
	}
	var c struct{ ID string }
	if err := post("/api/v1/carts", map[string]any{}, http.StatusCreated, &c); err != nil {
		return err
	}
	if err := post("/api/v1/carts/"+c.ID+"/items", map[string]any{"sku": sku, "quantity": 1}, http.StatusOK, nil); err != nil {
		return err
	}
	return post("/api/v1/carts/"+c.ID+"/checkout", map[string]any{
		"email": "load@example.jp",
		"shipping_address": map[string]any{"name": "負荷 太郎", "name_kana": "フカ タロウ", "postal_code": "530-0001",
			"prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1-1", "phone": "06-1234-5678"},
		"payment_method": "bank_transfer",
	}, http.StatusCreated, nil)
}

// processCPU is the process's user and system CPU time so far.
func processCPU(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
