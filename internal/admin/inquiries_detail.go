package admin

import (
	"net/http"
	"strconv"
	"strings"

	"kaede/internal/inquiry"
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// inquiryView is a ticket's page: the customer's message and details,
// links to their account and orders, the thread of replies and notes, and
// the forms that act on it.
type inquiryView struct {
	Ticket   *inquiry.Ticket
	Thread   []inquiry.Message
	Overdue  bool
	Assignee string // the assignee's e-mail address, "" for nobody
	// Incident is the title of the ticket's incident, "" when unknown.
	Incident string
	// Orders are the customer's orders (same e-mail address), newest
	// first, for a role that reads orders.
	Orders []order.Order
	// The forms' choices: whom to assign, which states it may move to,
	// the canned replies; CanLink says incidents can be linked by hand.
	Assignees []staff.Staff
	Moves     []inquiry.State
	Canned    []inquiry.Canned
	CanLink   bool
	// ReplyText is the reply form's text: what was typed, a canned reply
	// inserted.
	ReplyText string
	Done      string
}

// inquiryDone are the confirmations an action may ask its page to show.
var inquiryDone = map[string]string{
	"replied": "inquiries.done.replied", "noted": "inquiries.done.noted", "assigned": "inquiries.done.assigned",
	"moved": "inquiries.done.moved", "linked": "inquiries.done.linked",
}

// customerOrdersShown bounds the orders listed on a ticket; the link to
// the order search shows them all.
const customerOrdersShown = 10

// inquiryView reads the ticket of the path and what its page shows.
func (s *Server) inquiryView(r *http.Request) (inquiryView, error) {
	ctx := r.Context()
	number := r.PathValue("number")
	t, err := s.inquiries.Get(ctx, number)
	if err != nil {
		return inquiryView{}, err
	}
	v := inquiryView{Ticket: t, Overdue: t.Overdue(s.now()), Done: inquiryDone[r.URL.Query().Get("done")],
		CanLink: s.incidentTitle != nil}
	if v.Thread, err = s.inquiries.Thread(ctx, t.Number); err != nil {
		return inquiryView{}, err
	}
	if v.Assignees, err = s.staff.Granted(ctx, staff.InquiriesWrite); err != nil {
		return inquiryView{}, err
	}
	names := map[int64]string{}
	for _, m := range v.Assignees {
		names[m.ID] = m.Email
	}
	if v.Assignee, err = s.staffName(ctx, names, t.AssigneeID); err != nil {
		return inquiryView{}, err
	}
	for _, st := range inquiry.States {
		if t.State.CanMoveTo(st) {
			v.Moves = append(v.Moves, st)
		}
	}
	if v.Canned, err = s.inquiries.CannedReplies(ctx); err != nil {
		return inquiryView{}, err
	}
	if t.IncidentID != 0 && s.incidentTitle != nil {
		v.Incident, err = s.incidentTitle(ctx, t.IncidentID, info(r).Lang)
		if err != nil && shop.ErrorCode(err) != shop.NotFound {
			return inquiryView{}, err
		}
	}
	if info(r).staff.Role.Can(staff.OrdersRead) {
		if v.Orders, err = s.customerOrders(r, t.Email); err != nil {
			return inquiryView{}, err
		}
	}
	return v, nil
}

// customerOrders are the orders placed with the e-mail address. The order
// search matches part of an address, so the list keeps exact matches.
func (s *Server) customerOrders(r *http.Request, email string) ([]order.Order, error) {
	list, _, err := s.orders.Search(r.Context(), order.AdminQuery{Q: email, Limit: order.MaxSearchLimit})
	if shop.ErrorCode(err) == shop.Invalid {
		return nil, nil // an address longer than a search: no list, the link remains
	}
	if err != nil {
		return nil, err
	}
	var out []order.Order
	for _, o := range list {
		if strings.EqualFold(o.Email, email) && len(out) < customerOrdersShown {
			out = append(out, o)
		}
	}
	return out, nil
}

// inquiryPage shows a ticket.
func (s *Server) inquiryPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.inquiryView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "inquiries_detail", v)
}

// inquiryRefused shows the ticket's page again with why an action was
// refused; text is what the reply form held.
func (s *Server) inquiryRefused(w http.ResponseWriter, r *http.Request, err error, conflictKey, text string) {
	v, verr := s.inquiryView(r)
	if verr != nil {
		s.renderError(w, r, verr)
		return
	}
	v.ReplyText = text
	s.inquiryRefusal(w, r, "inquiries_detail", v, err, conflictKey)
}

// inquiryReplyAction sends the reply form: "insert" puts the chosen
// canned reply, filled for this ticket, after what was typed and shows
// the form again (no script needed); "send" e-mails the reply, which the
// inquiry service records, audits and queues in one transaction.
func (s *Server) inquiryReplyAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	text := f.Raw("text")
	if f.String("do") == "insert" {
		s.insertCanned(w, r, f.Int64("canned"), text)
		return
	}
	_, err := s.inquiries.Reply(r.Context(), r.PathValue("number"), text, f.Bool("close"), orderActor(r))
	if err != nil {
		s.inquiryRefused(w, r, err, "inquiries.conflict.reply", text)
		return
	}
	http.Redirect(w, r, inquiryURL(r.PathValue("number"), "replied"), http.StatusSeeOther)
}

// insertCanned shows the ticket with the canned reply id added to the
// reply's text.
func (s *Server) insertCanned(w http.ResponseWriter, r *http.Request, id int64, text string) {
	if id <= 0 {
		s.inquiryRefused(w, r, shop.Problems{"canned": shop.ReasonRequired}.Err(), "", text)
		return
	}
	v, err := s.inquiryView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	c, err := s.inquiries.CannedReply(r.Context(), id)
	if shop.ErrorCode(err) == shop.NotFound {
		err = shop.Problems{"canned": shop.ReasonChoice}.Err()
	}
	if err != nil {
		s.inquiryRefused(w, r, err, "", text)
		return
	}
	v.ReplyText = c.Fill(v.Ticket)
	if t := strings.TrimRight(text, "\r\n "); t != "" {
		v.ReplyText = t + "\n\n" + v.ReplyText
	}
	s.render(w, r, http.StatusOK, "inquiries_detail", v)
}

// inquiryNoteAction adds an internal note, never sent to the customer.
func (s *Server) inquiryNoteAction(w http.ResponseWriter, r *http.Request) {
	_, err := s.inquiries.AddNote(r.Context(), r.PathValue("number"), newForm(r).Raw("note"), orderActor(r))
	if err != nil {
		s.inquiryRefused(w, r, err, "", "")
		return
	}
	http.Redirect(w, r, inquiryURL(r.PathValue("number"), "noted"), http.StatusSeeOther)
}

// inquiryAssignAction gives the ticket to a member of staff whose role
// answers inquiries, or to nobody ("").
func (s *Server) inquiryAssignAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	raw := newForm(r).String("assignee")
	var id int64
	if raw != "" {
		granted, err := s.staff.Granted(ctx, staff.InquiriesWrite)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		n, _ := strconv.ParseInt(raw, 10, 64)
		for _, m := range granted {
			if m.ID == n {
				id = n
			}
		}
		if id == 0 {
			s.inquiryRefused(w, r, shop.Problems{"assignee": shop.ReasonChoice}.Err(), "", "")
			return
		}
	}
	if err := s.inquiries.Assign(ctx, r.PathValue("number"), id, orderActor(r)); err != nil {
		s.inquiryRefused(w, r, err, "", "")
		return
	}
	http.Redirect(w, r, inquiryURL(r.PathValue("number"), "assigned"), http.StatusSeeOther)
}

// inquiryStateAction moves the ticket to another state: close, reopen,
// back to open.
func (s *Server) inquiryStateAction(w http.ResponseWriter, r *http.Request) {
	to := inquiry.State(newForm(r).String("state"))
	if err := s.inquiries.Move(r.Context(), r.PathValue("number"), to, orderActor(r)); err != nil {
		s.inquiryRefused(w, r, err, "inquiries.conflict.state", "")
		return
	}
	http.Redirect(w, r, inquiryURL(r.PathValue("number"), "moved"), http.StatusSeeOther)
}

// inquiryIncidentAction links the ticket to an incident (by its id) or
// unlinks it (empty), so that it counts on the incident's desk.
func (s *Server) inquiryIncidentAction(w http.ResponseWriter, r *http.Request) {
	if s.incidentTitle == nil {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no incidents"))
		return
	}
	f := newForm(r)
	id := f.Int64("incident")
	if err := f.Err(); err != nil {
		s.inquiryRefused(w, r, err, "", "")
		return
	}
	if id != 0 {
		var err error
		if id > 0 {
			_, err = s.incidentTitle(r.Context(), id, info(r).Lang)
		}
		if id < 0 || shop.ErrorCode(err) == shop.NotFound {
			err = shop.Problems{"incident": shop.ReasonChoice}.Err()
		}
		if err != nil {
			s.inquiryRefused(w, r, err, "", "")
			return
		}
	}
	if err := s.inquiries.SetIncident(r.Context(), r.PathValue("number"), id, orderActor(r)); err != nil {
		s.inquiryRefused(w, r, err, "", "")
		return
	}
	http.Redirect(w, r, inquiryURL(r.PathValue("number"), "linked"), http.StatusSeeOther)
}
