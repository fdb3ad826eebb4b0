package edge

import (
	"net/http"
	"strings"
)

// Every security-relevant header both edges send is set in this file, so
// that a reviewer (and PCI DSS 11.6.1's change detection) has one place to
// read; each edge adds its caching rules in Headers.Extra.

// CSP is an edge's Content-Security-Policy for HTML pages: scripts only
// with the response's nonce or listed in the script inventory (package
// scripts), none on payment pages, never one a running script creates (no
// 'strict-dynamic': no page needs to load scripts, and with it an injected
// script could add more); styles and everything else from our own origin;
// images also from data: (QR codes); no plugins, no framing, no <base>;
// forms only to FormAction.
type CSP struct {
	// FormAction lists the origins forms may post to besides our own
	// (the card provider's pages, which the order button redirects to:
	// browsers apply form-action to the redirect after a post).
	FormAction []string
	// ReportURI, when set, is where browsers report violations.
	ReportURI string
	// ReportTo adds "report-to csp" (the Reporting API, whose endpoint the
	// edge names in Reporting-Endpoints). Only over https: Chromium reads
	// Reporting-Endpoints from secure responses alone, and a policy with
	// report-to no longer reports to report-uri, so over plain http (the
	// demo) report-to would silence every report.
	ReportTo bool
}

// Policy is the header value for a response with this nonce: the edge's
// default, for every response until the page renderer knows which page it
// writes (see PagePolicy and PaymentPolicy).
func (c CSP) Policy(nonce string) string { return c.PagePolicy(nonce, nil) }

// PagePolicy is the policy of a page that may run the scripts of the
// script inventory with these SRI values ("sha384-…"): script-src lists
// the response's nonce, which every <script> the templates write carries
// (and the inventory vouches for each of them), and the scripts' hashes,
// nothing else.
func (c CSP) PagePolicy(nonce string, scripts []string) string {
	src := "'nonce-" + nonce + "'"
	for _, h := range scripts {
		src += " '" + h + "'"
	}
	return c.policy(src, false)
}

// PaymentPolicy is the strictest policy, for the pages on the way to a
// card payment: no script at all, no nonce an injection could borrow,
// and Trusted Types required, so that even a script that got in could not
// write markup into the page.
func (c CSP) PaymentPolicy() string { return c.policy("'none'", true) }

func (c CSP) policy(scriptSrc string, trustedTypes bool) string {
	var b strings.Builder
	b.WriteString("default-src 'self'; script-src " + scriptSrc + "; style-src 'self'; " +
		"img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'")
	for _, o := range c.FormAction {
		b.WriteString(" " + o)
	}
	b.WriteString("; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	if trustedTypes {
		b.WriteString("; require-trusted-types-for 'script'")
	}
	if c.ReportURI != "" {
		b.WriteString("; report-uri " + c.ReportURI)
		if c.ReportTo {
			b.WriteString("; report-to csp")
		}
	}
	return b.String()
}

// FileCSP is the policy of served files (images, stylesheets, scripts): a
// file opened directly in the browser may run nothing and load nothing,
// so a crafted upload cannot become a page.
const FileCSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

// Headers are the security headers of every response of an edge.
type Headers struct {
	CSP   CSP
	HTTPS bool // adds Strict-Transport-Security
	// Referrer is the Referrer-Policy ("no-referrer" where URLs hold
	// tokens).
	Referrer string
	// Extra sets the edge's own headers (caching, reporting, robots).
	Extra func(http.Header, *http.Request)
}

// Middleware sets the headers before anything can write. Handlers never
// set these; route groups only tighten caching and the referrer.
func (c Headers) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", c.CSP.Policy(InfoOf(r).Nonce))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", c.Referrer)
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if c.HTTPS {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if c.Extra != nil {
			c.Extra(h, r)
		}
		next.ServeHTTP(w, r)
	})
}

// OuterCSP is the policy of a response that is no page: a redirect or a
// 404 of the mux that mounts the edges. It allows nothing.
const OuterCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Outer sets the security headers on every response of the mux that
// mounts the store and the admin, before either edge runs: its own
// redirects ("/admin" → "/admin/") and 404s carry them too. Each edge sets
// its own over these.
func Outer(https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", OuterCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if https {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}
