package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/testenv"
)

// stormEmail marks the storm's orders among the demo's own.
const stormEmail = "storm@example.jp"

// stormBuyers is how many clients place orders at once.
const stormBuyers = 8

// TestKillDuringCheckoutStorm kills a store with SIGKILL while concurrent
// clients place orders through the JSON API, each with its own
// Idempotency-Key, until every unit of a few products is sold. A client
// whose request fails (the connection cut, a 503) retries the same key,
// as the API asks integrators to, against whatever instance is up.
// Afterwards every order a client was told of exists, the orders are
// exactly the ones told of (no key placed two), and for every variant
// stock + sold = the starting stock, which here is sold out to zero.
//
// On SQLite the one instance is restarted on the same data directory; on
// PostgreSQL two instances share the database and one of them is killed.
func TestKillDuringCheckoutStorm(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		seed := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir)
		seed.stop(t)
		d := openStore(t, filepath.Join(dir, "kaede.db"))
		looseLimitsIn(t, d)
		stock := stormStock(t, d)

		a := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir)
		s := newStorm(stock)
		s.targets.Store(&[]string{a.store})
		s.run(t, func() {
			a.kill(t)
			t.Logf("killed the store with SIGKILL after %d orders", s.placed.Load())
			restarted := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir)
			s.targets.Store(&[]string{restarted.store})
		})
		s.check(t, d, stock)
		var integrity string
		if err := d.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
			t.Errorf("integrity_check=%q (%v), want ok", integrity, err)
		}
	})

	t.Run("postgres", func(t *testing.T) {
		pg := dbtest.Postgres(t)
		dirA, dirB := t.TempDir(), t.TempDir()
		seed := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dirA, "--database", pg.URL)
		seed.stop(t)
		looseLimitsIn(t, pg)
		stock := stormStock(t, pg)

		// The instances share the product images.
		if err := os.MkdirAll(filepath.Join(dirB, "media"), 0o700); err != nil {
			t.Fatal(err)
		}
		a := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dirA, "--database", pg.URL)
		b := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dirB, "--database", pg.URL)
		s := newStorm(stock)
		s.targets.Store(&[]string{a.store, b.store})
		s.run(t, func() {
			a.kill(t)
			t.Logf("killed instance a with SIGKILL after %d orders", s.placed.Load())
			s.targets.Store(&[]string{b.store})
		})
		s.check(t, pg, stock)
	})
}

// openStore opens the database of a store that runs in another process.
func openStore(t *testing.T, url string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// stormStock picks the variants the storm sells out: a few published
// products anyone may buy, with their stock now.
func stormStock(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	rows, err := d.Query(`SELECT v.sku, v.stock FROM variants v JOIN products p ON p.id = v.product_id
		WHERE p.status = 'published' AND NOT p.practitioners_only AND v.stock BETWEEN 10 AND 60
		ORDER BY v.sku LIMIT 3`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stock := map[string]int{}
	for rows.Next() {
		var sku string
		var n int
		if err := rows.Scan(&sku, &n); err != nil {
			t.Fatal(err)
		}
		stock[sku] = n
	}
	if err := rows.Err(); err != nil || len(stock) < 3 {
		t.Fatalf("storm variants %v: %v", stock, err)
	}
	return stock
}

// storm is a crowd of API clients buying one unit at a time until the
// variants are sold out.
type storm struct {
	client  *http.Client
	targets atomic.Pointer[[]string] // the instances up, by base URL
	skus    []string
	units   int64 // on sale at the start
	placed  atomic.Int64
	retried atomic.Int64 // checkouts sent again after no answer

	mu       sync.Mutex
	told     map[string]string // Idempotency-Key → the order number a 201 gave
	soldOut  map[string]bool
	failures []string
}

func newStorm(stock map[string]int) *storm {
	s := &storm{client: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: stormBuyers}},
		told: map[string]string{}, soldOut: map[string]bool{}}
	for sku, n := range stock {
		s.skus = append(s.skus, sku)
		s.units += int64(n)
	}
	return s
}

// stormWithin bounds the whole storm, the restart included.
const stormWithin = 45 * time.Second

// run lets the buyers loose, calls fault once a third of the units are
// sold, and returns when everything is sold out.
func (s *storm) run(t *testing.T, fault func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), stormWithin)
	defer cancel()
	var wg sync.WaitGroup
	for range stormBuyers {
		wg.Go(func() { s.buyer(ctx) })
	}
	testenv.WaitFor(t, stormWithin, "a third of the storm's orders", func() bool {
		return s.placed.Load() >= s.units/3 || ctx.Err() != nil
	})
	fault()
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the storm did not sell out within %s: %d orders; failures %v", stormWithin, s.placed.Load(), s.failures)
	}
	t.Logf("%d orders placed of %d units; %d checkouts sent again with their key after no answer", s.placed.Load(), s.units, s.retried.Load())
}

// buyer buys one unit of a variant not yet sold out, again and again.
func (s *storm) buyer(ctx context.Context) {
	for ctx.Err() == nil {
		sku, ok := s.pick()
		if !ok {
			return
		}
		if cart := s.cartWith(ctx, sku); cart != "" {
			s.checkout(ctx, cart, sku)
		}
	}
}

// pick is a variant not known to be sold out.
func (s *storm) pick() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var left []string
	for _, sku := range s.skus {
		if !s.soldOut[sku] {
			left = append(left, sku)
		}
	}
	if len(left) == 0 {
		return "", false
	}
	i, _ := rand.Int(rand.Reader, big.NewInt(int64(len(left))))
	return left[i.Int64()], true
}

// cartWith is a new cart holding one unit of sku, or "" when that failed
// (the instance went away: the buyer starts again) or sku is sold out.
func (s *storm) cartWith(ctx context.Context, sku string) string {
	status, body, err := s.call(ctx, "POST", "/api/v1/carts", "", map[string]any{})
	if err != nil || status != http.StatusCreated {
		s.unexpected(status, body, err)
		return ""
	}
	var c struct{ ID string }
	if err := json.Unmarshal(body, &c); err != nil {
		s.unexpected(status, body, err)
		return ""
	}
	status, body, err = s.call(ctx, "POST", "/api/v1/carts/"+c.ID+"/items", "", map[string]any{"sku": sku, "quantity": 1})
	switch {
	case err == nil && status == http.StatusOK:
		return c.ID
	case err == nil && apiErrorCode(body) == "out_of_stock":
		s.markSoldOut(sku)
	default:
		s.unexpected(status, body, err)
	}
	return ""
}

// checkout places the cart's order under a key of its own, retrying the
// same key until the answer is an order or a refusal.
func (s *storm) checkout(ctx context.Context, cart, sku string) {
	key := newStormKey()
	for ctx.Err() == nil {
		status, body, err := s.call(ctx, "POST", "/api/v1/carts/"+cart+"/checkout", key, stormCheckout)
		switch {
		case err != nil || status == http.StatusServiceUnavailable || status == http.StatusBadGateway:
			// The instance died mid-request, or is not up: the outcome is
			// unknown, so the same key goes again.
			s.retried.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		case status == http.StatusCreated:
			var res struct{ Order struct{ Number string } }
			if err := json.Unmarshal(body, &res); err != nil || res.Order.Number == "" {
				s.unexpected(status, body, err)
				return
			}
			s.mu.Lock()
			s.told[key] = res.Order.Number
			s.mu.Unlock()
			s.placed.Add(1)
		case apiErrorCode(body) == "out_of_stock":
			s.markSoldOut(sku)
		default:
			s.unexpected(status, body, nil)
		}
		return
	}
}

// stormCheckout is the body of every storm checkout: one customer's
// address, a bank transfer.
var stormCheckout = map[string]any{
	"email": stormEmail,
	"shipping_address": map[string]any{"name": "嵐 太郎", "name_kana": "アラシ タロウ", "postal_code": "530-0001",
		"prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1-1", "phone": "06-1234-5678"},
	"payment_method": "bank_transfer",
}

// call sends one JSON request to one of the instances up.
func (s *storm) call(ctx context.Context, method, path, key string, body any) (int, []byte, error) {
	status, _, out, err := s.send(ctx, method, path, key, body)
	return status, out, err
}

// send is call with the answer's header.
func (s *storm) send(ctx context.Context, method, path, key string, body any) (int, http.Header, []byte, error) {
	targets := *s.targets.Load()
	i, _ := rand.Int(rand.Reader, big.NewInt(int64(len(targets))))
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, method, targets[i.Int64()]+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, out, err
}

func (s *storm) markSoldOut(sku string) {
	s.mu.Lock()
	s.soldOut[sku] = true
	s.mu.Unlock()
}

// unexpected notes an answer other than an order or "sold out". A
// connection error is expected around the kill and only counted.
func (s *storm) unexpected(status int, body []byte, err error) {
	if err != nil || status == http.StatusServiceUnavailable || status == http.StatusBadGateway {
		time.Sleep(20 * time.Millisecond)
		return
	}
	s.mu.Lock()
	s.failures = append(s.failures, fmt.Sprintf("%d %s", status, body))
	s.mu.Unlock()
}

// apiErrorCode is the code of an API error body, or "".
func apiErrorCode(body []byte) string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal(body, &e)
	return e.Error.Code
}

func newStormKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// check compares the database with what the clients were told.
func (s *storm) check(t *testing.T, d *db.DB, start map[string]int) {
	t.Helper()
	if len(s.failures) > 0 {
		t.Errorf("%d unexpected answers, e.g. %s", len(s.failures), s.failures[0])
	}
	inDB := map[string]bool{}
	rows, err := d.Query(`SELECT number FROM orders WHERE email = $1`, stormEmail)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		inDB[n] = true
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	numbers := map[string]string{}
	for key, n := range s.told {
		if !inDB[n] {
			t.Errorf("order %s, told to the client of key %s, is not in the database", n, key)
		}
		if other, ok := numbers[n]; ok {
			t.Errorf("keys %s and %s were both told order %s", key, other, n)
		}
		numbers[n] = key
	}
	if len(inDB) != len(s.told) {
		t.Errorf("%d storm orders in the database, %d told to clients: an order placed twice or never answered", len(inDB), len(s.told))
	}
	for sku, was := range start {
		var stock, sold int
		if err := d.QueryRow(`SELECT v.stock, COALESCE((SELECT SUM(l.quantity) FROM order_lines l
			JOIN orders o ON o.id = l.order_id WHERE l.variant_id = v.id AND o.email = $1), 0)
			FROM variants v WHERE v.sku = $2`, stormEmail, sku).Scan(&stock, &sold); err != nil {
			t.Fatal(err)
		}
		if stock+sold != was || stock != 0 {
			t.Errorf("%s: stock %d + sold %d, want %d + 0 sold out", sku, stock, sold, was)
		}
	}
}
