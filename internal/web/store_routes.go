package web

import "net/http"

// storeRoutes is the route table of the store pages: top, category, product, search, cart, checkout, order.
func (s *Server) storeRoutes(mux *http.ServeMux) {
	// Catalogue: public, cacheable by the browser only; rendered pages are
	// shared between visitors without a session for a moment, and the
	// listings' between visitors with one but for their own header part.
	mux.Handle("GET /{$}", s.cacheForGuests(s.homePage))
	mux.Handle("GET /category/{slug}", s.cacheListing(s.categoryPage))
	mux.Handle("GET /products/{slug}", s.cacheForGuests(s.productPage))
	mux.Handle("GET /search", s.cacheListing(s.searchPage))
	mux.Handle("GET /news/{id}", s.cacheForGuests(s.newsPage))

	// Cart: the visitor's own.
	mux.Handle("GET /cart", s.private(s.cartPage))
	mux.Handle("POST /cart/items", s.private(s.addToCart))
	mux.Handle("POST /cart/items/{sku}", s.private(s.setCartQuantity))

	// Checkout: the form, the final confirmation screen, the order button.
	mux.Handle("GET /checkout", s.private(s.checkoutPage))
	mux.Handle("POST /checkout", s.private(s.checkoutEdit))
	mux.Handle("POST /checkout/confirm", s.private(s.checkoutConfirm))
	mux.Handle("POST /checkout/place", s.paymentStep(s.private(s.checkoutPlace)))

	// Orders: a guest's token is in the URL.
	mux.Handle("GET /orders/{number}/complete", s.secret(s.orderCompletePage))
	mux.Handle("GET /orders/{number}", s.secret(s.orderPage))
	mux.Handle("GET /orders/{number}/cancel", s.secret(s.orderCancelPage))
	mux.Handle("POST /orders/{number}/cancel", s.secret(s.orderCancel))

	// Card payment: back from the provider's page, and "pay again".
	mux.Handle("GET /orders/{number}/payment", s.paymentStep(s.secret(s.orderPaymentReturn)))
	mux.Handle("POST /orders/{number}/payment", s.paymentStep(s.secret(s.orderPay)))
	// Documents: the receipt (at most two downloads, after payment) and
	// the qualified invoice; none when the document service is not wired.
	if s.docs != nil {
		mux.Handle("GET /orders/{number}/receipt", s.secret(s.receiptPage))
		mux.Handle("POST /orders/{number}/receipt", s.secret(s.receiptDownload))
		mux.Handle("GET /orders/{number}/invoice.pdf", s.secret(s.invoicePDF))
	}
}
