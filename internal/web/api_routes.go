package web

import "net/http"

// apiRoutes is the route table of the JSON store API under /api/v1/ (docs/api.md).
// The API is a guest buyer: no cookies, no session; a cart is addressed by
// its unguessable id and an order by its number plus the bearer access
// token that checkout returned.
func (s *Server) apiRoutes(mux *http.ServeMux) {
	// Catalog.
	mux.HandleFunc("GET /api/v1/products", s.apiProducts(&productsCache{}))
	mux.HandleFunc("GET /api/v1/products/{slug}", s.apiProduct)
	mux.HandleFunc("GET /api/v1/categories", s.apiCategories)
	mux.HandleFunc("GET /api/v1/postcodes/{code}", s.apiPostcode)

	// Carts.
	mux.HandleFunc("POST /api/v1/carts", s.apiCreateCart)
	mux.HandleFunc("GET /api/v1/carts/{id}", s.apiCart)
	mux.HandleFunc("POST /api/v1/carts/{id}/items", s.apiAddItem)
	mux.HandleFunc("PUT /api/v1/carts/{id}/items/{sku}", s.apiSetQuantity)

	// Checkout and orders.
	mux.HandleFunc("POST /api/v1/carts/{id}/checkout", s.apiCheckout)
	mux.HandleFunc("POST /api/v1/carts/{id}/quote", s.apiQuote)
	mux.HandleFunc("GET /api/v1/orders/{number}", s.apiOrder)
	mux.HandleFunc("POST /api/v1/orders/{number}/payment", s.apiOrderPayment)
}
