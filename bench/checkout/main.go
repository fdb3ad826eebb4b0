// Command checkout places orders through a running store's JSON API as fast
// as a fixed number of connections allow, and prints orders/s and the
// latency of an order (its requests together) and of one request.
// bench/checkout.sh runs it against the demo.
//
//	checkout prepare --database DSN    # loose limits per client, deep stock
//	checkout --base URL[,URL…] [--conns 32] [--duration 20s] [--warmup 3s] [--method bank_transfer] [--requests 3] [--forwarded]
//
// Each connection loops: create a cart, add one unit of a SKU, check out
// with a new e-mail address and an Idempotency-Key (--requests 3); or
// create the cart with its item and check out (--requests 2). With
// several base URLs (instances behind one database) the connections are
// spread over them in turn. With --forwarded, every order comes from an
// address of its own in X-Forwarded-For, as a shop behind its reverse
// proxy sees its customers (start the store with --trusted-proxies
// 127.0.0.1/32); without, every order comes from 127.0.0.1 and the shop's
// limits per address must be lifted (checkout prepare). Any answer other
// than the expected one is counted and printed; the exit status is
// non-zero when there was one.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kaede/bench/internal/loadprep"
	"kaede/internal/db"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "prepare" {
		fs := flag.NewFlagSet("checkout prepare", flag.ExitOnError)
		dsn := fs.String("database", "", "the store's database: a SQLite file or postgres://… (the store may run)")
		fs.Parse(os.Args[2:])
		if err := prepare(context.Background(), *dsn); err != nil {
			fmt.Fprintln(os.Stderr, "checkout prepare:", err)
			os.Exit(1)
		}
		return
	}
	base := flag.String("base", "", "the store's base URL; several separated by commas")
	conns := flag.Int("conns", 32, "concurrent connections (each a customer placing orders one after another)")
	duration := flag.Duration("duration", 20*time.Second, "how long to measure")
	warmup := flag.Duration("warmup", 3*time.Second, "load before measuring, not counted")
	method := flag.String("method", "bank_transfer", "payment method of every order")
	requests := flag.Int("requests", 3, "requests per order: 3 (cart, item, checkout) or 2 (cart with its item, checkout)")
	forwarded := flag.Bool("forwarded", false, "send each order's own client address in X-Forwarded-For")
	sku := flag.String("sku", "", "the SKU to buy (default: the first SKU of the first product a guest may buy)")
	flag.Parse()
	if *base == "" {
		fmt.Fprintln(os.Stderr, "checkout: --base is required")
		os.Exit(2)
	}
	if *requests != 2 && *requests != 3 {
		fmt.Fprintln(os.Stderr, "checkout: --requests is 2 or 3")
		os.Exit(2)
	}
	r, err := run(strings.Split(*base, ","), *conns, *warmup, *duration, *method, *sku, *forwarded, *requests)
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkout:", err)
		os.Exit(1)
	}
	r.print(os.Stdout, *conns, len(strings.Split(*base, ",")))
	if r.failed > 0 {
		os.Exit(1)
	}
}

// prepare lifts the shop's limits per client (every load client is
// 127.0.0.1) and gives every variant deep stock, so that the load is
// never refused with 429 nor sells out.
func prepare(ctx context.Context, dsn string) error {
	if dsn == "" {
		return errors.New("--database is required")
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	return loadprep.Loosen(ctx, d)
}

type result struct {
	perOrder int // requests an order
	elapsed  time.Duration
	orders   []time.Duration // one order's requests together
	requests []time.Duration
	failed   int
	first    string // the first failure, to show
}

func (r result) print(w io.Writer, conns, instances int) {
	fmt.Fprintf(w, "checkout over HTTP: %d requests an order, %d connections, %d instance(s), %s\n", r.perOrder, conns, instances, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "orders/s %.1f   order p50 %s p99 %s   request p50 %s p99 %s   failed %d\n",
		float64(len(r.orders))/r.elapsed.Seconds(),
		pct(r.orders, 50), pct(r.orders, 99), pct(r.requests, 50), pct(r.requests, 99), r.failed)
	if r.first != "" {
		fmt.Fprintln(w, "first failure:", r.first)
	}
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(100 * time.Microsecond)
}

func run(bases []string, conns int, warmup, duration time.Duration, method, sku string, forwarded bool, requests int) (result, error) {
	client := &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2}}
	if sku == "" {
		var err error
		if sku, err = firstSKU(client, bases[0]); err != nil {
			return result{}, err
		}
	}
	var (
		mu        sync.Mutex
		res       = result{perOrder: requests}
		measuring atomic.Bool
		serial    atomic.Int64
	)
	ctx, cancel := context.WithTimeout(context.Background(), warmup+duration)
	defer cancel()
	time.AfterFunc(warmup, func() { measuring.Store(true) })
	start := time.Now().Add(warmup)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c := customer{client: client, base: bases[i%len(bases)], sku: sku, method: method, forwarded: forwarded, requests: requests}
			for ctx.Err() == nil {
				n := serial.Add(1)
				took, reqs, err := c.order(ctx, n)
				if ctx.Err() != nil {
					return // cut off by the end, not a failure
				}
				if !measuring.Load() {
					continue
				}
				mu.Lock()
				if err != nil {
					res.failed++
					if res.first == "" {
						res.first = err.Error()
					}
				} else {
					res.orders = append(res.orders, took)
					res.requests = append(res.requests, reqs...)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, nil
}

func firstSKU(client *http.Client, base string) (string, error) {
	res, err := client.Get(base + "/api/v1/products?limit=50")
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct {
		Products []struct {
			PractitionersOnly bool `json:"practitioners_only"`
			Variants          []struct{ SKU string }
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return "", fmt.Errorf("products: %w", err)
	}
	// A guest may not buy what is for practitioners only.
	for _, p := range out.Products {
		if !p.PractitionersOnly && len(p.Variants) > 0 {
			return p.Variants[0].SKU, nil
		}
	}
	return "", errors.New("the store lists no product a guest may buy")
}

type customer struct {
	client    *http.Client
	base      string
	sku       string
	method    string
	forwarded bool
	requests  int
}

// order places one order; it returns the time of its requests together
// and of each.
func (c customer) order(ctx context.Context, n int64) (time.Duration, []time.Duration, error) {
	var reqs []time.Duration
	// A private range: 10.0.0.0/8 holds 16M customers.
	from := fmt.Sprintf("10.%d.%d.%d", n>>16&0xff, n>>8&0xff, n&0xff)
	post := func(path string, body any, want int, header ...string) ([]byte, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, "POST", c.base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if c.forwarded {
			req.Header.Set("X-Forwarded-For", from)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		t0 := time.Now()
		res, err := c.client.Do(req)
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(res.Body)
		res.Body.Close()
		reqs = append(reqs, time.Since(t0))
		if err != nil {
			return nil, err
		}
		if res.StatusCode != want {
			return nil, fmt.Errorf("POST %s: %d %s", path, res.StatusCode, bytes.TrimSpace(out[:min(len(out), 300)]))
		}
		return out, nil
	}
	t0 := time.Now()
	item := map[string]any{"sku": c.sku, "quantity": 1}
	body := map[string]any{}
	if c.requests == 2 {
		body["items"] = []any{item}
	}
	out, err := post("/api/v1/carts", body, http.StatusCreated)
	if err != nil {
		return 0, nil, err
	}
	var cart struct{ ID string }
	if err := json.Unmarshal(out, &cart); err != nil {
		return 0, nil, fmt.Errorf("cart: %w", err)
	}
	if c.requests == 3 {
		if _, err := post("/api/v1/carts/"+cart.ID+"/items", item, http.StatusOK); err != nil {
			return 0, nil, err
		}
	}
	key := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), n)
	if _, err := post("/api/v1/carts/"+cart.ID+"/checkout", map[string]any{
		"email": fmt.Sprintf("load-%d-%d@example.jp", time.Now().Unix(), n),
		"shipping_address": map[string]any{"name": "負荷 太郎", "name_kana": "フカ タロウ", "postal_code": "530-0001",
			"prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1-1", "phone": "06-1234-5678"},
		"payment_method": c.method,
	}, http.StatusCreated, "Idempotency-Key", key); err != nil {
		return 0, nil, err
	}
	return time.Since(t0), reqs, nil
}
