package admin

import (
	"encoding/base64"
	"html/template"
	"net/http"

	"kaede/internal/shop"
)

// enrolView is the data of the enrolment pages. The token travels in the
// URL of the link and then in hidden fields; the pages send no referrer.
type enrolView struct {
	Token string
	// Step is "password", "scan" (QR code and code form), "retry" (the
	// code was wrong: code form only) or "done" (recovery codes).
	Step     string
	QR       template.URL // data:image/png;base64,…
	Secret   string
	Recovery []string
}

// enrolPage starts enrolment from the one-time link: choose a password.
func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "enrol", enrolView{Token: r.URL.Query().Get("token"), Step: "password"})
}

// enrolAction sets the password and shows the new authenticator secret as
// a QR code (a data: URL, so that the image exists only in this response)
// and as text for typing in.
func (s *Server) enrolAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := enrolView{Token: f.String("token"), Step: "password"}
	if f.Raw("password") != f.Raw("password_confirm") {
		s.renderForm(w, r, "enrol", view, &shop.Error{Code: shop.Invalid, Message: "passwords differ",
			Fields: map[string]string{"password_confirm": shop.ReasonMismatch}})
		return
	}
	e, err := s.staff.Enrol(r.Context(), view.Token, f.Raw("password"))
	if err != nil {
		s.renderForm(w, r, "enrol", view, err)
		return
	}
	view.Step = "scan"
	view.Secret = e.Secret
	// The PNG comes from the staff service, base64 has no characters that
	// need escaping in a URL: safe to mark as a URL.
	view.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG))
	s.render(w, r, http.StatusOK, "enrol", view)
}

// enrolConfirmAction checks a code from the new authenticator and shows the
// ten recovery codes, once. A wrong code keeps the link usable.
func (s *Server) enrolConfirmAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := enrolView{Token: f.String("token"), Step: "retry"}
	codes, err := s.staff.ConfirmTOTP(r.Context(), view.Token, f.String("code"))
	if err != nil {
		s.renderForm(w, r, "enrol", view, err)
		return
	}
	s.render(w, r, http.StatusOK, "enrol", enrolView{Step: "done", Recovery: codes})
}
