package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"kaede/internal/cart"
	"kaede/internal/edge"
	"kaede/internal/shop"
	"kaede/internal/switches"
)

// cartView is the cart page's data.
type cartView struct {
	Cart *cart.Cart
	// Notice is the catalogue key of why the last change failed.
	Notice string
	// CheckoutStopped hides the way to checkout while the shop takes no
	// orders (the cart itself stays open).
	CheckoutStopped bool
	// Reorder is the report of 「もう一度購入」 (account_reorder.go), nil
	// otherwise.
	Reorder *reorderView
	// FreeShipping is the subtotal from which shipping is free (0: the
	// shop has none or its settings could not be read), and
	// FreeShippingLeft what the cart lacks to reach it (0: reached).
	FreeShipping, FreeShippingLeft shop.Yen
}

// newCartView is the cart page's data for c, with the free-shipping
// line: a courtesy, so settings that cannot be read only leave it out.
func (s *Server) newCartView(r *http.Request, c *cart.Cart) cartView {
	view := cartView{Cart: c, CheckoutStopped: s.checkoutStopped(r)}
	st, err := s.settings.Get(r.Context())
	if err != nil {
		s.log.Warn("free-shipping threshold unknown", "request_id", requestID(r), "error", err)
		return view
	}
	if st.FreeShippingThreshold > 0 && c != nil {
		view.FreeShipping = st.FreeShippingThreshold
		view.FreeShippingLeft = max(st.FreeShippingThreshold-c.Subtotal, 0)
	}
	return view
}

// cartPage shows the visitor's cart; a visitor without one sees an empty
// cart, and none is created for them.
func (s *Server) cartPage(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.currentCart(w, r, false)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cart", s.newCartView(r, c))
}

// checkoutStopped reports whether the shop takes no orders now, for the
// pages that lead to checkout; checkout itself refuses the orders.
func (s *Server) checkoutStopped(r *http.Request) bool {
	err := s.checkout.Open(r.Context())
	if err != nil && !errors.Is(err, switches.ErrCheckoutStopped) {
		s.log.Warn("checkout state unknown", "request_id", requestID(r), "error", err)
	}
	return err != nil
}

// addToCart is a product page's add button: sku and quantity.
func (s *Server) addToCart(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	sku, qty := f.String("sku"), f.Int("quantity")
	if err := f.Err(); err != nil {
		s.refuseAdd(w, r, sku, err)
		return
	}
	_, viewer, err := s.currentCart(w, r, true)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := s.carts.AddItem(r.Context(), CurrentSession(r).CartID, sku, qty, viewer); err != nil {
		s.refuseAdd(w, r, sku, err)
		return
	}
	http.Redirect(w, r, "/cart", http.StatusSeeOther)
}

// refuseAdd shows the product page again with why the item could not be
// added, or the cart page when the SKU names no product.
func (s *Server) refuseAdd(w http.ResponseWriter, r *http.Request, sku string, err error) {
	if !customerFixable(err) {
		s.renderError(w, r, err)
		return
	}
	p, _, lookupErr := s.catalog.VariantBySKU(r.Context(), sku)
	if lookupErr != nil {
		s.refuseCart(w, r, err)
		return
	}
	view, viewErr := s.productView(r, p.Slug)
	if viewErr != nil {
		s.renderError(w, r, viewErr)
		return
	}
	view.Notice = messageKey(err)
	s.renderRefusal(w, r, "product", view, err)
}

// setCartQuantity is the cart page's quantity form: 0 removes the line.
func (s *Server) setCartQuantity(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	qty := f.Int("quantity")
	if err := f.Err(); err != nil {
		s.refuseCart(w, r, err)
		return
	}
	_, viewer, err := s.currentCart(w, r, true)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := s.carts.SetQuantity(r.Context(), CurrentSession(r).CartID, r.PathValue("sku"), qty, viewer); err != nil {
		s.refuseCart(w, r, err)
		return
	}
	http.Redirect(w, r, "/cart", http.StatusSeeOther)
}

// refuseCart shows the cart page with why the last request failed.
func (s *Server) refuseCart(w http.ResponseWriter, r *http.Request, err error) {
	if !customerFixable(err) {
		s.renderError(w, r, err)
		return
	}
	c, _, cartErr := s.currentCart(w, r, false)
	if cartErr != nil {
		s.renderError(w, r, cartErr)
		return
	}
	s.renderRefusal(w, r, "cart", cartView{Cart: c, Notice: messageKey(err), CheckoutStopped: s.checkoutStopped(r)}, err)
}

// customerFixable reports whether err is the customer's to fix (a quantity, the
// stock, a product they may not buy) or to wait out (checkout stopped by
// the shop), so that the page is shown again with a message rather than
// the error page.
func customerFixable(err error) bool {
	switch shop.ErrorCode(err) {
	case shop.Invalid, shop.OutOfStock, shop.Forbidden, shop.Conflict, shop.Unavailable:
		return true
	}
	return false
}

// renderRefusal renders the page again with the error's status: invalid
// fields get their sentences (422), the rest the page's notice.
func (s *Server) renderRefusal(w http.ResponseWriter, r *http.Request, name string, data any, err error) {
	if shop.ErrorCode(err) == shop.Invalid {
		s.renderForm(w, r, name, data, err)
		return
	}
	s.render(w, r, edge.Status(err), name, data)
}

// currentCart returns the visitor's cart, priced for them, and who they
// are. With create, a visitor without a cart gets one (and the session
// remembers it); without, they get an empty cart that is not stored.
func (s *Server) currentCart(w http.ResponseWriter, r *http.Request, create bool) (*cart.Cart, shop.Viewer, error) {
	ctx := r.Context()
	viewer, err := s.viewer(r)
	if err != nil {
		return nil, viewer, err
	}
	sess := CurrentSession(r)
	if viewer.MemberID != 0 {
		c, err := s.memberCart(ctx, w, r, viewer, sess)
		return c, viewer, err
	}
	if sess.CartID != "" {
		c, err := s.carts.Get(ctx, sess.CartID, viewer)
		if err == nil {
			return c, viewer, nil
		}
		// A cart that has gone (merged at login, purged) is like none.
		if shop.ErrorCode(err) != shop.NotFound {
			return nil, viewer, fmt.Errorf("cart: %w", err)
		}
	}
	if !create {
		return &cart.Cart{}, viewer, nil
	}
	addr := info(r).IP
	if s.fromMonitor(r) {
		addr = "" // the shop's own tamper monitor: not counted
	}
	c, err := s.carts.CreateFor(ctx, addr, nil, viewer)
	if err != nil {
		s.logTooMany(r, "cart", err)
		return nil, viewer, fmt.Errorf("create cart: %w", err)
	}
	if err := s.SetCart(w, r, c.ID); err != nil {
		return nil, viewer, err
	}
	return c, viewer, nil
}

// memberCart is the member's latest cart, remembered in the session so that
// the header's count and checkout find it.
func (s *Server) memberCart(ctx context.Context, w http.ResponseWriter, r *http.Request, viewer shop.Viewer, sess Session) (*cart.Cart, error) {
	c, err := s.carts.ForMember(ctx, viewer.MemberID)
	if err != nil {
		return nil, fmt.Errorf("member cart: %w", err)
	}
	if c.ID != sess.CartID {
		if err := s.SetCart(w, r, c.ID); err != nil {
			return nil, err
		}
	}
	return c, nil
}
