package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"kaede/internal/edge"
	"kaede/internal/member"
	"kaede/internal/shop"
)

// accountHome is where a member lands after logging in when no (safe)
// next page was asked for.
const accountHome = "/account"

// noticeView is the data of account_notice: a heading, one sentence and
// a link onwards, for the pages that only confirm or apologise.
type noticeView struct {
	Title    string // catalogue keys
	Message  string
	LinkURL  string
	LinkText string
}

// renderNotice shows the one-sentence notice page.
func (s *Server) renderNotice(w http.ResponseWriter, r *http.Request, status int, v noticeView) {
	s.render(w, r, status, "account_notice", v)
}

// safeNext returns next when it is a path on this site, and accountHome
// otherwise. "//host" and "/\host" are read by browsers as other sites, and
// control characters are dropped by them ("/\t/host" becomes "//host"), so
// any of those is refused: the log-in form must not become an open
// redirect.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return accountHome
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return accountHome
		}
	}
	return next
}

// logIn makes the member the session's owner: the guest's cart, if any, is
// merged into the member's cart, which becomes the session's, then the
// session id is rotated.
func (s *Server) logIn(w http.ResponseWriter, r *http.Request, memberID int64) error {
	ctx := r.Context()
	var cartID string
	if guest := CurrentSession(r).CartID; guest != "" {
		c, err := s.carts.Merge(ctx, guest, memberID)
		if err != nil {
			return fmt.Errorf("log in member %d: merge cart: %w", memberID, err)
		}
		cartID = c.ID
	} else {
		c, err := s.carts.ForMember(ctx, memberID)
		if err != nil {
			return fmt.Errorf("log in member %d: member cart: %w", memberID, err)
		}
		cartID = c.ID
	}
	// The cart first: the merge deleted the guest cart, and SetMember
	// carries the session's cart over to the new session id.
	if err := s.SetCart(w, r, cartID); err != nil {
		return err
	}
	return s.SetMember(w, r, memberID)
}

// registerPage is the sign-up form.
func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account_register", nil)
}

// registerSubmit creates the account and tells the visitor to look for
// the e-mail; they log in once they have it.
func (s *Server) registerSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	in := member.RegisterInput{
		Email:    f.String("email"),
		Password: f.Raw("password"),
		Name:     f.String("name"),
		NameKana: f.String("name_kana"),
		Phone:    f.String("phone"),
		Locale:   info(r).Lang,
	}
	if in.Password != f.Raw("password_confirm") {
		// The domain cannot see the confirmation; report it with the
		// fields that are plainly missing, and create nothing.
		p := f.Problems()
		p.Add("password_confirm", shop.ReasonMismatch)
		requireFields(p, map[string]string{"email": in.Email, "password": in.Password, "name": in.Name, "name_kana": in.NameKana})
		s.renderForm(w, r, "account_register", nil, p.Err())
		return
	}
	// An address that has an account gets the same page as a new one (its
	// owner is e-mailed instead), and neither is logged in: the answer
	// does not tell a stranger who has an account.
	_, err := s.members.Register(r.Context(), in)
	if err != nil && !errors.Is(err, member.ErrAlreadyRegistered) {
		s.renderForm(w, r, "account_register", nil, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.registered.title", Message: "account.registered.message",
		LinkURL: accountHome, LinkText: "account.home.link"})
}

// requireFields records ReasonRequired for every empty value.
func requireFields(p shop.Problems, values map[string]string) {
	for field, v := range values {
		if strings.TrimSpace(v) == "" {
			p.Add(field, shop.ReasonRequired)
		}
	}
}

// verifyEmail is the link in the verification e-mail.
func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) {
	_, err := s.members.VerifyEmail(r.Context(), r.URL.Query().Get("token"))
	if shop.ErrorCode(err) == shop.Invalid {
		s.renderNotice(w, r, edge.Status(err), noticeView{Title: "account.verify.failed.title", Message: "account.verify.failed.message",
			LinkURL: accountHome, LinkText: "account.home.link"})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.verify.done.title", Message: "account.verify.done.message",
		LinkURL: accountHome, LinkText: "account.home.link"})
}

// loginView is the data of account_login.
type loginView struct {
	Next  string
	Error string // catalogue key of the failure, "" on first show
}

// loginPage is the log-in form; a member already logged in goes on.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if CurrentSession(r).MemberID != 0 {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "account_login", loginView{Next: next})
}

// loginSubmit checks the credentials. Unknown address and wrong password
// get the same page, so the form does not tell who has an account.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	view := loginView{Next: safeNext(f.String("next"))}
	m, err := s.members.Authenticate(r.Context(), f.String("email"), f.Raw("password"), info(r).IP)
	switch {
	case err == nil:
	case shop.ErrorCode(err) == shop.Unauthorized:
		view.Error = "account.login.wrong"
		s.render(w, r, http.StatusUnauthorized, "account_login", view)
		return
	case shop.ErrorCode(err) == shop.TooMany:
		view.Error = "account.login.locked"
		s.render(w, r, http.StatusTooManyRequests, "account_login", view)
		return
	default:
		s.renderError(w, r, err)
		return
	}
	if err := s.logIn(w, r, m.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, view.Next, http.StatusSeeOther)
}

// forgotPage asks for the address to send a reset link to.
func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account_forgot", nil)
}

// forgotSubmit sends the reset link. The answer is the same whether or not
// the address has an account.
func (s *Server) forgotSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	email := f.String("email")
	if email == "" {
		p := f.Problems()
		p.Add("email", shop.ReasonRequired)
		s.renderForm(w, r, "account_forgot", nil, p.Err())
		return
	}
	if err := s.members.RequestPasswordReset(r.Context(), email, info(r).Lang); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.forgot.sent.title", Message: "account.forgot.sent.message",
		LinkURL: loginPath, LinkText: "account.login.link"})
}

// resetView is the data of account_reset: the token travels in the form
// body from here on, not in the URL.
type resetView struct {
	Token string
}

// resetPage is the new-password form the reset e-mail links to.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		s.renderResetFailed(w, r)
		return
	}
	s.render(w, r, http.StatusOK, "account_reset", resetView{Token: token})
}

// resetSubmit sets the new password. Every session of the member ends, so
// the visitor logs in again with it.
func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	view := resetView{Token: f.String("token")}
	password := f.Raw("password")
	if password != f.Raw("password_confirm") {
		p := f.Problems()
		p.Add("password_confirm", shop.ReasonMismatch)
		requireFields(p, map[string]string{"password": password})
		s.renderForm(w, r, "account_reset", view, p.Err())
		return
	}
	err := s.members.ResetPassword(r.Context(), view.Token, password)
	if _, badToken := shop.ErrorFields(err)["token"]; badToken {
		s.renderResetFailed(w, r)
		return
	}
	if err != nil {
		s.renderForm(w, r, "account_reset", view, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.reset.done.title", Message: "account.reset.done.message",
		LinkURL: loginPath, LinkText: "account.login.link"})
}

// renderResetFailed apologises for a reset link that is unknown, used or
// expired, and offers a new one.
func (s *Server) renderResetFailed(w http.ResponseWriter, r *http.Request) {
	s.renderNotice(w, r, http.StatusUnprocessableEntity, noticeView{Title: "account.reset.failed.title",
		Message: "account.reset.failed.message", LinkURL: "/account/forgot", LinkText: "account.forgot.link"})
}
