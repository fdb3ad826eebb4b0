package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"kaede/internal/member"
	"kaede/internal/shop"
)

// addressesView is the data of account_addresses: the address book and
// the form to add one.
type addressesView struct {
	Addresses []member.Address
	// PostcodeNote says what 「住所を検索」 filled in, or why it could not.
	PostcodeNote string
}

// addressesView reads the member's address book.
func (s *Server) addressesView(r *http.Request) (addressesView, error) {
	list, err := s.members.ListAddresses(r.Context(), CurrentSession(r).MemberID)
	if err != nil {
		return addressesView{}, fmt.Errorf("account: addresses: %w", err)
	}
	return addressesView{Addresses: list}, nil
}

// addressesPage lists the member's delivery addresses.
func (s *Server) addressesPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.addressesView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_addresses", v)
}

// addressAdd saves a new delivery address.
func (s *Server) addressAdd(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	if r.PostForm.Has(lookupButton) {
		s.addressLookup(w, r)
		return
	}
	in := shop.Address{
		Name:       f.String("name"),
		NameKana:   f.String("name_kana"),
		PostalCode: f.String("postal_code"),
		Prefecture: f.Int("prefecture"),
		City:       f.String("city"),
		Line1:      f.String("line1"),
		Line2:      f.String("line2"),
		Phone:      f.String("phone"),
	}
	err := f.Err()
	if err == nil {
		_, err = s.members.AddAddress(r.Context(), CurrentSession(r).MemberID, in, f.Bool("default"))
	}
	if err != nil {
		s.renderAddressForm(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/addresses", http.StatusSeeOther)
}

// addressLookup is the address form's 「住所を検索」: the address book again
// with the form filled from the postal code; nothing is saved.
func (s *Server) addressLookup(w http.ResponseWriter, r *http.Request) {
	note, err := fillFromPostcode(info(r).Lang, r.PostForm, "")
	if err != nil {
		s.renderAddressForm(w, r, err)
		return
	}
	v, err := s.addressesView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.PostcodeNote = note
	s.render(w, r, http.StatusOK, "account_addresses", v)
}

// renderAddressForm shows the address book again with the failed form.
func (s *Server) renderAddressForm(w http.ResponseWriter, r *http.Request, err error) {
	v, verr := s.addressesView(r)
	if verr != nil {
		s.renderError(w, r, verr)
		return
	}
	s.renderForm(w, r, "account_addresses", v, err)
}

// addressDelete removes an address; another member's is not found.
func (s *Server) addressDelete(w http.ResponseWriter, r *http.Request) {
	s.addressAction(w, r, s.members.DeleteAddress)
}

// addressSetDefault makes an address the one checkout preselects.
func (s *Server) addressSetDefault(w http.ResponseWriter, r *http.Request) {
	s.addressAction(w, r, s.members.SetDefaultAddress)
}

// addressAction applies do to the address in the path and goes back to
// the address book. An id that is not a number names no address: 404.
func (s *Server) addressAction(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, memberID, addressID int64) error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := do(r.Context(), CurrentSession(r).MemberID, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/addresses", http.StatusSeeOther)
}
