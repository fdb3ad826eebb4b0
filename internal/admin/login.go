package admin

import (
	"net/http"
	"net/url"
	"time"

	"kaede/internal/shop"
)

// pendingLifetime matches the staff service's five minutes between the
// password and the code.
const pendingLifetime = 5 * time.Minute

// loginView is the data of the login and code pages.
type loginView struct {
	Next  string
	Email string
}

// loginPage asks for the e-mail address and password.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

// loginAction checks the password (the first factor) and sends the
// browser to the code step with a short-lived pending-login cookie. Every
// failure reads the same, so that the page does not tell which addresses
// belong to staff; a locked address gets the polite 429 page.
func (s *Server) loginAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := loginView{Next: safeNext(f.String("next")), Email: f.String("email")}
	pending, err := s.staff.Authenticate(r.Context(), f.String("email"), f.Raw("password"), info(r).IP)
	if err != nil {
		s.loginFailed(w, r, "login", view, err)
		return
	}
	s.cookies.Set(w, pendingCookie, pending, pendingLifetime)
	http.Redirect(w, r, Prefix+"login/code?next="+url.QueryEscape(view.Next), http.StatusSeeOther)
}

// loginFailed shows a login step again with the generic sentence (401),
// or the lock-out page (429).
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, page string, view loginView, err error) {
	switch shop.ErrorCode(err) {
	case shop.TooMany:
		s.render(w, r, http.StatusTooManyRequests, "locked", nil)
	case shop.Unauthorized:
		s.renderForm(w, r, page, view, err)
	default:
		s.renderError(w, r, err)
	}
}

// codePage asks for the authenticator's code or a recovery code. Without
// a pending login it goes back to the password step.
func (s *Server) codePage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if s.cookies.Value(r, pendingCookie) == "" {
		http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "code", loginView{Next: next})
}

// codeAction completes the login: the session cookie is set only once both
// factors are given, and the CSRF cookie is renewed.
func (s *Server) codeAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := loginView{Next: safeNext(f.String("next"))}
	sess, err := s.staff.VerifySecondFactor(r.Context(), s.cookies.Value(r, pendingCookie), f.String("code"), info(r).IP, r.UserAgent())
	if err != nil {
		s.loginFailed(w, r, "code", view, err)
		return
	}
	s.cookies.Set(w, pendingCookie, "", -1)
	// A session cookie lasts as long as the browser; the server ends the
	// session after staff.IdleTimeout or staff.MaxSessionAge.
	s.cookies.Set(w, sessionCookie, sess.ID, 0)
	s.renewCSRF(w)
	http.Redirect(w, r, view.Next, http.StatusSeeOther)
}

// logoutAction ends the session, if any, and clears the cookies.
func (s *Server) logoutAction(w http.ResponseWriter, r *http.Request) {
	if err := s.staff.Logout(r.Context(), s.cookies.Value(r, sessionCookie), info(r).IP); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.cookies.Set(w, sessionCookie, "", -1)
	s.cookies.Set(w, pendingCookie, "", -1)
	s.renewCSRF(w)
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}

// reauthPage asks for a code before a sensitive action.
func (s *Server) reauthPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "reauth", loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

// reauthAction renews the session's second factor and returns to the page
// that asked for it. A wrong code counts towards the lock-out; once the
// account locks, the session is of no more use and the lock-out page says
// so.
func (s *Server) reauthAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := loginView{Next: safeNext(f.String("next"))}
	_, err := s.staff.Reauthenticate(r.Context(), info(r).token, f.String("code"), info(r).IP, r.UserAgent())
	if err != nil {
		s.loginFailed(w, r, "reauth", view, err)
		return
	}
	http.Redirect(w, r, view.Next, http.StatusSeeOther)
}
