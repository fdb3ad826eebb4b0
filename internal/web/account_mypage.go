package web

import (
	"fmt"
	"net/http"
	"net/url"

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
	Member       *member.Member
	PendingEmail string // an e-mail address waiting for its link to be opened
	Orders       []order.Order
	TotalOrders  int
	Favourites   []productCard // the latest few; the rest on their page
	Recent       []productCard
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
	v := accountView{Member: m, Orders: orders, TotalOrders: total}
	if v.PendingEmail, err = s.members.PendingEmail(r.Context(), m.ID); err != nil {
		s.renderError(w, r, fmt.Errorf("account: %w", err))
		return
	}
	if v.Favourites, err = s.favouriteCards(r, m, homeFavourites); err != nil {
		s.renderError(w, r, err)
		return
	}
	if v.Recent, err = s.recentCards(r, m, 0); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_home", v)
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
	// Searched reports that the history is filtered (q, from or to).
	Searched bool
}

// accountOrders is the member's order history, newest first, a page at a
// time (?page=2), searched by ?q= (an order number or a product's name)
// and the days ?from= and ?to= (YYYY-MM-DD). Bad values show the form
// again naming them.
func (s *Server) accountOrders(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	q := order.MemberQuery{Q: f.String("q"), From: f.String("from"), To: f.String("to"), Limit: ordersPerPage}
	page := f.Page("page")
	if err := f.Err(); err != nil {
		s.renderForm(w, r, "account_orders", ordersView{}, err)
		return
	}
	q.Offset = (page - 1) * ordersPerPage
	orders, total, err := s.orders.SearchForMember(r.Context(), CurrentSession(r).MemberID, q)
	if err != nil {
		s.renderForm(w, r, "account_orders", ordersView{}, fmt.Errorf("account: orders: %w", err))
		return
	}
	links := url.Values{}
	for k, v := range map[string]string{"q": q.Q, "from": q.From, "to": q.To} {
		if v != "" {
			links.Set(k, v)
		}
	}
	v := ordersView{Orders: orders, Total: total, Searched: len(links) > 0,
		Pager: edge.NewPager("/account/orders", links, page, ordersPerPage, total)}
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
