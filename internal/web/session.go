package web

import (
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"kaede/internal/edge"
)

// The session cookie and how long an idle session lives. A member stays
// logged in for a month of inactivity; a guest's cart is kept for a week.
const (
	sessionCookie = "kaede_session"
	guestIdle     = 7 * 24 * time.Hour
	memberIdle    = 30 * 24 * time.Hour
	// touchEvery limits last_seen_at updates to one a minute per session,
	// so that browsing does not write to the database on every request.
	touchEvery = time.Minute
)

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

// hashSessionID is what the sessions table keeps instead of the id.
func hashSessionID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func idleFor(memberID int64) time.Duration {
	if memberID != 0 {
		return memberIdle
	}
	return guestIdle
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
// refreshes the idle expiry at most once a minute.
func (s *Server) readSession(w http.ResponseWriter, r *http.Request, st *sessionState) error {
	ctx := r.Context()
	now := s.now()
	var member sql.NullInt64
	var cart sql.NullString
	var expires time.Time
	err := s.db.QueryRowContext(ctx, `SELECT member_id, cart_id, last_seen_at, expires_at
		FROM sessions WHERE id_hash = $1`, hashSessionID(st.id)).Scan(&member, &cart, &st.lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // an id with no row yet: a guest who has stored nothing
	}
	if err != nil {
		return fmt.Errorf("read session: %w", err)
	}
	if !now.Before(expires) {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashSessionID(st.id)); err != nil {
			return fmt.Errorf("delete expired session: %w", err)
		}
		// A fresh id is issued when one is next needed; the old one is
		// never reused.
		*st = sessionState{}
		s.expireSessionCookie(w)
		return nil
	}
	st.stored, st.memberID, st.cartID = true, member.Int64, cart.String
	if now.Sub(st.lastSeen) < touchEvery {
		return nil
	}
	idle := idleFor(st.memberID)
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3`,
		now, now.Add(idle), hashSessionID(st.id)); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	st.lastSeen = now
	s.setSessionCookie(w, st.id, idle)
	return nil
}

// ensureSessionID gives the request a session id if it has none, sending
// the cookie; it writes no row.
func (s *Server) ensureSessionID(w http.ResponseWriter, r *http.Request) string {
	st := info(r).session
	if st.id == "" {
		st.id = newSessionID()
		s.setSessionCookie(w, st.id, guestIdle)
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
	newID := newSessionID()
	now := s.now()
	err := s.db.Tx(r.Context(), func(tx *sql.Tx) error {
		if st.stored {
			if _, err := tx.ExecContext(r.Context(), `DELETE FROM sessions WHERE id_hash = $1`, hashSessionID(st.id)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(r.Context(), `INSERT INTO sessions
			(id_hash, member_id, cart_id, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $4, $5)`,
			hashSessionID(newID), memberID, nullString(st.cartID), now, now.Add(memberIdle))
		return err
	})
	if err != nil {
		return fmt.Errorf("set member %d: %w", memberID, err)
	}
	*st = sessionState{id: newID, stored: true, memberID: memberID, cartID: st.cartID, lastSeen: now}
	s.setSessionCookie(w, newID, memberIdle)
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
	now := s.now()
	idle := idleFor(st.memberID)
	// An upsert, because two first requests of a new visitor (two tabs)
	// may both create the row.
	_, err := s.db.ExecContext(r.Context(), `INSERT INTO sessions
		(id_hash, member_id, cart_id, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $4, $5)
		ON CONFLICT (id_hash) DO UPDATE SET cart_id = excluded.cart_id,
			last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at`,
		hashSessionID(id), nullInt64(st.memberID), cartID, now, now.Add(idle))
	if err != nil {
		return fmt.Errorf("set cart: %w", err)
	}
	st.stored, st.cartID, st.lastSeen = true, cartID, now
	return nil
}

// Logout ends the session: its row is deleted and the cookie expired. The
// next page gets a fresh guest session.
func (s *Server) Logout(w http.ResponseWriter, r *http.Request) error {
	st := info(r).session
	if st.id != "" {
		if _, err := s.db.ExecContext(r.Context(), `DELETE FROM sessions WHERE id_hash = $1`, hashSessionID(st.id)); err != nil {
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

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullInt64(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: n != 0} }
