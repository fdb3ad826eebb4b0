package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"kaede/internal/member"
	"kaede/internal/shop"
)

// profilePage is the form to change the member's name and phone number,
// filled in with what the account holds.
func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// The form's fields read Page.Form; on first show that is the account.
	r.PostForm = url.Values{"name": {m.Name}, "name_kana": {m.NameKana}, "phone": {m.Phone}}
	s.render(w, r, http.StatusOK, "account_profile", nil)
}

// profileSubmit saves the name and phone number.
func (s *Server) profileSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	in := member.ProfileInput{Name: f.String("name"), NameKana: f.String("name_kana"), Phone: f.String("phone")}
	err := f.Err()
	if err == nil {
		err = s.members.UpdateProfile(r.Context(), CurrentSession(r).MemberID, in)
	}
	if err != nil {
		s.renderForm(w, r, "account_profile", nil, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.profile.done.title", Message: "account.profile.done.message",
		LinkURL: accountHome, LinkText: "account.home.link"})
}

// emailView is the data of account_email.
type emailView struct {
	Current string
	Pending string // an address waiting for its link to be opened, or ""
}

func (s *Server) emailView(r *http.Request) (emailView, error) {
	m, err := s.me(r)
	if err != nil {
		return emailView{}, err
	}
	pending, err := s.members.PendingEmail(r.Context(), m.ID)
	if err != nil {
		return emailView{}, fmt.Errorf("account: %w", err)
	}
	return emailView{Current: m.Email, Pending: pending}, nil
}

// emailPage is the form to change the e-mail address.
func (s *Server) emailPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.emailView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_email", v)
}

// emailSubmit sends the link that changes the address to the new one.
// Whether the new address has an account or not, the member reads the
// same notice (member.RequestEmailChange).
func (s *Server) emailSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	email, current := f.String("email"), f.Raw("current_password")
	p := f.Problems()
	requireFields(p, map[string]string{"email": email, "current_password": current})
	err := p.Err()
	if err == nil {
		err = s.members.RequestEmailChange(r.Context(), CurrentSession(r).MemberID, email, current, info(r).IP)
	}
	if shop.ErrorCode(err) == shop.TooMany {
		s.logTooMany(r, "e-mail change", err)
		s.renderError(w, r, err)
		return
	}
	if err != nil {
		v, verr := s.emailView(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.renderForm(w, r, "account_email", v, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.email.sent.title", Message: "account.email.sent.message",
		LinkURL: accountHome, LinkText: "account.home.link"})
}

// emailConfirmPage is where the link in the e-mail leads: a button that
// makes the change, so that a mail program fetching the link to check it
// changes nothing.
func (s *Server) emailConfirmPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		s.renderEmailConfirmFailed(w, r)
		return
	}
	s.render(w, r, http.StatusOK, "account_email_confirm", resetView{Token: token})
}

// emailConfirmSubmit changes the address. It needs no log-in: the token
// is the proof, as a password reset's is.
func (s *Server) emailConfirmSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	_, err := s.members.ConfirmEmailChange(r.Context(), f.String("token"))
	if _, badToken := shop.ErrorFields(err)["token"]; badToken {
		s.renderEmailConfirmFailed(w, r)
		return
	}
	if errors.Is(err, member.ErrEmailTaken) {
		s.renderNotice(w, r, http.StatusConflict, noticeView{Title: "account.email.taken.title", Message: "account.email.taken.message",
			LinkURL: accountHome, LinkText: "account.home.link"})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.email.done.title", Message: "account.email.done.message",
		LinkURL: accountHome, LinkText: "account.home.link"})
}

func (s *Server) renderEmailConfirmFailed(w http.ResponseWriter, r *http.Request) {
	s.renderNotice(w, r, http.StatusUnprocessableEntity, noticeView{Title: "account.email.failed.title",
		Message: "account.email.failed.message", LinkURL: "/account/email", LinkText: "account.email.link"})
}
