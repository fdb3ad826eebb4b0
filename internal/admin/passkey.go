package admin

import (
	"encoding/json"
	"net/http"

	"kaede/internal/edge"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// Passkeys (WebAuthn) are the alternative to the authenticator app's code
// at enrolment, at the login's second step and at re-authentication. Each
// ceremony is two POSTs, both with the CSRF token as a form field:
// ".../passkey/options" answers the options for navigator.credentials as
// JSON, and ".../passkey" receives the browser's answer as JSON in the
// "credential" field of an ordinary form submission, so that the result
// is an ordinary page (static/passkey.js does both). Without JavaScript
// the pages keep the code forms only.

// passkeys returns the ceremonies for this admin's origin.
func (s *Server) passkeys() (*staff.Passkeys, error) { return s.staff.Passkeys(s.origin) }

// maxCredentialJSON bounds the browser's answer; real ones are a few KB.
const maxCredentialJSON = 64 << 10

// passkeyOptions answers a ceremony's options, or its error as JSON with a
// sentence safe to show.
func (s *Server) passkeyOptions(w http.ResponseWriter, r *http.Request, begin func(*staff.Passkeys) ([]byte, error)) {
	p, err := s.passkeys()
	var body []byte
	if err == nil {
		body, err = begin(p)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err != nil {
		status := edge.Status(err)
		msg := ui.Admin.T(info(r).Lang, errorKey(err))
		if status >= 500 {
			msg = ui.Admin.T(info(r).Lang, "error.internal")
			s.log.Error("admin: passkey options", "request_id", info(r).ID, "path", r.URL.Path, "error", err)
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	w.Write(body)
}

// credentialField is the browser's answer from the form, size-checked.
func credentialField(r *http.Request) []byte {
	v := newForm(r).Raw("credential")
	if len(v) > maxCredentialJSON {
		return nil
	}
	return []byte(v)
}

// enrolPasskeyOptions starts registering a passkey for the enrolment token.
func (s *Server) enrolPasskeyOptions(w http.ResponseWriter, r *http.Request) {
	token := newForm(r).String("token")
	s.passkeyOptions(w, r, func(p *staff.Passkeys) ([]byte, error) {
		return p.BeginPasskeyRegistration(r.Context(), token)
	})
}

// enrolPasskeyAction completes enrolment with the new passkey and shows the
// recovery codes, once, as the code form does.
func (s *Server) enrolPasskeyAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := enrolView{Token: f.String("token"), Step: "retry"}
	p, err := s.passkeys()
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	codes, err := p.FinishPasskeyRegistration(r.Context(), view.Token, f.String("name"), credentialField(r))
	if err != nil {
		s.renderForm(w, r, "enrol", view, err)
		return
	}
	s.render(w, r, http.StatusOK, "enrol", enrolView{Step: "done", Recovery: codes})
}

// loginPasskeyOptions starts the passkey step of a pending login.
func (s *Server) loginPasskeyOptions(w http.ResponseWriter, r *http.Request) {
	pending := s.cookies.Value(r, pendingCookie)
	s.passkeyOptions(w, r, func(p *staff.Passkeys) ([]byte, error) {
		return p.BeginPasskeyLogin(r.Context(), pending)
	})
}

// loginPasskeyAction completes the login with a passkey, as codeAction
// does with a code.
func (s *Server) loginPasskeyAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := loginView{Next: safeNext(f.String("next"))}
	p, err := s.passkeys()
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	sess, err := p.FinishPasskeyLogin(r.Context(), s.cookies.Value(r, pendingCookie), credentialField(r), info(r).IP, r.UserAgent())
	if err != nil {
		s.loginFailed(w, r, "code", view, err)
		return
	}
	s.cookies.Set(w, pendingCookie, "", -1)
	s.cookies.Set(w, sessionCookie, sess.ID, 0)
	s.renewCSRF(w)
	http.Redirect(w, r, view.Next, http.StatusSeeOther)
}

// reauthPasskeyOptions starts renewing the session's second factor.
func (s *Server) reauthPasskeyOptions(w http.ResponseWriter, r *http.Request) {
	s.passkeyOptions(w, r, func(p *staff.Passkeys) ([]byte, error) {
		return p.BeginPasskeyReauth(r.Context(), info(r).token, info(r).IP, r.UserAgent())
	})
}

// reauthPasskeyAction renews the session's second factor with a passkey
// and returns to the page that asked for it.
func (s *Server) reauthPasskeyAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	view := loginView{Next: safeNext(f.String("next"))}
	p, err := s.passkeys()
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := p.FinishPasskeyReauth(r.Context(), info(r).token, credentialField(r), info(r).IP, r.UserAgent()); err != nil {
		s.loginFailed(w, r, "reauth", view, err)
		return
	}
	http.Redirect(w, r, view.Next, http.StatusSeeOther)
}
