package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
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
	nav, err := s.userNav(w, r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var csrf template.HTML
	if nav.navAt >= 0 {
		csrf = s.csrfInput(w, r) // before the header is written: it may start a session
	}
	w.WriteHeader(status)
	w.Write(p.body[:p.navAt])
	if nav.navAt < 0 {
		w.Write(nav.body)
	} else {
		w.Write(nav.body[:nav.navAt])
		io.WriteString(w, string(csrf))
		w.Write(nav.body[nav.navAt:])
	}
	w.Write(p.body[p.navAt:])
}

// userNav returns the visitor's user nav with its CSRF field left out:
// navAt is where it goes, or -1 for a nav without one (a guest's). What
// the nav shows besides the field (the language, logged in or not, the
// cart count, the page's address in the language links) is the same for
// every visitor with the same values, so it is rendered once for them
// all and kept as long as a shell; executing the template for every
// request cost a member's category page a quarter of its time.
func (s *Server) userNav(w http.ResponseWriter, r *http.Request) (cachedPage, error) {
	page := &Page{Lang: info(r).Lang}
	s.visitorFields(r, page)
	key := page.Lang + " " + strconv.FormatBool(page.LoggedIn) + " " + strconv.Itoa(page.CartCount) + " " +
		r.URL.Path + "?" + r.URL.RawQuery
	now := s.now()
	nav, gen, ok := s.navs.get(key, now)
	if ok {
		return nav, nil
	}
	s.pageLinks(w, r, page)
	page.csrf = func() template.HTML { return s.csrfMark }
	html, err := s.ui.RenderPartial("listing", "user_nav", page)
	if err != nil {
		return cachedPage{}, err
	}
	body, mark := []byte(html), []byte(s.csrfMark)
	nav = cachedPage{body: body, navAt: bytes.Index(body, mark), expires: now.Add(guestPageTTL)}
	switch n := bytes.Count(body, mark); {
	case n > 1:
		return cachedPage{}, fmt.Errorf("user nav: %d CSRF fields, want at most one", n)
	case n == 1:
		nav.body = append(body[:nav.navAt:nav.navAt], body[nav.navAt+len(mark):]...)
	}
	s.navs.put(key, gen, nav, now)
	return nav, nil
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

// newMark is what a cached piece of page has where the visitor's own part
// goes (the user nav in a shell, the CSRF field in a user nav): an HTML
// comment no escaped data can spell (html/template writes "<" in data as
// "&lt;"), made unique per process besides.
func newMark(what string) template.HTML {
	return template.HTML("<!-- " + what + " " + newSessionID() + " -->")
}
