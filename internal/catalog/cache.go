package catalog

import (
	"sync"
	"time"
)

// cache keeps the results of recent catalogue reads for a short time. The
// storefront reads the same category pages, product pages and category tree
// over and over, and each read is several queries; a result a second or two
// old is fine to show, because stock and prices are checked again against
// the database when an item goes into the cart and when an order is placed.
//
// Writes through this Service, in any instance on the same database, clear
// the cache once they commit (db.Announce); stock taken by checkout shows
// within the TTL.
type cache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]cacheEntry
	// swept is when expired entries were last dropped. Left in place,
	// they filled the map to its bound: with 10,000 products, browsing
	// kept 2,048 results alive, nearly all of them expired.
	swept time.Time
}

type cacheEntry struct {
	value   any
	expires time.Time
}

// maxCacheEntries bounds memory: search words are the customer's to choose.
const maxCacheEntries = 2048

func (c *cache) get(key string, now time.Time) (any, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.After(e.expires) {
		return nil, false
	}
	return e.value, true
}

func (c *cache) put(key string, value any, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.swept) >= c.ttl {
		// At most once a TTL, a walk over at most maxCacheEntries.
		for k, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		}
		c.swept = now
	}
	if len(c.entries) >= maxCacheEntries {
		clear(c.entries)
	}
	c.entries[key] = cacheEntry{value: value, expires: now.Add(c.ttl)}
}

func (c *cache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// EnableCache makes the Service keep read results for ttl (the store uses a
// couple of seconds). Results from the cache are shared between callers:
// they must be treated as read-only. Without it every read queries the
// database, which is what tests that change rows with SQL want.
func (s *Service) EnableCache(ttl time.Duration) {
	s.cache = &cache{ttl: ttl, entries: map[string]cacheEntry{}}
	s.db.OnChange(s.cache.clear, changeTopic)
}

// changeTopic is what a write to the catalogue announces to every
// instance's cache.
const changeTopic = "catalog"

// Invalidate drops every cached result, for writers outside this Service
// that want their change shown at once.
func (s *Service) Invalidate() { s.cache.clear() }

// cached returns the cached result of key, or calls load and caches what
// it returns without error.
func cached[T any](s *Service, key string, load func() (T, error)) (T, error) {
	if v, ok := s.cache.get(key, s.clock()); ok {
		return v.(T), nil
	}
	v, err := load()
	if err == nil {
		s.cache.put(key, v, s.clock())
	}
	return v, err
}
