package admin

import (
	"net/http"

	"kaede/internal/shop"
)

// passwordView is the own-password page.
type passwordView struct {
	Done bool
}

// passwordPage shows the form to change one's own password.
func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "password", passwordView{Done: r.URL.Query().Get("done") == "1"})
}

// passwordAction changes the session holder's own password. The service
// wants the current password and a fresh second factor, and ends the
// holder's other sessions.
func (s *Server) passwordAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	current, next := f.Raw("current_password"), f.Raw("password")
	if next != f.Raw("password_confirm") {
		s.renderForm(w, r, "password", passwordView{}, &shop.Error{Code: shop.Invalid,
			Message: "the passwords differ", Fields: map[string]string{"password_confirm": shop.ReasonMismatch}})
		return
	}
	in := info(r)
	if err := s.staff.ChangePassword(r.Context(), in.token, current, next, in.IP, r.UserAgent()); err != nil {
		s.renderForm(w, r, "password", passwordView{}, err)
		return
	}
	http.Redirect(w, r, Prefix+"password?done=1", http.StatusSeeOther)
}
