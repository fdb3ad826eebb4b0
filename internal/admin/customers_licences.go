package admin

import (
	"net/http"
	"strconv"

	"kaede/internal/shop"
)

// licenceQueueView is the page of licences awaiting review.
type licenceQueueView struct {
	Licences []licenceRow
	Queue    bool // always true: the licence table lists every member's
	Done     string
}

// licenceQueuePage lists the licences awaiting review, oldest first, so
// that staff work through them in the order they came.
func (s *Server) licenceQueuePage(w http.ResponseWriter, r *http.Request) {
	view, err := s.licenceQueue(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Done = orderDone(r)
	s.render(w, r, http.StatusOK, "customers_licences", view)
}

func (s *Server) licenceQueue(r *http.Request) (licenceQueueView, error) {
	list, err := s.members.PendingLicences(r.Context())
	if err != nil {
		return licenceQueueView{}, err
	}
	return licenceQueueView{Licences: licenceRows(info(r).Lang, list), Queue: true}, nil
}

// licenceApproveAction approves a licence: the member becomes an approved
// practitioner and sees practitioners-only products at once.
func (s *Server) licenceApproveAction(w http.ResponseWriter, r *http.Request) {
	s.licenceReview(w, r, true)
}

// licenceRejectAction rejects a licence; the note tells the member why.
func (s *Server) licenceRejectAction(w http.ResponseWriter, r *http.Request) {
	s.licenceReview(w, r, false)
}

// licenceReview records the decision through member.ReviewLicenceBy,
// which records the reviewer and the date, e-mails the member and audits
// the decision in one transaction. It returns to the page the form was on:
// the customer's page (from=customer) or the queue.
func (s *Server) licenceReview(w http.ResponseWriter, r *http.Request, approve bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such licence"))
		return
	}
	f := newForm(r)
	l, err := s.members.ReviewLicenceBy(r.Context(), id, approve, f.Raw("note"), orderActor(r))
	if err != nil {
		view, qerr := s.licenceQueue(r)
		if qerr != nil {
			s.renderError(w, r, qerr)
			return
		}
		s.orderRefusal(w, r, "customers_licences", view, err, "licences.conflict")
		return
	}
	done := "rejected"
	if approve {
		done = "approved"
	}
	if f.String("from") == "customer" {
		http.Redirect(w, r, Prefix+"customers/"+itoa(l.MemberID)+"?done="+done, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"licences?done="+done, http.StatusSeeOther)
}
