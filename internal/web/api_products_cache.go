package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"kaede/internal/catalog"
)

// productsCache keeps the encoded JSON of recent product listings. Encoding
// thirty products is nine tenths of the listing's cost once the catalogue
// has the page in its own cache (catalog.EnableCache), and it gives the
// same bytes for as long as the catalogue hands out the same result.
//
// So a body is reused only while the catalogue returns the very slice it
// was encoded from: the entry holds that slice and compares its address.
// The catalogue's results are shared and read-only, and a new result (a
// change announced by any instance clears the catalogue's cache; stock
// taken by checkout shows when its TTL ends) is a new slice, so the body
// is never older than what an uncached listing would show. Holding the
// slice also keeps it from being freed, so its address cannot be reused
// by a newer result.
type productsCache struct {
	mu      sync.Mutex
	entries map[string]encodedProducts
}

type encodedProducts struct {
	products []catalog.Product // the catalogue's result body encodes
	total    int
	body     []byte
}

// maxEncodedListings bounds memory: the search words are the client's to
// choose.
const maxEncodedListings = 256

// productsKey is the listing's query as the body depends on it: the
// catalogue result itself is checked by identity (productsCache).
func productsKey(q catalog.Query, limit int) string {
	return q.Q + "\x00" + q.Category + "\x00" + q.Sort + "\x00" + strconv.Itoa(limit) + "\x00" + strconv.Itoa(q.Offset)
}

// get returns the body encoded from products, if there is one.
func (c *productsCache) get(key string, products []catalog.Product, total int) ([]byte, bool) {
	if len(products) == 0 {
		return nil, false // an empty slice has no identity to compare
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || e.total != total || len(e.products) != len(products) || &e.products[0] != &products[0] {
		return nil, false
	}
	return e.body, true
}

// put keeps body as the encoding of products.
func (c *productsCache) put(key string, products []catalog.Product, total int, body []byte) {
	if len(products) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxEncodedListings {
		c.entries = map[string]encodedProducts{}
	}
	c.entries[key] = encodedProducts{products: products, total: total, body: body}
}

// encodeJSON is v as writeJSON sends it.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
