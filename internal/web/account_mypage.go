package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"kaede/internal/edge"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// How many orders the account pages show: a few on my page, a page of
// them in the history.
const (
	recentOrders  = 5
	ordersPerPage = 20
)

// me returns the logged-in member of a member-only page. A session whose
// member was deleted meanwhile is treated as not logged in.
func (s *Server) me(r *http.Request) (*member.Member, error) {
	m, err := s.currentMember(r)
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	if m == nil {
		return nil, errLoginRequired
	}
	return m, nil
}

// accountView is the data of account_home.
type accountView struct {
	Member      *member.Member
	Orders      []order.Order
	TotalOrders int
}

// accountHome is my page: who the member is, whether the address is
// verified, the practitioner status and the latest orders.
func (s *Server) accountHome(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	orders, total, err := s.orders.ListForMember(r.Context(), m.ID, recentOrders, 0)
	if err != nil {
		s.renderError(w, r, fmt.Errorf("account: orders: %w", err))
		return
	}
	s.render(w, r, http.StatusOK, "account_home", accountView{Member: m, Orders: orders, TotalOrders: total})
}

// resendVerification sends a fresh verification link.
func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request) {
	if err := s.members.ResendVerification(r.Context(), CurrentSession(r).MemberID, info(r).IP); err != nil {
		s.logTooMany(r, "verification resend", err)
		s.renderError(w, r, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.resend.title", Message: "account.resend.message",
		LinkURL: accountHome, LinkText: "account.home.link"})
}

// ordersView is the data of account_orders.
type ordersView struct {
	Orders []order.Order
	Total  int
	Pager  edge.Pager
}

// accountOrders is the member's order history, newest first, a page at a
// time (?page=2).
func (s *Server) accountOrders(w http.ResponseWriter, r *http.Request) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	orders, total, err := s.orders.ListForMember(r.Context(), CurrentSession(r).MemberID, ordersPerPage, (page-1)*ordersPerPage)
	if err != nil {
		s.renderError(w, r, fmt.Errorf("account: orders: %w", err))
		return
	}
	v := ordersView{Orders: orders, Total: total, Pager: edge.NewPager("/account/orders", url.Values{}, page, ordersPerPage, total)}
	s.render(w, r, http.StatusOK, "account_orders", v)
}

// passwordPage is the change-password form.
func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account_password", nil)
}

// passwordSubmit changes the password and gives the session a new id, as a
// log-in would.
func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	id := CurrentSession(r).MemberID
	current, next := f.Raw("current_password"), f.Raw("new_password")
	if next != f.Raw("new_password_confirm") {
		p := f.Problems()
		p.Add("new_password_confirm", shop.ReasonMismatch)
		requireFields(p, map[string]string{"current_password": current, "new_password": next})
		s.renderForm(w, r, "account_password", nil, p.Err())
		return
	}
	if err := s.members.ChangePassword(r.Context(), id, current, next); err != nil {
		s.renderForm(w, r, "account_password", nil, err)
		return
	}
	if err := s.SetMember(w, r, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderNotice(w, r, http.StatusOK, noticeView{Title: "account.password.done.title", Message: "account.password.done.message",
		LinkURL: accountHome, LinkText: "account.home.link"})
}
