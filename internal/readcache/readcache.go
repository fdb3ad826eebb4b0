// Package readcache keeps, per process, rows a service read, for a second:
// the session, member and cart-count reads that every page a logged-in
// customer opens makes. The owning service drops entries when a change to
// them commits (on every instance through db.OnChange, or for its own
// writes); the second bounds what is left when it hears of none.
package readcache

import (
	"sync"
	"time"
)

const (
	// For is how long an entry is trusted after it was read.
	For = time.Second
	// max bounds a cache's memory: when it is full it starts again empty.
	// An entry is a few hundred bytes.
	max = 8192
)

// Cache is a process's copy of rows it read, by key, each trusted until
// For after it was read or until Forget.
type Cache[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]entry[V]
	// gen counts Forget calls, so that a read that began before a change
	// cannot put what it read back into the cache after it.
	gen uint64
}

type entry[V any] struct {
	value V
	until time.Time
}

// Get returns the value cached under key if it is still trusted at now,
// and the generation to Put a new read with.
func (c *Cache[K, V]) Get(key K, now time.Time) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until) {
		var zero V
		return zero, c.gen, false
	}
	return e.value, c.gen, true
}

// Put stores v, read at now, unless Forget ran since gen was taken.
func (c *Cache[K, V]) Put(key K, gen uint64, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= max {
		c.entries = make(map[K]entry[V])
	}
	c.entries[key] = entry[V]{value: v, until: now.Add(For)}
}

// Forget drops the entries of keys, or every entry when none are given.
func (c *Cache[K, V]) Forget(keys ...K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(keys) == 0 {
		clear(c.entries)
	}
	for _, k := range keys {
		delete(c.entries, k)
	}
	c.gen++
}
