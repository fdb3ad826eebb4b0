package web

import "net/http"

// apiRoutes is the route table of the JSON store API under /api/v1/ (docs/api.md).
func (s *Server) apiRoutes(mux *http.ServeMux) {
}
