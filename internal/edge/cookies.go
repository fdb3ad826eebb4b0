package edge

import (
	"net/http"
	"strings"
	"time"
)

// Cookies is how an edge sets its cookies. Every cookie is HttpOnly: no
// script needs one.
type Cookies struct {
	// Secure marks the cookies https-only (a https BaseURL).
	Secure bool
	// HostPrefix names the cookies "__Host-…" when Secure, so that the
	// browser refuses them from a sibling subdomain or over http (cookie
	// tossing); the prefix requires Path=/.
	HostPrefix bool
	// Path is the cookies' path ("/" with HostPrefix over https).
	Path     string
	SameSite http.SameSite
}

// Name is the cookie's name on the wire.
func (c Cookies) Name(base string) string {
	if c.HostPrefix && c.Secure {
		return "__Host-" + base
	}
	return base
}

// Value returns the value of the request's cookie, or "".
func (c Cookies) Value(r *http.Request, base string) string {
	v, err := r.Cookie(c.Name(base))
	if err != nil {
		return ""
	}
	return v.Value
}

// Set sets (maxAge > 0: that long; 0: for the browser session) or, with
// maxAge < 0, removes a cookie. It replaces any Set-Cookie of the same
// name written earlier in the response, so that a rotated session sends
// one Set-Cookie, not two.
func (c Cookies) Set(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: c.Name(base), Value: value, Path: c.Path,
		HttpOnly: true, Secure: c.Secure, SameSite: c.SameSite}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	h := w.Header()
	prefix := ck.Name + "="
	var keep []string
	for _, v := range h.Values("Set-Cookie") {
		if !strings.HasPrefix(v, prefix) {
			keep = append(keep, v)
		}
	}
	h.Del("Set-Cookie")
	for _, v := range keep {
		h.Add("Set-Cookie", v)
	}
	h.Add("Set-Cookie", ck.String())
}
