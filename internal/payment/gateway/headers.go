package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Every security-relevant response header of the gateway is set in this
// file, so that a reviewer, and a monitor watching the card page's headers
// as the browser receives them (PCI DSS 11.6.1), has one place to read.

// commonHeaders are on every response, page or API.
func commonHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// cardPageCSP is the policy of the card page and the challenge page. No
// script runs at all (the script inventory holds none for the gateway, and
// Scripts fails at start if a template gains one); the one stylesheet is inline and carries this
// response's nonce; nothing loads from anywhere; the page cannot be framed
// (no overlay, no clickjacking); forms post only to the gateway itself and
// — because browsers apply form-action to the redirect after a post too —
// to the shop's return and cancel pages. Violations are reported.
func cardPageCSP(nonce string, formTargets ...string) string {
	targets := []string{"'self'"}
	for _, t := range formTargets {
		if o := origin(t); o != "" && !strings.ContainsAny(o, " ;,'") {
			targets = append(targets, o)
		}
	}
	return "default-src 'none'; " +
		"script-src 'none'; " +
		"style-src 'nonce-" + nonce + "'; " +
		"img-src 'none'; " +
		"form-action " + strings.Join(targets, " ") + "; " +
		"frame-ancestors 'none'; " +
		"base-uri 'none'; " +
		"require-trusted-types-for 'script'; " +
		"report-uri /csp-report"
}

// origin returns the scheme://host of an absolute URL, or "".
func origin(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// pageHeaders sets the headers of an HTML page and returns the nonce its
// <style> must carry. Pages are never cached: each has a fresh nonce and
// shows a payment's current state.
func pageHeaders(w http.ResponseWriter, formTargets ...string) string {
	b := make([]byte, 18)
	rand.Read(b)
	nonce := base64.RawStdEncoding.EncodeToString(b)
	h := w.Header()
	h.Set("Content-Security-Policy", cardPageCSP(nonce, formTargets...))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	return nonce
}

// cspReport logs a Content-Security-Policy violation on a gateway page:
// the alarm bell for a changed or injected card page. Only the fields that
// say what was blocked where are logged; a report holds no card data.
func (s *Server) cspReport(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 16<<10))
	s.log.Warn("csp violation", "report", cspSummary(b))
	w.WriteHeader(http.StatusNoContent)
}

// cspSummary keeps the report's directive and blocked URI, cut short.
func cspSummary(b []byte) slog.Value {
	var rep struct {
		Body map[string]any `json:"csp-report"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Body == nil {
		return slog.StringValue("unreadable")
	}
	get := func(k string) string {
		v, _ := rep.Body[k].(string)
		if len(v) > 200 {
			v = v[:200]
		}
		return v
	}
	return slog.GroupValue(
		slog.String("document", get("document-uri")),
		slog.String("directive", get("violated-directive")),
		slog.String("blocked", get("blocked-uri")),
	)
}
