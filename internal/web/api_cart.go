package web

import (
	"fmt"
	"net/http"

	"kaede/internal/cart"
	"kaede/internal/shop"
)

// apiGuest is who the API prices for and sells to: a guest. Member prices
// and practitioners-only products need a logged-in practitioner, which the
// cookie-less API does not have.
var apiGuest = shop.Viewer{}

// apiCartJSON is a cart priced for a guest.
type apiCartJSON struct {
	ID    string            `json:"id"`
	Items []apiCartItemJSON `json:"items"`
	Total shop.Yen          `json:"total"` // the items' tax-included subtotal, before shipping
	Count int               `json:"count"` // items, counting quantities
}

// apiCartItemJSON is one line of a cart at today's price.
type apiCartItemJSON struct {
	SKU       string       `json:"sku"`
	Product   string       `json:"product"` // the product's slug
	Name      string       `json:"name"`
	NameEn    string       `json:"name_en"`
	Label     string       `json:"label"`
	LabelEn   string       `json:"label_en"`
	UnitPrice shop.Yen     `json:"unit_price"`
	Quantity  int          `json:"quantity"`
	LineTotal shop.Yen     `json:"line_total"`
	TaxRate   shop.TaxRate `json:"tax_rate"`
	InStock   bool         `json:"in_stock"` // the stock covers the quantity
}

// apiItemRequest is the body of adding an item or setting its quantity.
// Quantity is a pointer so that a missing quantity is "required" rather
// than a silent zero, which would remove the line.
type apiItemRequest struct {
	SKU      string `json:"sku"`
	Quantity *int   `json:"quantity"`
}

// apiQuantityRequest is the body of setting a line's quantity.
type apiQuantityRequest struct {
	Quantity *int `json:"quantity"`
}

// apiCreateRequest is the optional body of creating a cart: its first
// items, so that a client that knows what it buys spends one request.
type apiCreateRequest struct {
	Items []apiItemRequest `json:"items"`
}

// apiCreateCart starts a guest cart, empty or with the body's items.
func (s *Server) apiCreateCart(w http.ResponseWriter, r *http.Request) {
	var req apiCreateRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			s.writeJSONError(w, r, err)
			return
		}
	}
	items := make([]cart.Item, len(req.Items))
	p := shop.Problems{}
	for i, it := range req.Items {
		if it.Quantity == nil {
			p.Add(fmt.Sprintf("items[%d].quantity", i), shop.ReasonRequired)
			continue
		}
		items[i] = cart.Item{SKU: it.SKU, Quantity: *it.Quantity}
	}
	if err := p.Err(); err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	c, err := s.carts.CreateFor(r.Context(), info(r).IP, items, apiGuest)
	if err != nil {
		s.logTooMany(r, "cart", err)
		s.writeJSONError(w, r, fmt.Errorf("api: create cart: %w", err))
		return
	}
	w.Header().Set("Location", "/api/v1/carts/"+c.ID)
	writeJSON(w, http.StatusCreated, cartJSON(c))
}

// apiCart shows a cart.
func (s *Server) apiCart(w http.ResponseWriter, r *http.Request) {
	c, err := s.carts.Get(r.Context(), r.PathValue("id"), apiGuest)
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: cart: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, cartJSON(c))
}

// apiAddItem adds a quantity of a SKU on top of what the cart holds.
func (s *Server) apiAddItem(w http.ResponseWriter, r *http.Request) {
	var req apiItemRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	if req.Quantity == nil {
		p := shop.Problems{}
		p.Add("quantity", shop.ReasonRequired)
		if req.SKU == "" {
			p.Add("sku", shop.ReasonRequired)
		}
		s.writeJSONError(w, r, p.Err())
		return
	}
	c, err := s.carts.AddItem(r.Context(), r.PathValue("id"), req.SKU, *req.Quantity, apiGuest)
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: add %s to cart: %w", req.SKU, err))
		return
	}
	writeJSON(w, http.StatusOK, cartJSON(c))
}

// apiSetQuantity sets a line's quantity; 0 removes the line.
func (s *Server) apiSetQuantity(w http.ResponseWriter, r *http.Request) {
	var req apiQuantityRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	if req.Quantity == nil {
		s.writeJSONError(w, r, &shop.Error{Code: shop.Invalid, Message: "quantity is required",
			Fields: map[string]string{"quantity": shop.ReasonRequired}})
		return
	}
	sku := r.PathValue("sku")
	c, err := s.carts.SetQuantity(r.Context(), r.PathValue("id"), sku, *req.Quantity, apiGuest)
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: set quantity of %s: %w", sku, err))
		return
	}
	writeJSON(w, http.StatusOK, cartJSON(c))
}

// cartJSON is c as the API shows it.
func cartJSON(c *cart.Cart) apiCartJSON {
	out := apiCartJSON{ID: c.ID, Items: make([]apiCartItemJSON, 0, len(c.Lines)), Total: c.Subtotal, Count: c.Count}
	for _, l := range c.Lines {
		out.Items = append(out.Items, apiCartItemJSON{SKU: l.SKU, Product: l.ProductSlug,
			Name: l.ProductNameJa, NameEn: l.ProductNameEn, Label: l.LabelJa, LabelEn: l.LabelEn,
			UnitPrice: l.UnitPrice, Quantity: l.Quantity, LineTotal: l.LineTotal, TaxRate: l.TaxRate,
			InStock: l.Quantity <= l.Stock})
	}
	return out
}
