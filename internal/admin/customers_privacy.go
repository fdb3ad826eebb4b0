package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"kaede/internal/privacy"
	"kaede/internal/shop"
)

// customerID reads the customer in the path; a bad id names nobody.
func customerID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, shop.Errorf(shop.NotFound, "no such customer")
	}
	return id, nil
}

// customerDisclosure is the customer's disclosure file (開示請求) for staff
// to hand over: the same JSON the member downloads from my page, audited
// with the member of staff who took it.
func (s *Server) customerDisclosure(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	set, err := s.settings.Get(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	doc, err := privacy.Disclose(r.Context(), s.members, s.orders, set.ShopName, id, orderActor(r), s.now())
	if err != nil {
		s.renderError(w, r, fmt.Errorf("admin: disclosure of customer %d: %w", id, err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="customer-%d-disclosure.json"`, id))
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		s.log.Warn("disclosure: write", "customer", id, "error", err)
	}
}

// customerEraseAction deletes the customer's personal data at their
// request, with the reason for the audit log (member.Erase).
func (s *Server) customerEraseAction(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	if err := s.members.Erase(r.Context(), id, f.Raw("reason"), orderActor(r)); err != nil {
		d, derr := s.members.MemberDetail(r.Context(), id)
		if derr != nil {
			s.renderError(w, r, derr)
			return
		}
		s.renderForm(w, r, "customers_detail", customerDetailView{Detail: d, Licences: licenceRows(info(r).Lang, d.Licences)}, err)
		return
	}
	http.Redirect(w, r, Prefix+"customers/"+strconv.FormatInt(id, 10)+"?done=erased", http.StatusSeeOther)
}
