package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"kaede/internal/edge"
	"kaede/internal/member"
	"kaede/internal/shop"
)

// sessionCookie carries the session id; member.Sessions keeps the rows
// and decides how long an idle session lives.
const sessionCookie = "kaede_session"

// Session is what a handler knows about the browser it is serving.
type Session struct {
	MemberID int64  // 0 for a guest
	CartID   string // "" until the visitor has a cart
}

// sessionState is the session of one request. The id is the raw cookie
// value: it is sent to the browser and hashed for the database, and never
// logged. A guest may have an id (it keys the CSRF token) with no row yet:
// the row is written only when there is something to keep, so crawlers
// reading the catalogue write nothing.
type sessionState struct {
	id       string
	stored   bool
	memberID int64
	cartID   string
	lastSeen time.Time
}

// CurrentSession returns the session of the request: who is logged in and
// which cart is theirs.
func CurrentSession(r *http.Request) Session {
	st := info(r).session
	return Session{MemberID: st.memberID, CartID: st.cartID}
}

// newSessionID returns 32 random bytes, base64url without padding.
func newSessionID() string { return edge.RandomToken() }

// validSessionID reports whether a cookie value could be one of our ids,
// so that junk never reaches a query.
func validSessionID(v string) bool {
	if len(v) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == 32
}

// loadSession reads the session named by the cookie. The API uses no
// cookies and gets an empty session, as do files and health checks, which
// need none and should cost no query.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) || sessionless(r) {
			next.ServeHTTP(w, r)
			return
		}
		c, err := r.Cookie(sessionCookie)
		if err != nil || !validSessionID(c.Value) {
			next.ServeHTTP(w, r)
			return
		}
		st := info(r).session
		st.id = c.Value
		if err := s.readSession(w, r, st); err != nil {
			s.respondError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readSession fills st from its row, forgets an expired session, and
// renews the cookie when the session's idle expiry was extended.
func (s *Server) readSession(w http.ResponseWriter, r *http.Request, st *sessionState) error {
	sess, touched, err := s.sessions.Resume(r.Context(), st.id)
	switch {
	case errors.Is(err, member.ErrSessionExpired):
		// A fresh id is issued when one is next needed; the old one is
		// never reused.
		*st = sessionState{}
		s.expireSessionCookie(w)
		return nil
	case shop.ErrorCode(err) == shop.NotFound:
		return nil // an id with no row yet: a guest who has stored nothing
	case err != nil:
		return err
	}
	st.stored, st.memberID, st.cartID, st.lastSeen = true, sess.MemberID, sess.CartID, sess.LastSeen
	if touched {
		s.setSessionCookie(w, st.id, member.IdleFor(st.memberID))
	}
	return nil
}

// ensureSessionID gives the request a session id if it has none, sending
// the cookie; it writes no row.
func (s *Server) ensureSessionID(w http.ResponseWriter, r *http.Request) string {
	st := info(r).session
	if st.id == "" {
		st.id = newSessionID()
		s.setSessionCookie(w, st.id, member.GuestIdle)
	}
	return st.id
}

// SetMember logs memberID in. It always gives the session a new id (and
// the browser a new cookie), so that an id planted before login — session
// fixation — is worth nothing after it. The cart is kept.
func (s *Server) SetMember(w http.ResponseWriter, r *http.Request, memberID int64) error {
	if memberID <= 0 {
		return fmt.Errorf("set member: bad member id %d", memberID)
	}
	st := info(r).session
	oldID := ""
	if st.stored {
		oldID = st.id
	}
	newID := newSessionID()
	sess, err := s.sessions.LogIn(r.Context(), oldID, newID, memberID, st.cartID)
	if err != nil {
		return err
	}
	*st = sessionState{id: newID, stored: true, memberID: memberID, cartID: sess.CartID, lastSeen: sess.LastSeen}
	s.setSessionCookie(w, newID, member.MemberIdle)
	return nil
}

// SetCart remembers the visitor's cart, writing the session row (and
// sending the cookie) if this is the first thing the session keeps.
func (s *Server) SetCart(w http.ResponseWriter, r *http.Request, cartID string) error {
	if cartID == "" {
		return errors.New("set cart: empty cart id")
	}
	st := info(r).session
	id := s.ensureSessionID(w, r)
	sess, err := s.sessions.SetCart(r.Context(), id, st.memberID, cartID)
	if err != nil {
		return err
	}
	st.stored, st.cartID, st.lastSeen = true, sess.CartID, sess.LastSeen
	return nil
}

// Logout ends the session: its row is deleted and the cookie expired. The
// next page gets a fresh guest session.
func (s *Server) Logout(w http.ResponseWriter, r *http.Request) error {
	st := info(r).session
	if st.id != "" {
		if err := s.sessions.Delete(r.Context(), st.id); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
	}
	*st = sessionState{}
	s.expireSessionCookie(w)
	return nil
}

// logoutAction is the header's logout button.
func (s *Server) logoutAction(w http.ResponseWriter, r *http.Request) {
	if err := s.Logout(w, r); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) setSessionCookie(w http.ResponseWriter, id string, idle time.Duration) {
	s.cookies.Set(w, sessionCookie, id, idle)
}

func (s *Server) expireSessionCookie(w http.ResponseWriter) { s.cookies.Set(w, sessionCookie, "", -1) }
