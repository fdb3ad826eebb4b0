package web

import (
	"encoding/json"
	"fmt"
	"net/http"

	"kaede/internal/audit"
	"kaede/internal/member"
	"kaede/internal/privacy"
)

// closePage is 退会: what closing keeps and deletes, and the password.
func (s *Server) closePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account_close", nil)
}

// closeSubmit closes the account after the current password and the
// member's confirmation, then ends the session like a log-out.
func (s *Server) closeSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	pw := f.Raw("password")
	p := f.Problems()
	requireFields(p, map[string]string{"password": pw})
	if !f.Bool("confirm") {
		p.Add("confirm", "required")
	}
	err := p.Err()
	if err == nil {
		err = s.members.Close(r.Context(), CurrentSession(r).MemberID, pw, info(r).IP)
	}
	if err != nil {
		s.renderForm(w, r, "account_close", nil, err)
		return
	}
	if err := s.Logout(w, r); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.close.done.title", Message: "account.close.done.message",
		LinkURL: "/", LinkText: "account.close.done.link"})
}

// accountData is the member's own disclosure file (個人情報の開示), as a
// JSON download; the member package audits it.
func (s *Server) accountData(w http.ResponseWriter, r *http.Request) {
	id := CurrentSession(r).MemberID
	set, err := s.settings.Get(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	by := audit.Actor{Name: member.MemberActor(id), IP: info(r).IP}
	doc, err := privacy.Disclose(r.Context(), s.members, s.orders, set.ShopName, id, by, s.now())
	if err != nil {
		s.renderError(w, r, fmt.Errorf("account: data: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="kaede-account-data.json"`)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		s.log.Warn("account data: write", "request_id", requestID(r), "error", err)
	}
}
