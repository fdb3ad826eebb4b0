package admin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"kaede/internal/edge"
	"kaede/internal/inquiry"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// inquiryPageSize is how many tickets one page of the list shows.
const inquiryPageSize = 50

// inquiryListView is the ticket list's data.
type inquiryListView struct {
	Tickets []inquiryRow
	Pager   edge.Pager
	// Counts are every ticket's, for the line above the filters.
	Counts inquiry.Counts
	// The filters' choices.
	States    []inquiry.State
	Assignees []staff.Staff
	Filtered  bool
}

// inquiryRow is a ticket as the list shows it.
type inquiryRow struct {
	inquiry.Ticket
	Overdue  bool
	Assignee string // the assignee's e-mail address, "" for nobody
}

// The list's filter values that are not a state or an id.
const (
	filterAll        = "all"  // state: every state
	filterMe         = "me"   // assignee: the logged-in member of staff
	filterUnassigned = "none" // assignee: nobody
)

// inquiryQuery reads the list's filters: state (default: the active
// tickets), incident, assignee, overdue, q, page.
func (s *Server) inquiryQuery(r *http.Request) (inquiry.Query, int, error) {
	f := newForm(r)
	page := f.Page("page")
	q := inquiry.Query{IncidentID: f.Int64("incident"), Overdue: f.Bool("overdue"), Q: f.String("q"),
		Limit: inquiryPageSize, Offset: (page - 1) * inquiryPageSize}
	switch st := f.String("state"); st {
	case "":
		q.State = inquiry.Active
	case filterAll:
	default:
		q.State = st
	}
	switch a := f.String("assignee"); a {
	case "":
	case filterMe:
		q.Assignee = info(r).staff.ID
	case filterUnassigned:
		q.Assignee = inquiry.Unassigned
	default:
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			f.Fail("assignee", shop.ReasonChoice)
		}
		q.Assignee = id
	}
	return q, page, f.Err()
}

// inquiryListPage lists the tickets, newest first, a page at a time: by
// default the active ones; filters for state, incident, assignee and
// overdue, and a search by number, name, e-mail or order number.
func (s *Server) inquiryListPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	view := inquiryListView{States: inquiry.States}
	var err error
	if view.Assignees, err = s.staff.Granted(ctx, staff.InquiriesWrite); err != nil {
		s.renderError(w, r, err)
		return
	}
	if view.Counts, err = s.inquiries.Counts(ctx, 0); err != nil {
		s.renderError(w, r, err)
		return
	}
	q, page, err := s.inquiryQuery(r)
	view.Filtered = r.URL.RawQuery != ""
	if err != nil {
		s.inquiryRefusal(w, r, "inquiries_list", view, err, "")
		return
	}
	list, total, err := s.inquiries.Search(ctx, q)
	if err != nil {
		s.inquiryRefusal(w, r, "inquiries_list", view, err, "")
		return
	}
	if view.Tickets, err = s.inquiryRows(ctx, list, view.Assignees); err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Pager = edge.NewPager(Prefix+"inquiries", r.URL.Query(), page, inquiryPageSize, total)
	s.render(w, r, http.StatusOK, "inquiries_list", view)
}

// inquiryRows adds to each ticket whether it is overdue and its
// assignee's address.
func (s *Server) inquiryRows(ctx context.Context, list []inquiry.Ticket, assignees []staff.Staff) ([]inquiryRow, error) {
	names := map[int64]string{}
	for _, m := range assignees {
		names[m.ID] = m.Email
	}
	now := s.now()
	out := make([]inquiryRow, len(list))
	for i, t := range list {
		name, err := s.staffName(ctx, names, t.AssigneeID)
		if err != nil {
			return nil, err
		}
		out[i] = inquiryRow{Ticket: t, Overdue: t.Overdue(now), Assignee: name}
	}
	return out, nil
}

// staffName is the e-mail address of the member of staff with the id,
// from names or else read (a disabled account keeps its tickets), and
// remembered in names; "" for 0.
func (s *Server) staffName(ctx context.Context, names map[int64]string, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	if n, ok := names[id]; ok {
		return n, nil
	}
	m, err := s.staff.Get(ctx, id)
	if err != nil {
		return "", err
	}
	names[id] = m.Email
	return m.Email, nil
}

// inquiryRefusal shows page name again after the inquiry desk refused an
// action: bad input (Invalid, 422) with a sentence per field, a change
// the ticket's state does not allow (Conflict, 409) with conflictKey's
// sentence. Anything else gets the error page.
func (s *Server) inquiryRefusal(w http.ResponseWriter, r *http.Request, name string, data any, err error, conflictKey string) {
	code := shop.ErrorCode(err)
	if code != shop.Invalid && (code != shop.Conflict || conflictKey == "") {
		s.renderError(w, r, err)
		return
	}
	p := s.newPage(w, r, data)
	p.Errors = map[string]string{}
	for field, reason := range shop.ErrorFields(err) {
		p.Errors[field] = inquiryFieldMessage(p.Lang, field, reason)
	}
	key := "error.invalid"
	if code == shop.Conflict {
		key = conflictKey
	}
	p.Errors["_form"] = ui.Admin.T(p.Lang, key)
	s.writePage(w, r, edge.Status(err), name, p)
}

// inquiryFieldMessage is fieldMessage with the inquiry pages' own field
// labels ("inquiries.field.NAME").
func inquiryFieldMessage(lang, field, reason string) string {
	if !ui.Admin.Has("inquiries.field." + field) {
		return fieldMessage(lang, field, reason)
	}
	key := "reason." + reason
	if !ui.Admin.Has(key) {
		key = "reason.other"
	}
	return ui.Admin.T(lang, key, ui.Admin.T(lang, "inquiries.field."+field))
}

// inquiryURL is a ticket's page, with a confirmation.
func inquiryURL(number, done string) string {
	u := Prefix + "inquiries/" + url.PathEscape(number)
	if done != "" {
		u += "?done=" + done
	}
	return u
}
