package admin

import "net/http"

// catalogRoutes are the routes of catalogue and content work: products,
// variants, stock, images, categories, CSV import and export, news posts
// and the legal pages. Groups as in routes.
func (s *Server) catalogRoutes(mux *http.ServeMux) {
}
