package web

import "net/http"

// accountRoutes is the route table of the account pages: sign-up, log-in, password reset, my page.
func (s *Server) accountRoutes(mux *http.ServeMux) {
}
