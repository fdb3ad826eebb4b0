package admin

import (
	"net/http"
	"net/url"
	"strings"

	"kaede/internal/shop"
	"kaede/internal/staff"
)

// The trust groups of routes.go. Each is a func(http.HandlerFunc)
// http.Handler; the checks run on every request, because a role change or
// a disabled account takes effect on the next request (staff.Touch reads
// the account afresh).

// public wraps a page anyone allowed by the IP allow-list may see: login,
// the code step, enrolment, logout.
func (s *Server) public(h http.HandlerFunc) http.Handler { return h }

// signedIn wraps a page every logged-in member of staff may use, whatever
// their role: their own sessions, the re-authentication step.
func (s *Server) signedIn(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.loadStaff(w, r) {
			h(w, r)
		}
	})
}

// can wraps a page or action that needs the permission p. A member of
// staff whose role lacks it gets 403, and the attempt is audited as
// "staff.denied": a crafted POST or a typed URL is refused by the server,
// whatever the navigation showed.
func (s *Server) can(p staff.Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.loadStaff(w, r) && s.permit(w, r, p) {
			h(w, r)
		}
	})
}

// fresh is can for sensitive actions (staff, settings, refunds, exports):
// the session's second factor must also be younger than staff.FreshFor,
// or the browser is sent to the re-authentication page, which returns it
// here (a POST's form is lost and must be sent again). The permission is
// checked first, so that a role without it is refused, not asked for a
// code.
func (s *Server) fresh(p staff.Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.loadStaff(w, r) && s.permit(w, r, p) && s.freshFactor(w, r) {
			h(w, r)
		}
	})
}

// freshSelf is fresh for what every member of staff may do to their own
// account (their password): no permission, but a fresh second factor.
func (s *Server) freshSelf(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.loadStaff(w, r) && s.freshFactor(w, r) {
			h(w, r)
		}
	})
}

// freshFactor sends the browser to re-authenticate, and reports false,
// when the session's second factor is older than staff.FreshFor.
func (s *Server) freshFactor(w http.ResponseWriter, r *http.Request) bool {
	if info(r).session.FreshSecondFactor(s.now()) {
		return true
	}
	http.Redirect(w, r, Prefix+"reauth?next="+url.QueryEscape(returnTo(r)), http.StatusSeeOther)
	return false
}

// returnTo is where re-authentication leads back to: the page itself for
// a GET; for a POST, whose form cannot be replayed, its section's page
// ("/admin/staff/3/role" → "/admin/staff").
func returnTo(r *http.Request) string {
	if r.Method == http.MethodGet {
		if r.URL.RawQuery != "" {
			return r.URL.Path + "?" + r.URL.RawQuery
		}
		return r.URL.Path
	}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, Prefix), "/", 2)
	return Prefix + parts[0]
}

// loadStaff checks the session cookie with staff.Touch and puts the
// session and its member of staff into the request's info. Without a valid
// session a GET is sent to the login page (and brought back afterwards);
// anything else gets 401. It reports whether the request may go on.
func (s *Server) loadStaff(w http.ResponseWriter, r *http.Request) bool {
	in := info(r)
	token := s.cookies.Value(r, sessionCookie)
	sess, m, err := s.staff.Touch(r.Context(), token, in.IP, r.UserAgent())
	if err == nil {
		in.token, in.session, in.staff = token, sess, m
		return true
	}
	if shop.ErrorCode(err) != shop.Unauthorized {
		s.renderError(w, r, err)
		return false
	}
	if token != "" {
		s.cookies.Set(w, sessionCookie, "", -1)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return false
	}
	s.renderError(w, r, err)
	return false
}

// permit reports whether the logged-in role grants p; when not, the staff
// service audits the attempt and the answer is 403.
func (s *Server) permit(w http.ResponseWriter, r *http.Request, p staff.Permission) bool {
	m := info(r).staff
	if m.Role.Can(p) {
		return true
	}
	if err := s.staff.Denied(r.Context(), s.actor(r), p, r.Method, r.URL.Path); err != nil {
		s.log.Error("admin: audit denied action", "request_id", info(r).ID, "staff", m.ID, "error", err)
	}
	s.log.Warn("admin: action denied", "request_id", info(r).ID, "staff", m.ID, "permission", p, "path", r.URL.Path)
	s.renderError(w, r, errDenied)
	return false
}

// actor is the logged-in member of staff acting from the request's
// address, for the staff service's methods.
func (s *Server) actor(r *http.Request) staff.Principal {
	in := info(r)
	return in.staff.Principal(in.IP)
}

// safeNext returns where to go after login or re-authentication: an admin
// path only, never another site ("//evil.example", "/\evil.example").
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return Prefix
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return Prefix
	}
	return next
}
