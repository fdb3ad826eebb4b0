package web

import (
	"html/template"
	"sync"
)

// cardCache holds rendered product cards for the listings (top page,
// categories, search) of visitors with a session, who never get the
// guests' shared page. Executing the card template is most of a listing's
// cost; what a card shows depends only on its productCard (the language,
// the product as the catalogue read it, the price for the visitor's price
// tier), so the card is keyed by the whole productCard. A change to a
// product or a price gives a different key, so no entry can be stale: the
// cache is as fresh as the catalogue read the page made. Nothing of the
// visitor is in a card (the header's cart count and login, the CSRF token,
// the nonce are rendered per request outside it).
type cardCache struct {
	mu      sync.RWMutex
	entries map[productCard]template.HTML
}

// maxCachedCards bounds memory: a key per product, language and price
// tier, and old versions of changed products until ForgetPages. 2,048 are
// some 70 category pages; at 8,192 a browse over a catalogue of 10,000
// products held about 15 MB of cards (bench/memory.sh).
const maxCachedCards = 2048

// cardsHTML returns the listing's cards rendered, from the cache where it
// can.
func (s *Server) cardsHTML(cards []productCard) ([]template.HTML, error) {
	out := make([]template.HTML, len(cards))
	var missing []int
	s.cards.mu.RLock()
	for i, c := range cards {
		h, ok := s.cards.entries[c]
		if !ok {
			missing = append(missing, i)
		}
		out[i] = h
	}
	s.cards.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	for _, i := range missing {
		h, err := s.ui.RenderPartial("listing", "product_card", cards[i])
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	s.cards.mu.Lock()
	defer s.cards.mu.Unlock()
	if s.cards.entries == nil || len(s.cards.entries)+len(missing) > maxCachedCards {
		s.cards.entries = make(map[productCard]template.HTML, len(missing))
	}
	for _, i := range missing {
		s.cards.entries[cards[i]] = out[i]
	}
	return out, nil
}

// forget drops every card. Entries are never stale (see cardCache), but a
// changed product's old cards would stay until the cache fills.
func (c *cardCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
