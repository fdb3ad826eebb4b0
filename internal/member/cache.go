package member

import (
	"sync"
	"time"
)

// Every page a logged-in customer opens reads their session and their
// account; under load those two reads were most of a page's database
// work. So each process keeps what it read, for a short while, and drops
// it when any process commits a change to it:
//
//   - a write that ends or changes a session (logout, a password changed
//     or reset, an account closed or erased, a login replacing a guest's
//     session, a cart given to a session that has a row) announces
//     sessionsTopic in its transaction;
//   - a write to a member's row (verification, profile, e-mail address,
//     practitioner state, closure) announces membersTopic;
//
// and db.OnChange drops every cached session or member in the writing
// process when the transaction commits, and in every other process on
// the same PostgreSQL when the notification arrives (milliseconds).
// cacheFor bounds what is left: a command-line process on SQLite, which
// has no notifications, and a notification lost while a listener
// reconnects (it then clears everything anyway).
//
// A whole cache is dropped at a time: topics are single words, and these
// writes are rare next to the reads (one page view after it reads again).
const (
	sessionsTopic = "sessions"
	membersTopic  = "members"
	// cacheFor is how long a process trusts a session or member it read
	// when it hears of no change.
	cacheFor = time.Second
	// maxCached bounds each cache's memory: when it is full it starts
	// again empty. An entry is a few hundred bytes.
	maxCached = 8192
)

// readCache is a process's copy of rows it read, by key, each trusted
// until cacheFor after it was read or until forget.
type readCache[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]cachedRead[V]
	// gen counts forget calls, so that a read that began before a change
	// cannot put what it read back into the cache after it.
	gen uint64
}

type cachedRead[V any] struct {
	value V
	until time.Time
}

// get returns the value cached under key if it is still trusted at now,
// and the generation to store a new read with.
func (c *readCache[K, V]) get(key K, now time.Time) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until) {
		var zero V
		return zero, c.gen, false
	}
	return e.value, c.gen, true
}

// put stores v, read at now, unless forget ran since gen was taken.
func (c *readCache[K, V]) put(key K, gen uint64, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCached {
		c.entries = make(map[K]cachedRead[V])
	}
	c.entries[key] = cachedRead[V]{value: v, until: now.Add(cacheFor)}
}

// forget drops every entry.
func (c *readCache[K, V]) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.gen++
}
