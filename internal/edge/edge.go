// Package edge is the toolkit both HTTP edges (the store in internal/web
// and the admin in internal/admin) build their middleware from: the
// request's information and id, the client's address behind trusted
// proxies, the access log, panic recovery, security headers and the CSP,
// cookies, CSRF tokens and form parsing, the error-to-status mapping and
// the pager.
//
// The pieces are configured per edge and composed by each edge into its
// own chain, so that the store and the admin never share a session, a
// CSRF key or a CSP: nothing here holds state of its own.
package edge

import "net/http"

// Middleware wraps a handler; each edge lists its chain outermost first.
type Middleware func(http.Handler) http.Handler

// Chain wraps h in the middleware, the first one outermost.
func Chain(h http.Handler, mw ...Middleware) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
