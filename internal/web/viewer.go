package web

import (
	"net/http"

	"kaede/internal/member"
	"kaede/internal/shop"
)

// currentMember returns the logged-in member, or nil for a guest. A session
// whose member no longer exists counts as a guest.
func (s *Server) currentMember(r *http.Request) (*member.Member, error) {
	id := CurrentSession(r).MemberID
	if id == 0 {
		return nil, nil
	}
	m, err := s.members.Get(r.Context(), id)
	if shop.ErrorCode(err) == shop.NotFound {
		return nil, nil
	}
	return m, err
}

// viewer is who the request's prices and products are for: a guest, a
// member, or an approved practitioner.
func (s *Server) viewer(r *http.Request) (shop.Viewer, error) {
	m, err := s.currentMember(r)
	if err != nil || m == nil {
		return shop.Viewer{}, err
	}
	return m.Viewer(), nil
}
