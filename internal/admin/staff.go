package admin

import (
	"net/http"
	"strconv"

	"kaede/internal/shop"
	"kaede/internal/staff"
)

// staffListView is the staff page's data.
type staffListView struct {
	Staff []staff.Staff
	Roles []staff.Role
	Done  string // catalogue key of the last action's confirmation
}

// doneKeys are the confirmations a staff action may ask the list to show
// (?done=…); anything else shows none.
var doneKeys = map[string]string{
	"role": "staff.done.role", "disable": "staff.done.disable", "enable": "staff.done.enable",
	"unlock": "staff.done.unlock", "revoke": "sessions.done.revoke",
}

// staffListPage lists every member of staff; owners also get the forms to
// manage them.
func (s *Server) staffListPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.staff.List(r.Context(), s.actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "staff", staffListView{Staff: list, Roles: staff.Roles, Done: doneKeys[r.URL.Query().Get("done")]})
}

// staffNewView is the data of the add form and of the page that shows an
// enrolment link once.
type staffNewView struct {
	Roles []staff.Role
	Email string
	Link  string // the one-time enrolment link, shown once
}

// staffNewPage is the form to add a member of staff.
func (s *Server) staffNewPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "staff_new", staffNewView{Roles: staff.Roles})
}

// staffAddAction adds a member of staff and shows their enrolment link,
// once: only its hash is stored. The staff service audits the addition.
func (s *Server) staffAddAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := staffNewView{Roles: staff.Roles, Email: f.String("email")}
	token, err := s.staff.Add(r.Context(), view.Email, staff.Role(f.String("role")), s.actor(r))
	if err != nil {
		s.renderForm(w, r, "staff_new", view, err)
		return
	}
	view.Link = s.enrolLink(token)
	s.render(w, r, http.StatusOK, "staff_new", view)
}

// enrolLink is the one-time address a new member of staff enrols at.
func (s *Server) enrolLink(token string) string {
	return s.URL(Prefix + "enrol?token=" + token)
}

// staffID reads the {id} of a staff action's path.
func staffID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, shop.Errorf(shop.NotFound, "no such member of staff")
	}
	return id, nil
}

// staffAction runs one staff-management call on the {id} of the path and
// returns to the list with its confirmation. The service checks the
// actor's permission again and audits the change in its transaction.
func (s *Server) staffAction(done string, call func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := staffID(r)
		if err == nil {
			err = call(r, id)
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, Prefix+"staff?done="+done, http.StatusSeeOther)
	}
}

// staffRoleAction gives a member of staff another role.
func (s *Server) staffRoleAction(w http.ResponseWriter, r *http.Request) {
	s.staffAction("role", func(r *http.Request, id int64) error {
		return s.staff.ChangeRole(r.Context(), id, staff.Role(newForm(r).String("role")), s.actor(r))
	})(w, r)
}

// staffDisableAction stops a member of staff from logging in.
func (s *Server) staffDisableAction(w http.ResponseWriter, r *http.Request) {
	s.staffAction("disable", func(r *http.Request, id int64) error {
		return s.staff.Disable(r.Context(), id, s.actor(r))
	})(w, r)
}

// staffEnableAction lets a disabled member of staff log in again.
func (s *Server) staffEnableAction(w http.ResponseWriter, r *http.Request) {
	s.staffAction("enable", func(r *http.Request, id int64) error {
		return s.staff.Enable(r.Context(), id, s.actor(r))
	})(w, r)
}

// staffUnlockAction lifts a login lock early.
func (s *Server) staffUnlockAction(w http.ResponseWriter, r *http.Request) {
	s.staffAction("unlock", func(r *http.Request, id int64) error {
		return s.staff.Unlock(r.Context(), id, s.actor(r))
	})(w, r)
}

// staffResetAction removes a member of staff's password and authenticator
// and shows the new enrolment link, once.
func (s *Server) staffResetAction(w http.ResponseWriter, r *http.Request) {
	id, err := staffID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	token, err := s.staff.ResetEnrolment(r.Context(), id, s.actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	m, err := s.staff.Get(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_new", staffNewView{Email: m.Email, Link: s.enrolLink(token)})
}
