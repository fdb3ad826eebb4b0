package member

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"kaede/internal/db"
	"kaede/internal/readcache"
	"kaede/internal/shop"
)

// How long an idle store session lives: a member stays logged in for a
// month of inactivity; a guest's cart is kept for a week.
const (
	GuestIdle  = 7 * 24 * time.Hour
	MemberIdle = 30 * 24 * time.Hour
	// touchEvery limits last_seen_at updates to one a minute per session,
	// so that browsing does not write to the database on every request.
	touchEvery = time.Minute
)

// IdleFor is how long a session of memberID (0 for a guest) lives unused.
func IdleFor(memberID int64) time.Duration {
	if memberID != 0 {
		return MemberIdle
	}
	return GuestIdle
}

// ErrSessionExpired is Resume's answer for a session whose idle time ran
// out; the row is gone and the id must never be used again.
var ErrSessionExpired = shop.Errorf(shop.NotFound, "session expired")

// Session is what the store keeps about one browser: who is logged in and
// which cart is theirs.
type Session struct {
	MemberID int64  // 0 for a guest
	CartID   string // "" until the visitor has a cart
	LastSeen time.Time
}

// Sessions keeps the store's customer sessions (the sessions table), as
// staff.Service keeps the admin's. A session is named by the id in the
// browser's cookie; only its SHA-256 is stored, so a copy of the database
// logs nobody in.
type Sessions struct {
	db    *db.DB
	clock shop.Clock
	// cache holds the sessions this process read, by id hash (cache.go).
	cache readcache.Cache[string, storedSession]
}

// storedSession is a session's row as Resume needs it.
type storedSession struct {
	Session
	expires time.Time
}

// NewSessions returns the customer sessions on d.
func NewSessions(d *db.DB, clock shop.Clock) *Sessions {
	s := &Sessions{db: d, clock: clock}
	d.OnChange(func() { s.cache.Forget() }, sessionsTopic)
	return s
}

// hashSessionID is what the sessions table keeps instead of the id.
func hashSessionID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// Resume reads the session with the id for a new request. An id with no
// row is a NotFound error (a guest who has stored nothing yet); an expired
// session is deleted and reported as ErrSessionExpired. The idle expiry is
// extended at most once a minute; touched reports that it was, so that the
// caller renews the cookie too. A session read in the last second comes
// from this process's cache unless a change to a session was announced
// since (cache.go); its expiry, and whether it is due to be extended, are
// still decided against the clock, and in the database once either is
// the case.
func (s *Sessions) Resume(ctx context.Context, id string) (sess Session, touched bool, err error) {
	now := s.clock()
	hash := hashSessionID(id)
	c, gen, ok := s.cache.Get(hash, now)
	if ok && now.Before(c.expires) && now.Sub(c.LastSeen) < touchEvery {
		return c.Session, false, nil
	}
	var member sql.NullInt64
	var cart sql.NullString
	var expires time.Time
	err = s.db.QueryRowContext(ctx, `SELECT member_id, cart_id, last_seen_at, expires_at
		FROM sessions WHERE id_hash = $1`, hash).Scan(&member, &cart, &sess.LastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, false, shop.Errorf(shop.NotFound, "no session")
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("read session: %w", err)
	}
	if !now.Before(expires) {
		if err := s.Delete(ctx, id); err != nil {
			return Session{}, false, err
		}
		return Session{}, false, ErrSessionExpired
	}
	sess.MemberID, sess.CartID = member.Int64, cart.String
	if now.Sub(sess.LastSeen) >= touchEvery {
		expires = now.Add(IdleFor(sess.MemberID))
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3`,
			now, expires, hash); err != nil {
			return Session{}, false, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeen, touched = now, true
	}
	s.cache.Put(hash, gen, storedSession{Session: sess, expires: expires}, now)
	return sess, touched, nil
}

// LogIn replaces the session oldID ("" for none) with a new session newID
// of memberID, keeping the cart, in one transaction. The caller issues a
// fresh id at every login, so that an id planted before it (session
// fixation) is worth nothing after it.
func (s *Sessions) LogIn(ctx context.Context, oldID, newID string, memberID int64, cartID string) (Session, error) {
	if memberID <= 0 {
		return Session{}, fmt.Errorf("log in: bad member id %d", memberID)
	}
	now := s.clock()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if oldID != "" {
			if err := deleteSession(ctx, s.db, tx, oldID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions
			(id_hash, member_id, cart_id, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $4, $5)`,
			hashSessionID(newID), memberID, nullString(cartID), now, now.Add(MemberIdle))
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("log in member %d: %w", memberID, err)
	}
	return Session{MemberID: memberID, CartID: cartID, LastSeen: now}, nil
}

// SetCart remembers the cart of the session id (memberID 0 for a guest),
// creating the row if this is the first thing the session keeps.
func (s *Sessions) SetCart(ctx context.Context, id string, memberID int64, cartID string) (Session, error) {
	if cartID == "" {
		return Session{}, errors.New("set cart: empty cart id")
	}
	now := s.clock()
	hash := hashSessionID(id)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// A new row first: no process can have cached a session that had
		// none (Resume keeps only rows), so a guest's first cart announces
		// nothing. Two first requests of a new visitor (two tabs) may both
		// try; the second changes the first's row, as for any session
		// that had one.
		res, err := tx.ExecContext(ctx, `INSERT INTO sessions
			(id_hash, member_id, cart_id, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $4, $5)
			ON CONFLICT (id_hash) DO NOTHING`,
			hash, nullInt64(memberID), cartID, now, now.Add(IdleFor(memberID)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET cart_id = $1, last_seen_at = $2, expires_at = $3
			WHERE id_hash = $4`, cartID, now, now.Add(IdleFor(memberID)), hash); err != nil {
			return err
		}
		return s.db.Announce(ctx, tx, sessionsTopic)
	})
	if err != nil {
		return Session{}, fmt.Errorf("set cart: %w", err)
	}
	return Session{MemberID: memberID, CartID: cartID, LastSeen: now}, nil
}

// Delete ends the session id (logout); an id with no row is no error.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error { return deleteSession(ctx, s.db, tx, id) }); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// deleteSession deletes the session id in tx and, if there was one,
// tells every process to stop trusting the copy it may have cached.
func deleteSession(ctx context.Context, d *db.DB, tx *sql.Tx, id string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashSessionID(id))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return d.Announce(ctx, tx, sessionsTopic)
}

// endMemberSessions deletes every session of the member in tx (a password
// changed or reset, an account closed), announced to every process's
// cache.
func endMemberSessions(ctx context.Context, d *db.DB, tx *sql.Tx, memberID int64) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE member_id = $1`, memberID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return n, err
	}
	return n, d.Announce(ctx, tx, sessionsTopic)
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullInt64(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: n != 0} }
