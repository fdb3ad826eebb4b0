package web

import (
	"bytes"
	"net/http"
	"sync"
	"time"
)

// guestPageTTL is how long a catalogue page rendered for one visitor
// without a session is served to the next ones. The catalogue itself is
// cached as long (catalog.EnableCache), so this adds no staleness; it saves
// rendering the same template for every anonymous request, which is most of
// a category page's cost.
const guestPageTTL = 2 * time.Second

// pageCache holds rendered catalogue pages for visitors without a session.
// Only pages that are the same for every such visitor are kept: a page that
// sets a cookie (a form's CSRF token starts a session) or that contains the
// response's CSP nonce is never stored.
type pageCache = boundedCache[cachedPage]

type cachedPage struct {
	contentType string
	body        []byte
	expires     time.Time
	// navAt is where a shell's visitor part goes (cacheListing).
	navAt int
}

func (p cachedPage) size() int            { return len(p.body) }
func (p cachedPage) expiresAt() time.Time { return p.expires }
func (cachedPage) maxBytes() int          { return maxCachedPageBytes }

// boundedCache keeps what is rendered or encoded for a short while (the
// guests' pages, the listing shells and navs, the products API's bodies),
// by key, until each entry expires. The keys are the visitor's to choose,
// so it is bounded by the bytes its entries hold, and expired entries are
// dropped once a page's life rather than kept until it is full: a browse
// of many URLs otherwise held some 18 MB of pages nobody could be served.
type boundedCache[E cacheEntry] struct {
	mu      sync.Mutex
	entries map[string]E
	// gen counts forget calls, so that what was rendered before a change
	// is not stored after it.
	gen uint64
	// swept is when expired entries were last dropped.
	swept time.Time
	bytes int // the entries' size, for E's maxBytes
}

// cacheEntry is what a boundedCache keeps.
type cacheEntry interface {
	size() int
	expiresAt() time.Time
	// maxBytes is the bound of every cache of this kind of entry.
	maxBytes() int
}

// maxCachedPageBytes bounds memory, counted by the pages' length: the
// query string is the visitor's to choose. A category page is about
// 25 KB, so 8 MiB hold some 300 pages: a page's life (guestPageTTL) of
// 150 different pages a second. Counted by pages (1,024), the same cache
// could hold 25 MB or more, and the listing shells as much again.
const maxCachedPageBytes = 8 << 20

// cacheForGuests serves h's 200 responses to GET requests without a session
// cookie from the page cache, keyed by language and URL.
func (s *Server) cacheForGuests(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(sessionCookie); err == nil || r.Method != http.MethodGet {
			h(w, r)
			return
		}
		in := info(r)
		// The switches' banners are part of the page: a change shows as
		// soon as this instance knows of it.
		key := in.Lang + " " + noticesKey(s.switchState(r)) + r.URL.RequestURI()
		now := s.now()
		p, gen, ok := s.pages.get(key, now)
		if ok {
			w.Header().Set("Content-Type", p.contentType)
			w.Write(p.body)
			return
		}
		rec := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
		h(rec, r)
		if rec.status != http.StatusOK || w.Header().Get("Set-Cookie") != "" ||
			bytes.Contains(rec.body.Bytes(), []byte(in.Nonce)) {
			return
		}
		s.pages.put(key, gen, cachedPage{contentType: w.Header().Get("Content-Type"),
			body: bytes.Clone(rec.body.Bytes()), expires: now.Add(guestPageTTL)}, now)
	})
}

// get returns the entry cached under key if it has not expired, and the
// cache's generation to store a new one with.
func (c *boundedCache[E]) get(key string, now time.Time) (E, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, c.gen, ok && now.Before(e.expiresAt())
}

// put stores e unless forget ran since gen was read: e may show what was
// there before the change.
func (c *boundedCache[E]) put(key string, gen uint64, e E, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || e.size() > e.maxBytes() {
		return
	}
	if now.Sub(c.swept) >= guestPageTTL {
		for k, old := range c.entries {
			if !now.Before(old.expiresAt()) {
				c.remove(k)
			}
		}
		c.swept = now
	}
	c.remove(key)
	if c.entries == nil || c.bytes+e.size() > e.maxBytes() {
		c.entries = map[string]E{}
		c.bytes = 0
	}
	c.entries[key] = e
	c.bytes += e.size()
}

// remove drops key's entry, if there is one.
func (c *boundedCache[E]) remove(key string) {
	if e, ok := c.entries[key]; ok {
		c.bytes -= e.size()
		delete(c.entries, key)
	}
}

// recordingWriter passes a response through and keeps a copy of its body.
type recordingWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// ForgetPages drops every page shared between guests, the listings' shells
// and cards (cacheListing). cmd/kaede calls it
// whenever any instance commits a change that guests' pages show (the
// catalogue, the settings, the news, an incident's notice: db.OnChange),
// so that a change shows at once rather than after guestPageTTL.
func (s *Server) ForgetPages() {
	s.pages.forget()
	s.shells.forget()
	s.cards.forget()
}

func (c *boundedCache[E]) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.bytes = 0
	c.gen++
}
