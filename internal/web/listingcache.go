package web

import (
	"bytes"
	"html/template"
	"net/http"
)

// cacheListing is cacheForGuests for the listings (category pages, search),
// which also serves visitors with a session from a cache. Their page
// differs from a guest's in two ways: the header's user nav is theirs (the
// cart count, log out with their CSRF token), and a practitioner sees
// member prices. So the page is cached per language, price tier, switches'
// banners and URL as a shell, rendered with a mark where the user nav goes
// (Page.UserNav); each request reads only the visitor's session, member
// and cart, renders their user nav and prints it into the shell. A shell
// lives as long as a guest's page and is dropped by ForgetPages with it:
// the same freshness guests get.
func (s *Server) cacheListing(h http.HandlerFunc) http.Handler {
	guests := s.cacheForGuests(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(sessionCookie); err != nil || r.Method != http.MethodGet {
			guests.ServeHTTP(w, r)
			return
		}
		viewer, err := s.viewer(r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		in := info(r)
		tier := "guest-prices "
		if viewer.Practitioner {
			tier = "member-prices "
		}
		key := in.Lang + " " + tier + noticesKey(s.switchState(r)) + r.URL.RequestURI()
		now := s.now()
		p, gen, ok := s.shells.get(key, now)
		if !ok {
			rec := &shellWriter{header: http.Header{}, status: http.StatusOK}
			in.shell = true
			h(rec, r)
			in.shell = false
			body := rec.body.Bytes()
			if bytes.Count(body, []byte(s.userNavMark)) != 1 {
				// Not a page with the layout's header: render it plainly.
				h(w, r)
				return
			}
			p = cachedPage{contentType: rec.header.Get("Content-Type"), expires: now.Add(guestPageTTL)}
			p.navAt = bytes.Index(body, []byte(s.userNavMark))
			p.body = append(body[:p.navAt:p.navAt], body[p.navAt+len(s.userNavMark):]...)
			if rec.status != http.StatusOK || rec.header.Get("Set-Cookie") != "" || bytes.Contains(p.body, []byte(in.Nonce)) ||
				(in.session.id != "" && bytes.Contains(p.body, []byte(s.csrf.Token(in.session.id)))) {
				// This one answer only (an error page, a page with a
				// script, a form with the visitor's CSRF token, a new
				// cookie): its own headers, not cached.
				for k, vs := range rec.header {
					w.Header()[k] = vs
				}
				s.writeShell(w, r, rec.status, p)
				return
			}
			s.shells.put(key, gen, p, now)
		}
		w.Header().Set("Content-Type", p.contentType)
		s.writeShell(w, r, http.StatusOK, p)
	})
}

// writeShell writes p with the visitor's user nav in its place.
func (s *Server) writeShell(w http.ResponseWriter, r *http.Request, status int, p cachedPage) {
	page := &Page{Lang: info(r).Lang}
	s.pageLinks(w, r, page)
	s.visitorFields(r, page)
	nav, err := s.ui.RenderPartial("listing", "user_nav", page)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.WriteHeader(status)
	w.Write(p.body[:p.navAt])
	w.Write([]byte(nav))
	w.Write(p.body[p.navAt:])
}

// shellWriter keeps a response to store it, sending nothing.
type shellWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *shellWriter) Header() http.Header         { return w.header }
func (w *shellWriter) WriteHeader(status int)      { w.status = status }
func (w *shellWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

// newUserNavMark is what a shell has where the user nav goes: an HTML
// comment no escaped data can spell (html/template writes "<" in data as
// "&lt;"), made unique per process besides.
func newUserNavMark() template.HTML {
	return template.HTML("<!-- user nav " + newSessionID() + " -->")
}
