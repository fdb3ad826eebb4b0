package cart

import (
	"sync"
	"time"
)

// Every page a visitor with a cart opens shows the cart's count in its
// header; under load that query was the largest part of a logged-in
// member's category page. So each process keeps the counts it read for
// countFor. A write this process makes to a cart drops that cart's count
// when it commits (the cart service's own writes, and checkout emptying
// the cart through Forget), so that the page after adding an item or
// placing an order shows the new count; what another instance wrote, or a
// product withdrawn from sale, shows within countFor. The count is kept
// with the cart's owner, and Count checks the owner on every call as it
// did on every query: a count is only ever shown for the cart the
// visitor's own session names.
const (
	countFor = time.Second
	// maxCounts bounds the memory: when full, the cache starts again empty.
	maxCounts = 8192
)

type countCache struct {
	mu      sync.Mutex
	entries map[string]cachedCount
	// gen counts forgets, so that a count read before a change cannot be
	// stored after it.
	gen uint64
}

type cachedCount struct {
	owner int64
	n     int
	until time.Time
}

func (c *countCache) get(id string, now time.Time) (cachedCount, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	return e, c.gen, ok && now.Before(e.until)
}

func (c *countCache) put(id string, gen uint64, e cachedCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCounts {
		c.entries = make(map[string]cachedCount)
	}
	c.entries[id] = e
}

func (c *countCache) forget(ids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		delete(c.entries, id)
	}
	c.gen++
}

// Forget drops what this process keeps of the carts' contents (their
// counts), for a write to them made outside this service once it has
// committed: checkout emptying the cart it ordered.
func (s *Service) Forget(ids ...string) { s.counts.forget(ids...) }
