package admin

import (
	"net/http"

	"kaede/internal/edge"
	"kaede/internal/member"
)

// customerPageSize is how many customers one page of the search shows.
const customerPageSize = 50

// customerListView is the customer search page's data.
type customerListView struct {
	Customers []member.Member
	Pager     edge.Pager
	States    []string // the practitioner filter's choices
	Filtered  bool
}

// practitionerStates are the practitioner filter's choices.
var practitionerStates = []string{member.PractitionerNone, member.PractitionerPending,
	member.PractitionerApproved, member.PractitionerRejected}

// customerListPage searches the customers by name, kana, e-mail or phone
// and by practitioner state, newest first, a page at a time.
func (s *Server) customerListPage(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	page := f.Page("page")
	q := member.MemberQuery{Q: f.String("q"), Practitioner: f.String("practitioner"),
		Limit: customerPageSize, Offset: (page - 1) * customerPageSize}
	view := customerListView{States: practitionerStates, Filtered: q.Q != "" || q.Practitioner != ""}
	if err := f.Err(); err != nil {
		s.orderRefusal(w, r, "customers_list", view, err, "")
		return
	}
	list, total, err := s.members.SearchMembers(r.Context(), q)
	if err != nil {
		s.orderRefusal(w, r, "customers_list", view, err, "")
		return
	}
	view.Customers = list
	view.Pager = edge.NewPager(Prefix+"customers", r.URL.Query(), page, customerPageSize, total)
	s.render(w, r, http.StatusOK, "customers_list", view)
}

// customerDetailView is a customer's page: the account, addresses,
// licences and an order summary.
type customerDetailView struct {
	Detail   *member.Detail
	Licences []licenceRow
	Queue    bool // always false: the licence table lists one member's
	Done     string
}

// licenceRow is a licence with its type's name in the page's language.
type licenceRow struct {
	member.Licence
	TypeLabel string
}

// licenceRows names each licence's type in lang.
func licenceRows(lang string, ls []member.Licence) []licenceRow {
	out := make([]licenceRow, len(ls))
	for i, l := range ls {
		out[i] = licenceRow{Licence: l, TypeLabel: l.Type}
		if t, ok := member.LookupLicenceType(l.Type); ok {
			out[i].TypeLabel = t.Label(lang)
		}
	}
	return out
}

// customerDetailPage shows one customer. Their orders are one click away,
// through the order search by e-mail address.
func (s *Server) customerDetailPage(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d, err := s.members.MemberDetail(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "customers_detail", customerDetailView{Detail: d,
		Licences: licenceRows(info(r).Lang, d.Licences), Done: orderDone(r)})
}
