package admin

import (
	"net/http"
	"strings"
	"time"
)

// The admin's cookies. Each is HttpOnly and SameSite=Strict: no other site
// can make a browser send them, and no script can read them.
const (
	sessionCookie = "kaede_admin"         // the staff session token
	pendingCookie = "kaede_admin_pending" // between the password and the code
	csrfCookie    = "kaede_admin_csrf"    // keys the forms' CSRF token
	langCookie    = "kaede_admin_lang"

	csrfField = "csrf_token"
)

// cookieName is the cookie's name on the wire. Over https the __Host-
// prefix makes the browser refuse the cookie from a sibling subdomain or
// over http (cookie tossing); the prefix requires Path=/, so over https the
// cookies are sent to the whole host. Over http (a laptop, the demo) the
// path keeps them to the admin.
func (s *Server) cookieName(base string) string {
	if s.https {
		return "__Host-" + base
	}
	return base
}

func (s *Server) cookiePath() string {
	if s.https {
		return "/"
	}
	return Prefix
}

// setCookie sets (maxAge > 0) or, with maxAge < 0, removes a cookie,
// replacing any Set-Cookie of the same name written earlier in the
// response.
func (s *Server) setCookie(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: s.cookieName(base), Value: value, Path: s.cookiePath(),
		HttpOnly: true, Secure: s.https, SameSite: http.SameSiteStrictMode}
	if maxAge < 0 {
		c.MaxAge = -1
	} else if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	}
	h := w.Header()
	prefix := c.Name + "="
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
	h.Add("Set-Cookie", c.String())
}

// cookie returns the value of the request's cookie, or "".
func (s *Server) cookie(r *http.Request, base string) string {
	c, err := r.Cookie(s.cookieName(base))
	if err != nil {
		return ""
	}
	return c.Value
}

// csrfLifetime outlives any admin session (12 h), so that a form left open
// still posts.
const csrfLifetime = 24 * time.Hour

// csrfFor returns the form token of the browser, giving it a CSRF cookie
// first if it has none.
func (s *Server) csrfFor(w http.ResponseWriter, r *http.Request) string {
	v := s.cookie(r, csrfCookie)
	if v == "" {
		v = randomToken()
		s.setCookie(w, csrfCookie, v, csrfLifetime)
		// Later forms on this response must use the same value.
		r.AddCookie(&http.Cookie{Name: s.cookieName(csrfCookie), Value: v})
	}
	return s.csrfToken(v)
}

// renewCSRF gives the browser a new CSRF cookie at login and logout, so
// that a token seen before (in a screenshot, a proxy's log) stops working.
func (s *Server) renewCSRF(w http.ResponseWriter) {
	s.setCookie(w, csrfCookie, randomToken(), csrfLifetime)
}
