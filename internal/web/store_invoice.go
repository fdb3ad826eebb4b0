package web

import (
	"net/http"

	"kaede/internal/settings"
)

// invoiceOffered reports whether checkout offers the monthly invoice to
// the viewer: the shop has it on and billing has approved the member.
func (s *Server) invoiceOffered(r *http.Request, st settings.Settings) (bool, error) {
	if s.billing == nil || !st.MonthlyInvoice.Enabled {
		return false, nil
	}
	viewer, err := s.viewer(r)
	if err != nil {
		return false, err
	}
	return s.billing.Offered(r.Context(), viewer.MemberID)
}
