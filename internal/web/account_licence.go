package web

import (
	"fmt"
	"net/http"

	"kaede/internal/member"
)

// licenceRow is a submitted licence as the member sees it.
type licenceRow struct {
	member.Licence
	TypeLabel string // in the page's language
}

// licenceOption is one choice of the licence type select.
type licenceOption struct {
	Key   string
	Label string
}

// licenceView is the data of account_licence.
type licenceView struct {
	Licences []licenceRow
	Types    []licenceOption
	// Approved is set once a licence was approved: the page then stops
	// offering the form, which an approved practitioner has no use for.
	Approved bool
}

// licenceView reads the member's licences, labelled in the page's language.
func (s *Server) licenceView(r *http.Request) (licenceView, error) {
	lang := info(r).Lang
	list, err := s.members.LicencesFor(r.Context(), CurrentSession(r).MemberID)
	if err != nil {
		return licenceView{}, fmt.Errorf("account: licences: %w", err)
	}
	v := licenceView{}
	for _, l := range list {
		row := licenceRow{Licence: l, TypeLabel: l.Type}
		if t, ok := member.LookupLicenceType(l.Type); ok {
			row.TypeLabel = t.Label(lang)
		}
		v.Licences = append(v.Licences, row)
		v.Approved = v.Approved || l.Status == member.LicenceApproved
	}
	for _, t := range member.LicenceTypes {
		v.Types = append(v.Types, licenceOption{Key: t.Key, Label: t.Label(lang)})
	}
	return v, nil
}

// licencePage shows the member's licences and the form to submit one.
func (s *Server) licencePage(w http.ResponseWriter, r *http.Request) {
	v, err := s.licenceView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_licence", v)
}

// licenceSubmit records a licence for the shop to review.
func (s *Server) licenceSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	_, err := s.members.SubmitLicence(r.Context(), CurrentSession(r).MemberID, f.String("licence_type"), f.String("licence_number"))
	if err != nil {
		v, verr := s.licenceView(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.renderForm(w, r, "account_licence", v, err)
		return
	}
	http.Redirect(w, r, "/account/licence", http.StatusSeeOther)
}
