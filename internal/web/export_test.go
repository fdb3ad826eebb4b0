package web

import (
	"html/template"
	"net/http"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/form"
)

// Hooks for the black-box tests in web_test: they reach unexported helpers
// that the page engineers call from handlers, through the real middleware.

// MountForTest registers a handler on the store's router in a route group:
// "public", "private", "member", "secret" or "listing" (cached as the
// listings are).
func (s *Server) MountForTest(group, pattern string, h http.HandlerFunc) {
	switch group {
	case "public":
		s.mux.HandleFunc(pattern, h)
	case "private":
		s.mux.Handle(pattern, s.private(h))
	case "member":
		s.mux.Handle(pattern, s.member(h))
	case "secret":
		s.mux.Handle(pattern, s.secret(h))
	case "listing":
		s.mux.Handle(pattern, s.cacheListing(h))
	default:
		panic("no route group " + group)
	}
}

// CSRFInputForTest is {{.CSRF}} outside a template.
func (s *Server) CSRFInputForTest(w http.ResponseWriter, r *http.Request) template.HTML {
	return s.csrfInput(w, r)
}

// WriteJSONErrorForTest is writeJSONError.
func (s *Server) WriteJSONErrorForTest(w http.ResponseWriter, r *http.Request, err error) {
	s.writeJSONError(w, r, err)
}

// RenderFormForTest is renderForm.
func (s *Server) RenderFormForTest(w http.ResponseWriter, r *http.Request, name string, data any, err error) {
	s.renderForm(w, r, name, data, err)
}

// FormForTest is s.form.
func (s *Server) FormForTest(w http.ResponseWriter, r *http.Request) *form.Form { return s.form(w, r) }

// DecodeJSON is decodeJSON.
var DecodeJSON = decodeJSON

// WriteJSON is writeJSON.
var WriteJSON = writeJSON

// RenderForTest is render.
func (s *Server) RenderForTest(w http.ResponseWriter, r *http.Request, name string, data any) {
	s.render(w, r, http.StatusOK, name, data)
}

// ProductsCacheForTest is the products API's cache of encoded listings.
type ProductsCacheForTest struct{ c productsCache }

// MaxEncodedBytes is maxEncodedBytes.
const MaxEncodedBytes = maxEncodedBytes

// Get is productsCache.get.
func (p *ProductsCacheForTest) Get(key string, products []catalog.Product, total int, now time.Time) ([]byte, bool) {
	return p.c.get(key, products, total, now)
}

// Put is productsCache.put.
func (p *ProductsCacheForTest) Put(key string, products []catalog.Product, total int, body []byte, now time.Time) {
	p.c.put(key, products, total, body, now)
}

// Held is how many entries the cache holds and their bodies' length.
func (p *ProductsCacheForTest) Held() (entries, bytes int) {
	p.c.bodies.mu.Lock()
	defer p.c.bodies.mu.Unlock()
	for _, e := range p.c.bodies.entries {
		bytes += len(e.body)
	}
	return len(p.c.bodies.entries), bytes
}

// PageCacheForTest is the guests' page cache (and the listing shells').
type PageCacheForTest struct{ c pageCache }

// MaxCachedPageBytes is maxCachedPageBytes.
const MaxCachedPageBytes = maxCachedPageBytes

// Put stores body under key as a page rendered now, in the cache's
// current generation.
func (p *PageCacheForTest) Put(key string, body []byte, now time.Time) {
	_, gen, _ := p.c.get(key, now)
	p.c.put(key, gen, cachedPage{body: body, expires: now.Add(guestPageTTL)}, now)
}

// Get is whether key's page is served at now.
func (p *PageCacheForTest) Get(key string, now time.Time) bool {
	_, _, ok := p.c.get(key, now)
	return ok
}

// Forget is ForgetPages for this cache.
func (p *PageCacheForTest) Forget() { p.c.forget() }

// Held is how many pages the cache holds and their length.
func (p *PageCacheForTest) Held() (entries, bytes int) {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	for _, e := range p.c.entries {
		bytes += len(e.body)
	}
	return len(p.c.entries), bytes
}
