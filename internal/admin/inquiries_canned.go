package admin

import (
	"net/http"
	"net/url"

	"kaede/internal/inquiry"
)

// cannedView is the canned replies' page: the list and the form for a new
// one, or the form of one being edited.
type cannedView struct {
	List   []inquiry.Canned
	Canned *inquiry.Canned // the one being edited; nil on the list
	Values url.Values
	Done   string
}

// cannedDone are the confirmations of the canned replies' actions.
var cannedDone = map[string]string{
	"created": "canned.done.created", "saved": "canned.done.saved", "deleted": "canned.done.deleted",
}

// cannedListPage lists the canned replies, with the form for a new one
// for a role that may write them.
func (s *Server) cannedListPage(w http.ResponseWriter, r *http.Request) {
	s.showCannedList(w, r, nil)
}

// showCannedList renders the list; err, when not nil, is why the new
// canned reply was refused.
func (s *Server) showCannedList(w http.ResponseWriter, r *http.Request, err error) {
	list, lerr := s.inquiries.CannedReplies(r.Context())
	if lerr != nil {
		s.renderError(w, r, lerr)
		return
	}
	v := cannedView{List: list, Values: url.Values{}, Done: cannedDone[r.URL.Query().Get("done")]}
	if err != nil {
		v.Values = r.PostForm
		s.inquiryRefusal(w, r, "inquiries_canned", v, err, "")
		return
	}
	s.render(w, r, http.StatusOK, "inquiries_canned", v)
}

// cannedFromForm reads the canned reply form; the body is kept as typed.
func cannedFromForm(r *http.Request) inquiry.Canned {
	f := newForm(r)
	return inquiry.Canned{Title: f.String("title"), Body: f.Raw("body")}
}

// cannedCreateAction stores a new canned reply; the service audits it.
func (s *Server) cannedCreateAction(w http.ResponseWriter, r *http.Request) {
	if _, err := s.inquiries.CreateCanned(r.Context(), cannedFromForm(r), orderActor(r)); err != nil {
		s.showCannedList(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"canned?done=created", http.StatusSeeOther)
}

// cannedEditPage is one canned reply's form.
func (s *Server) cannedEditPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.cannedOfPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "inquiries_canned", cannedView{Canned: c,
		Values: url.Values{"title": {c.Title}, "body": {c.Body}}})
}

// cannedOfPath reads the canned reply the path names.
func (s *Server) cannedOfPath(r *http.Request) (*inquiry.Canned, error) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.inquiries.CannedReply(r.Context(), id)
}

// cannedUpdateAction saves a canned reply; the service audits it before
// and after.
func (s *Server) cannedUpdateAction(w http.ResponseWriter, r *http.Request) {
	c, err := s.cannedOfPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.inquiries.UpdateCanned(r.Context(), c.ID, cannedFromForm(r), orderActor(r)); err != nil {
		s.inquiryRefusal(w, r, "inquiries_canned", cannedView{Canned: c, Values: r.PostForm}, err, "")
		return
	}
	http.Redirect(w, r, Prefix+"canned?done=saved", http.StatusSeeOther)
}

// cannedDeleteAction deletes a canned reply; the audit entry keeps what
// it said.
func (s *Server) cannedDeleteAction(w http.ResponseWriter, r *http.Request) {
	c, err := s.cannedOfPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.inquiries.DeleteCanned(r.Context(), c.ID, orderActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"canned?done=deleted", http.StatusSeeOther)
}
