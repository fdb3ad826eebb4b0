package admin

import (
	"net/http"

	"kaede/internal/staff"
)

// inquiryRoutes are the routes of the inquiry desk (お問い合わせ): the
// ticket list, a ticket with its thread and actions, and the canned
// replies. Groups as in routes.
//
// Reading tickets is open to every role that answers customers (and to
// the auditor); replying, notes, assignment, states and canned replies
// need InquiriesWrite. Each action is audited by the inquiry service in
// its own transaction. Without an inquiry desk (tests of the admin's
// foundation) the URLs are 404.
func (s *Server) inquiryRoutes(mux *http.ServeMux) {
	if s.inquiries == nil {
		return
	}
	mux.Handle("GET "+Prefix+"inquiries", s.can(staff.InquiriesRead, s.inquiryListPage))
	mux.Handle("GET "+Prefix+"canned", s.can(staff.InquiriesRead, s.cannedListPage))
	mux.Handle("POST "+Prefix+"canned", s.can(staff.InquiriesWrite, s.cannedCreateAction))
	mux.Handle("GET "+Prefix+"canned/{id}", s.can(staff.InquiriesWrite, s.cannedEditPage))
	mux.Handle("POST "+Prefix+"canned/{id}", s.can(staff.InquiriesWrite, s.cannedUpdateAction))
	mux.Handle("POST "+Prefix+"canned/{id}/delete", s.can(staff.InquiriesWrite, s.cannedDeleteAction))
	mux.Handle("GET "+Prefix+"inquiries/{number}", s.can(staff.InquiriesRead, s.inquiryPage))
	mux.Handle("POST "+Prefix+"inquiries/{number}/reply", s.can(staff.InquiriesWrite, s.inquiryReplyAction))
	mux.Handle("POST "+Prefix+"inquiries/{number}/note", s.can(staff.InquiriesWrite, s.inquiryNoteAction))
	mux.Handle("POST "+Prefix+"inquiries/{number}/assign", s.can(staff.InquiriesWrite, s.inquiryAssignAction))
	mux.Handle("POST "+Prefix+"inquiries/{number}/state", s.can(staff.InquiriesWrite, s.inquiryStateAction))
	mux.Handle("POST "+Prefix+"inquiries/{number}/incident", s.can(staff.InquiriesWrite, s.inquiryIncidentAction))
}
