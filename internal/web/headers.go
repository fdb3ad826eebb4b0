package web

import (
	"net/http"
	"net/url"

	"kaede/internal/cardpay"
)

// Every security-relevant response header is set in this file, so that a
// reviewer (and PCI DSS 11.6.1's change detection) has one place to read.

// pageCSP is the policy of every HTML page: scripts only with this
// response's nonce, never one that a running script creates (so no
// 'strict-dynamic': the store has no script that needs to load others, and
// with it an injected script could add more), styles and
// everything else from our own origin, no plugins, no framing, no <base>,
// forms only to ourselves (and to the card provider's page, see
// formActionSources), and every violation reported.
func pageCSP(nonce, formAction string) string {
	return "default-src 'self'; " +
		"script-src 'nonce-" + nonce + "'; " +
		"style-src 'self'; " +
		"img-src 'self' data:; " +
		"font-src 'self'; " +
		"connect-src 'self'; " +
		"form-action " + formAction + "; " +
		"frame-ancestors 'none'; " +
		"base-uri 'none'; " +
		"object-src 'none'; " +
		"report-uri /csp-report; " +
		"report-to csp"
}

// formActionSources is the form-action list. The order button (and "pay
// again" on the order page) answers with a 303 to the card provider's
// page, and browsers apply form-action to the redirect that follows a
// form post: the provider's page origins must be listed, and nothing else.
func formActionSources(p *cardpay.Service) string {
	src := "'self'"
	if p != nil {
		for _, o := range p.PageOrigins() {
			src += " " + o
		}
	}
	return src
}

// fileCSP is the policy of served files (images, the stylesheet): a file
// opened directly in the browser may run nothing and load nothing, so a
// crafted upload cannot become a page.
const fileCSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

// securityHeaders sets the headers every response carries. Handlers never
// set these; the groups below only tighten caching and the referrer.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP(info(r).nonce, s.formAction))
		h.Set("Reporting-Endpoints", `csp="`+s.cfg.BaseURL+`/csp-report"`)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if s.https {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if isAPI(r) {
			h.Set("Cache-Control", "no-store")
		} else {
			// Every page shows the cart count and login state in its
			// header, so no shared cache may keep one; the browser may,
			// after checking back.
			h.Set("Cache-Control", "private, no-cache")
			h.Set("Vary", "Cookie")
		}
		next.ServeHTTP(w, r)
	})
}

// noStore marks a response that no cache, not even the browser's, may keep.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// noReferrer keeps a URL that holds a token from leaking to other sites
// through the Referer header.
func noReferrer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// staticHeaders serves fingerprinted static files: a changed file gets a
// new URL, so a year's cache is safe.
func staticHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", fileCSP)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Del("Vary")
		next.ServeHTTP(w, r)
	})
}

// mediaHeaders serves product images: public, but they may be replaced
// under the same name, so only an hour's cache.
func mediaHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", fileCSP)
		h.Set("Cache-Control", "public, max-age=3600")
		h.Del("Vary")
		next.ServeHTTP(w, r)
	})
}

// private wraps a page with session-specific content (cart, checkout,
// orders): never stored by any cache.
func (s *Server) private(h http.HandlerFunc) http.Handler { return noStore(h) }

// secret wraps a page whose URL holds a token: private, and the URL is
// never sent as a referrer.
func (s *Server) secret(h http.HandlerFunc) http.Handler { return noReferrer(noStore(h)) }

// member wraps a private page for logged-in members. A guest asking for it
// with GET is sent to the login page and brought back afterwards (?next=,
// a path on this site only); other methods get 401.
func (s *Server) member(h http.HandlerFunc) http.Handler {
	return noStore(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if CurrentSession(r).MemberID != 0 {
			h(w, r)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, loginPath+"?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
			return
		}
		s.respondError(w, r, errLoginRequired)
	}))
}
