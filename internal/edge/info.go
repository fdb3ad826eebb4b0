package edge

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	"kaede/internal/ui"
)

// Info is what the first middleware learns about a request and everything
// after it needs. Each edge keeps its own state (the store's session, the
// admin's staff session) next to it, under its own context key.
type Info struct {
	ID    string // request id, in every log line and on the 500 page
	Nonce string // the CSP nonce of this response
	Lang  string // ui.Japanese or ui.English; set by Language
	IP    string // the client's address: Proxies.ClientAddr
}

type infoKey struct{}

// InfoOf returns the request's information; a request that did not pass
// WithInfo (a unit test calling a helper) gets a Japanese page with no id.
func InfoOf(r *http.Request) *Info {
	if v, ok := r.Context().Value(infoKey{}).(*Info); ok {
		return v
	}
	return &Info{Lang: ui.Japanese}
}

// WithInfo gives the request its id (also sent as X-Request-Id), its CSP
// nonce and its client address, read once through proxies.
func WithInfo(proxies Proxies) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in := &Info{ID: requestID(), Nonce: randomBase64(16), Lang: ui.Japanese, IP: proxies.ClientAddr(r)}
			w.Header().Set("X-Request-Id", in.ID)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, in)))
		})
	}
}

// RandomToken returns 32 random bytes, base64url without padding: session
// ids and CSRF cookies.
func RandomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// requestID is 16 hexadecimal digits, never all of them decimal: sixteen
// decimal digits in a log line pass the Luhn check one time in ten, and a
// card-data scanner run over the logs (the tests', an operator's) would
// report the request as a card number (plain random hex is all decimal
// once in some 1,800 ids, and a tenth of those pass).
func requestID() string {
	for {
		if id := randomHex(8); strings.ContainsAny(id, "abcdef") {
			return id
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomBase64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
