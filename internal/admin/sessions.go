package admin

import (
	"net/http"
	"strconv"

	"kaede/internal/shop"
	"kaede/internal/staff"
)

// sessionsView lists live sessions, each under its member of staff.
type sessionsView struct {
	Groups  []sessionGroup
	Current int64 // the Ref of the session making this request
	All     bool  // every member of staff's sessions (owners)
	Done    string
}

type sessionGroup struct {
	Staff    staff.Staff
	Sessions []staff.Session
}

// sessionsPage lists the logged-in member of staff's own sessions, so that
// they can end one left open elsewhere.
func (s *Server) sessionsPage(w http.ResponseWriter, r *http.Request) {
	in := info(r)
	list, err := s.staff.Sessions(r.Context(), in.staff.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "sessions", sessionsView{
		Groups:  []sessionGroup{{Staff: *in.staff, Sessions: list}},
		Current: in.session.Ref,
		Done:    doneKeys[r.URL.Query().Get("done")],
	})
}

// allSessionsPage lists every member of staff's live sessions, for owners.
func (s *Server) allSessionsPage(w http.ResponseWriter, r *http.Request) {
	members, err := s.staff.List(r.Context(), s.actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := sessionsView{Current: info(r).session.Ref, All: true, Done: doneKeys[r.URL.Query().Get("done")]}
	for _, m := range members {
		list, err := s.staff.Sessions(r.Context(), m.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		if len(list) > 0 {
			view.Groups = append(view.Groups, sessionGroup{Staff: m, Sessions: list})
		}
	}
	s.render(w, r, http.StatusOK, "sessions", view)
}

// revokeSessionAction ends a session. Anyone may end their own; ending
// another's needs staff.manage, which the staff service checks (and
// answers "not found" otherwise, so that session handles cannot be probed).
// Ending one's own current session logs out.
func (s *Server) revokeSessionAction(w http.ResponseWriter, r *http.Request) {
	ref, err := strconv.ParseInt(r.PathValue("ref"), 10, 64)
	if err != nil {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such session"))
		return
	}
	if err := s.staff.Revoke(r.Context(), ref, s.actor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	if ref == info(r).session.Ref {
		s.cookies.Set(w, sessionCookie, "", -1)
		http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
		return
	}
	back := Prefix + "sessions"
	if newForm(r).String("from") == "all" {
		back = Prefix + "staff/sessions"
	}
	http.Redirect(w, r, back+"?done=revoke", http.StatusSeeOther)
}
