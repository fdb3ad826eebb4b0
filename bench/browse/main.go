// Command browse is the guests' browsing load of bench/memory.sh: the top
// page, category pages paged through, product pages, searches and the
// products API, spread over the whole catalogue so that no small set of
// pages stays warm. It learns the catalogue from the store's API first.
//
//	browse --base http://127.0.0.1:18480 --duration 60s --clients 8
//
// It prints requests, requests/s, p50 and p99 latency per kind, and exits
// non-zero if any answer was not 200.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:18480", "the store's address")
	duration := flag.Duration("duration", time.Minute, "how long to browse")
	clients := flag.Int("clients", 8, "concurrent visitors")
	flag.Parse()
	if err := run(*base, *duration, *clients); err != nil {
		fmt.Fprintln(os.Stderr, "browse:", err)
		os.Exit(1)
	}
}

type category struct {
	Slug     string `json:"slug"`
	Products int    `json:"product_count"`
}

// catalogue is what the visitors pick their pages from.
type catalogue struct {
	categories []category
	products   []string // slugs
	words      []string // search terms taken from product names
}

func run(base string, duration time.Duration, clients int) error {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	c, err := learn(client, base)
	if err != nil {
		return err
	}
	fmt.Printf("browse: %d categories, %d products, %d search words; %d visitors for %s\n",
		len(c.categories), len(c.products), len(c.words), clients, duration)
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	bad := map[string]int{}
	var firstBad string
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for time.Now().Before(deadline) {
				kind, path := c.next(rng)
				start := time.Now()
				status, err := get(client, base+path)
				d := time.Since(start)
				mu.Lock()
				lat[kind] = append(lat[kind], d)
				if err != nil || status != http.StatusOK {
					bad[kind]++
					if firstBad == "" {
						firstBad = fmt.Sprintf("%s: status %d, %v", path, status, err)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	kinds := make([]string, 0, len(lat))
	for k := range lat {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		all = append(all, lat[k]...)
		report(k, lat[k], duration, bad[k])
	}
	nbad := 0
	for _, n := range bad {
		nbad += n
	}
	report("all", all, duration, nbad)
	if nbad > 0 {
		return fmt.Errorf("%d answers were not 200, the first %s", nbad, firstBad)
	}
	return nil
}

func report(kind string, ds []time.Duration, over time.Duration, bad int) {
	slices.Sort(ds)
	q := func(f float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		return ds[min(len(ds)-1, int(f*float64(len(ds))))].Round(10 * time.Microsecond)
	}
	fmt.Printf("%-14s %8d requests %8.1f req/s   p50 %-10s p99 %-10s not 200: %d\n",
		kind, len(ds), float64(len(ds))/over.Seconds(), q(0.50), q(0.99), bad)
}

// next picks a visitor's next page: mostly category and product pages, as
// a shop's traffic is, with searches, the API and the top page.
func (c *catalogue) next(rng *rand.Rand) (kind, path string) {
	switch n := rng.IntN(100); {
	case n < 10:
		return "top", "/"
	case n < 40:
		cat := c.categories[rng.IntN(len(c.categories))]
		pages := max(1, (cat.Products+29)/30)
		path = fmt.Sprintf("/category/%s?page=%d", cat.Slug, 1+rng.IntN(pages))
		if rng.IntN(4) == 0 {
			path += "&sort=" + []string{"price_asc", "price_desc", "newest", "name"}[rng.IntN(4)]
		}
		return "category", path
	case n < 75:
		return "product", "/products/" + c.products[rng.IntN(len(c.products))]
	case n < 85:
		return "search", "/search?q=" + url.QueryEscape(c.words[rng.IntN(len(c.words))])
	case n < 95:
		cat := c.categories[rng.IntN(len(c.categories))]
		return "api-products", fmt.Sprintf("/api/v1/products?category=%s&limit=30&offset=%d",
			cat.Slug, 30*rng.IntN(max(1, (cat.Products+29)/30)))
	case n < 97:
		return "api-product", "/api/v1/products/" + c.products[rng.IntN(len(c.products))]
	default:
		return "other", []string{"/legal/tokushoho", "/api/v1/categories"}[rng.IntN(2)]
	}
}

func get(client *http.Client, u string) (int, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

func getJSON(client *http.Client, u string, v any) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	return nil
}

// learn reads the categories and every product's slug and name from the
// store's API, a hundred at a time.
func learn(client *http.Client, base string) (*catalogue, error) {
	var cats struct {
		Categories []category `json:"categories"`
	}
	if err := getJSON(client, base+"/api/v1/categories", &cats); err != nil {
		return nil, err
	}
	c := &catalogue{}
	for _, cat := range cats.Categories {
		if cat.Products > 0 {
			c.categories = append(c.categories, cat)
		}
	}
	seen := map[string]bool{}
	for offset := 0; ; offset += 100 {
		var page struct {
			Products []struct {
				Slug string `json:"slug"`
				Name string `json:"name"`
			} `json:"products"`
			Total int `json:"total"`
		}
		if err := getJSON(client, fmt.Sprintf("%s/api/v1/products?limit=100&offset=%d", base, offset), &page); err != nil {
			return nil, err
		}
		for _, p := range page.Products {
			c.products = append(c.products, p.Slug)
			// The name's first word finds many products, the whole name one.
			for _, w := range []string{strings.Fields(p.Name)[0], p.Name} {
				if !seen[w] {
					seen[w] = true
					c.words = append(c.words, w)
				}
			}
		}
		if len(page.Products) == 0 || offset+100 >= page.Total {
			break
		}
	}
	if len(c.categories) == 0 || len(c.products) == 0 {
		return nil, fmt.Errorf("the store shows no products")
	}
	return c, nil
}
