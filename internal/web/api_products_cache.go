package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

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
//
// The catalogue keeps a result as long as guests' pages (guestPageTTL;
// cmd/kaede), so an entry older than that can never be served again, yet
// it would keep its body and the catalogue's whole result alive: kept
// until 256 were stored, the 100 pages of 100 products bench/browse reads
// first held some 35 MB for half a minute (bench/memory.sh). Entries
// therefore expire with the catalogue's result and are dropped once a
// page's life (boundedCache).
type productsCache struct {
	bodies boundedCache[encodedProducts]
}

type encodedProducts struct {
	products []catalog.Product // the catalogue's result body encodes
	total    int
	body     []byte
	expires  time.Time
}

func (e encodedProducts) size() int            { return len(e.body) }
func (e encodedProducts) expiresAt() time.Time { return e.expires }
func (encodedProducts) maxBytes() int          { return maxEncodedBytes }

// maxEncodedBytes bounds memory, counted by the bodies' length (a listing
// of 100 products is about 50 KB, of 30 about 16 KB): the search words
// are the client's to choose. The results the bodies were encoded from
// are the catalogue's own, which its cache keeps as long.
const maxEncodedBytes = 4 << 20

// productsKey is the listing's query as the body depends on it: the
// catalogue result itself is checked by identity (productsCache).
func productsKey(q catalog.Query, limit int) string {
	return q.Q + "\x00" + q.Category + "\x00" + q.Sort + "\x00" + strconv.Itoa(limit) + "\x00" + strconv.Itoa(q.Offset)
}

// get returns the body encoded from products, if there is one.
func (c *productsCache) get(key string, products []catalog.Product, total int, now time.Time) ([]byte, bool) {
	if len(products) == 0 {
		return nil, false // an empty slice has no identity to compare
	}
	e, _, ok := c.bodies.get(key, now)
	if !ok || e.total != total || len(e.products) != len(products) || &e.products[0] != &products[0] {
		return nil, false
	}
	return e.body, true
}

// put keeps body as the encoding of products until guestPageTTL after now.
// Nothing forgets these entries (a new result is a new slice), so the
// cache's generation is the current one.
func (c *productsCache) put(key string, products []catalog.Product, total int, body []byte, now time.Time) {
	if len(products) == 0 {
		return
	}
	_, gen, _ := c.bodies.get(key, now)
	c.bodies.put(key, gen, encodedProducts{products: products, total: total, body: body, expires: now.Add(guestPageTTL)}, now)
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
