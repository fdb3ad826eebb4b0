package web

import (
	"net/http"
	"net/url"
	"slices"

	"kaede/internal/cardpay"
	"kaede/internal/edge"
	"kaede/internal/ui"
)

// Every security-relevant response header is set in this file, so that a
// reviewer (and PCI DSS 11.6.1's change detection) has one place to read.

// securityHeaders are the store's: its CSP (violations reported to
// /csp-report, forms also to the card provider's pages) and its caching.
func (s *Server) securityHeaders() edge.Headers {
	return edge.Headers{
		CSP:      s.csp(),
		HTTPS:    s.https,
		Referrer: "strict-origin-when-cross-origin",
		Extra: func(h http.Header, r *http.Request) {
			if s.https {
				h.Set("Reporting-Endpoints", `csp="`+s.cfg.BaseURL+`/csp-report"`)
			}
			if isAPI(r) {
				h.Set("Cache-Control", "no-store")
				return
			}
			// Every page shows the cart count and login state in its
			// header, so no shared cache may keep one; the browser may,
			// after checking back.
			h.Set("Cache-Control", "private, no-cache")
			h.Set("Vary", "Cookie")
		},
	}
}

// csp is the store's Content-Security-Policy: violations reported to
// /csp-report, forms also to the card provider's pages.
func (s *Server) csp() edge.CSP {
	return edge.CSP{FormAction: formActionOrigins(s.payments), ReportURI: "/csp-report", ReportTo: s.https}
}

// pagePolicy is the policy of the store page NAME, derived from the
// script inventory: the payment pages (ui.StorePaymentPages) get the
// strictest, every other page its nonce and the hashes of the scripts the
// inventory lets it run.
func (s *Server) pagePolicy(name, nonce string) string {
	if slices.Contains(ui.StorePaymentPages, name) {
		return s.csp().PaymentPolicy()
	}
	return s.csp().PagePolicy(nonce, s.ui.PageScripts(name))
}

// paymentStep marks the requests on the way to the card provider whose
// answer is no page of ours (the order button's 303 to the provider):
// they carry the payment pages' policy too.
func (s *Server) paymentStep(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", s.csp().PaymentPolicy())
		next.ServeHTTP(w, r)
	})
}

// formActionOrigins are the origins forms may post to besides our own.
// The order button (and "pay again" on the order page) answers with a 303
// to the card provider's page, and browsers apply form-action to the
// redirect that follows a form post: the provider's page origins must be
// listed, and nothing else.
func formActionOrigins(p *cardpay.Service) []string {
	if p == nil {
		return nil
	}
	return p.PageOrigins()
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
		h.Set("Content-Security-Policy", edge.FileCSP)
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
		h.Set("Content-Security-Policy", edge.FileCSP)
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
