package edge

import (
	"net/http"
	"time"

	"kaede/internal/ui"
)

// Language is how an edge picks a response's language.
type Language struct {
	Cookies Cookies
	Cookie  string // the cookie that remembers the choice for a year
	// Header marks requests that use no cookies (the store's JSON API):
	// they follow Accept-Language.
	Header func(*http.Request) bool
}

// Middleware sets Info.Lang: ?lang=en|ja (which also sets the cookie),
// then the cookie, then Japanese, the shop's language, whatever the
// browser says.
func (l Language) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := InfoOf(r)
		if l.Header != nil && l.Header(r) {
			in.Lang = ui.AcceptLanguage(r.Header.Get("Accept-Language"))
		} else if lang, ok := ui.ParseLang(r.URL.Query().Get("lang")); ok {
			in.Lang = lang
			l.Cookies.Set(w, l.Cookie, lang, 365*24*time.Hour)
		} else if lang, ok := ui.ParseLang(l.Cookies.Value(r, l.Cookie)); ok {
			in.Lang = lang
		}
		next.ServeHTTP(w, r)
	})
}
