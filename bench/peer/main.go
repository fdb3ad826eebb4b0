// Command peer is the checkout load of bench/peer.sh against a Vendure
// store's Shop API (GraphQL): guests who each add one item of the
// collection's first page, give an e-mail address, a Japanese shipping
// address and the first eligible shipping method, move the order to
// ArrangingPayment and pay with the first eligible payment method (the
// dummy payment handler of a @vendure/create install).
//
//	peer --url http://localhost:3000/shop-api --duration 30s --clients 8
//
// With --listing-body it prints the peer's category page request instead,
// the GraphQL search that bench/peer.sh has wrk send.
//
// Prints orders, orders/s, p50 and p99 of one whole checkout (eight
// requests), and the failures. Exits non-zero if no order was placed.
//
// With --oversell N it measures the oversell case instead: it signs
// in to the Admin API, leaves N units of one variant for sale, sends
// --buyers guests to buy one each at the same moment, and prints how many
// orders were paid and how many units the peer allocated.
//
//	peer --url http://localhost:3000/shop-api --oversell 20 --buyers 60
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", os.Getenv("PEER_URL"), "the peer's Shop API (default $PEER_URL)")
	duration := flag.Duration("duration", 30*time.Second, "how long to check out")
	clients := flag.Int("clients", 8, "concurrent buyers")
	collection := flag.String("collection", "electronics", "the collection whose first page the buyers buy from")
	method := flag.String("payment-method", "", "payment method code (default: the first eligible)")
	listing := flag.Bool("listing-body", false, "print the category page's request body (for wrk) and exit")
	units := flag.Int("oversell", 0, "instead of the timed run, put this many units of one variant on sale and send --buyers at once")
	buyers := flag.Int("buyers", 60, "buyers of the oversell run, one unit each")
	oneByOne := flag.Bool("one-by-one", false, "the oversell run's buyers one after another (a control without the race)")
	variant := flag.String("variant", "", "the oversell run's variant id (default: the collection's first)")
	adminURL := flag.String("admin-url", "", "the peer's Admin API, for the oversell run (default: --url with shop-api → admin-api)")
	adminUser := flag.String("admin-user", envOr("PEER_ADMIN_USER", "superadmin"), "Admin API user (default $PEER_ADMIN_USER or superadmin)")
	adminPassword := flag.String("admin-password", envOr("PEER_ADMIN_PASSWORD", "superadmin"), "Admin API password (default $PEER_ADMIN_PASSWORD or superadmin)")
	flag.Parse()
	if *listing {
		body, err := json.Marshal(map[string]any{"operationName": "CategoryPage", "query": listingQuery,
			"variables": map[string]any{"slug": *collection, "skip": 0}})
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer:", err)
			os.Exit(1)
		}
		fmt.Println(string(body))
		return
	}
	if *url == "" {
		fmt.Fprintln(os.Stderr, "peer: --url or PEER_URL is required")
		os.Exit(2)
	}
	if *units > 0 {
		if err := runOversell(context.Background(), *url, *adminURL, *collection,
			sale{variantID: *variant, user: *adminUser, password: *adminPassword, units: *units, buyers: *buyers, oneByOne: *oneByOne}); err != nil {
			fmt.Fprintln(os.Stderr, "peer:", err)
			os.Exit(1)
		}
		return
	}
	placed, err := run(context.Background(), *url, *duration, *clients, *collection, *method)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
	if placed == 0 {
		fmt.Fprintln(os.Stderr, "peer: no order was placed")
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func runOversell(ctx context.Context, url, adminURL, collection string, sl sale) error {
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: sl.buyers}}
	shop := &session{url: url, client: client}
	if adminURL == "" {
		adminURL = strings.Replace(url, "shop-api", "admin-api", 1)
	}
	if sl.variantID == "" {
		variants, err := firstVariants(ctx, shop, collection)
		if err != nil {
			return err
		}
		sl.variantID = variants[0]
	}
	o, err := oversell(ctx, shop, &session{url: adminURL, client: client}, sl)
	if err != nil {
		return err
	}
	fmt.Println(o)
	if o.firstFailure != nil {
		fmt.Println("  first failure:", o.firstFailure)
	}
	return nil
}

func run(ctx context.Context, url string, duration time.Duration, clients int, collection, method string) (int, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	variants, err := firstVariants(ctx, &session{url: url, client: client}, collection)
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var lat []time.Duration
	var failures []error
	began := time.Now()
	deadline := began.Add(duration)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				b := buyer{variantID: variants[(c+n*clients)%len(variants)], quantity: 1,
					email: fmt.Sprintf("bench-%d-%d-%d@example.jp", time.Now().UnixNano(), c, n), paymentMethod: method}
				start := time.Now()
				_, err := placeOrder(ctx, &session{url: url, client: client}, b)
				d := time.Since(start)
				mu.Lock()
				if err != nil {
					failures = append(failures, err)
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// Buyers start checkouts until the deadline and finish the one they
	// are in: with checkouts of seconds, the run lasts well past it, and
	// orders per second are over the whole run.
	elapsed := time.Since(began)
	slices.Sort(lat)
	q := func(f float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(f*float64(len(lat))))].Round(100 * time.Microsecond)
	}
	fmt.Printf("peer checkout: %d orders in %s (started for %s) by %d buyers: %.1f orders/s   p50 %s   p99 %s   failed %d\n",
		len(lat), elapsed.Round(100*time.Millisecond), duration, clients, float64(len(lat))/elapsed.Seconds(), q(0.50), q(0.99), len(failures))
	for _, e := range failures[:min(3, len(failures))] {
		fmt.Println("  failure:", e)
	}
	return len(lat), nil
}
