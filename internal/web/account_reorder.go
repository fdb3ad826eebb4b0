package web

import (
	"fmt"
	"net/http"

	"kaede/internal/cart"
	"kaede/internal/shop"
)

// reorderNote is one line of the cart page's report on a re-order: what
// did not go into the cart as it was ordered, in the page's language.
type reorderNote struct {
	Name      string
	Outcome   string // cart.Reorder… outcome
	Ordered   int
	Added     int
	PaidPrice shop.Yen
	Price     shop.Yen // today's
	Changed   bool     // today's price differs from the one paid
}

// reorderView is the report the cart page shows after 「もう一度購入」.
type reorderView struct {
	Number string
	Notes  []reorderNote // the items that changed or could not be added
	Added  int           // items fully or partly added
}

// reorder is 「もう一度購入」 on the order history: the member's order's
// lines that are still for sale go into the cart at today's prices, and
// the cart page says what could not be added or costs something else now.
func (s *Server) reorder(w http.ResponseWriter, r *http.Request) {
	s.form(w, r)
	number := r.PathValue("number")
	o, err := s.orders.Get(r.Context(), number)
	if err == nil && o.MemberID != CurrentSession(r).MemberID {
		err = shop.Errorf(shop.NotFound, "no order %s for this member", number)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	_, viewer, err := s.currentCart(w, r, true)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	items := make([]cart.ReorderItem, len(o.Lines))
	for i, l := range o.Lines {
		items[i] = cart.ReorderItem{VariantID: l.VariantID, Name: l.Name, NameEn: l.NameEn, Quantity: l.Quantity, UnitPrice: l.UnitPrice}
	}
	results, c, err := s.carts.Reorder(r.Context(), CurrentSession(r).CartID, items, viewer)
	if err != nil {
		s.renderError(w, r, fmt.Errorf("re-order %s: %w", number, err))
		return
	}
	report := reorderView{Number: o.Number}
	lang := info(r).Lang
	for _, res := range results {
		if res.Quantity > 0 {
			report.Added++
		}
		if res.Outcome == cart.ReorderAdded && !res.PriceChanged() {
			continue
		}
		name := res.Item.Name
		if lang == "en" && res.Item.NameEn != "" {
			name = res.Item.NameEn
		}
		report.Notes = append(report.Notes, reorderNote{Name: name, Outcome: res.Outcome, Ordered: res.Item.Quantity,
			Added: res.Quantity, PaidPrice: res.Item.UnitPrice, Price: res.UnitPrice, Changed: res.PriceChanged()})
	}
	// The cart page itself, with the report: it cannot be carried across
	// a redirect without storing it, and reloading only asks the browser
	// to send the form again.
	view := s.newCartView(r, c)
	view.Reorder = &report
	s.render(w, r, http.StatusOK, "cart", view)
}
