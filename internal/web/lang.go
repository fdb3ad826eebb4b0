package web

import (
	"net/http"

	"kaede/internal/ui"
)

// langCookie remembers the visitor's language for a year.
const langCookie = "lang"

// language picks the response language. Pages: ?lang=en|ja (which also
// sets the cookie), then the cookie, then Japanese — the shop's language,
// whatever the browser says. The API uses no cookies and follows
// Accept-Language, defaulting to Japanese.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := info(r)
		if isAPI(r) {
			in.lang = ui.AcceptLanguage(r.Header.Get("Accept-Language"))
			next.ServeHTTP(w, r)
			return
		}
		if l, ok := ui.ParseLang(r.URL.Query().Get("lang")); ok {
			in.lang = l
			setCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 60 * 60,
				HttpOnly: true, Secure: s.https, SameSite: http.SameSiteLaxMode})
		} else if c, err := r.Cookie(langCookie); err == nil {
			if l, ok := ui.ParseLang(c.Value); ok {
				in.lang = l
			}
		}
		next.ServeHTTP(w, r)
	})
}

// lang returns the language of the response to r.
func lang(r *http.Request) string { return info(r).lang }
