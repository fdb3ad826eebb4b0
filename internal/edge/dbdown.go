package edge

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"kaede/internal/shop"
)

// RetryDatabase is how long a client is asked to wait (Retry-After) when
// the database cannot answer: about the time PostgreSQL takes to restart,
// or a pool to reconnect.
const RetryDatabase = 5 * time.Second

// errDatabaseDown is what a client hears when the database cannot answer.
// The "unavailable" sentence ("paused for the moment") is true of it; the
// detail goes to the operator's log only.
var errDatabaseDown = &shop.Error{Code: shop.Unavailable, Message: "the shop cannot reach its database (or a service it needs); try again shortly",
	RetryAfter: RetryDatabase}

// DatabaseDown reports whether err says that the database cannot be
// reached or cannot write for now, rather than that a request or the code
// is wrong: the connection refused, reset or cut, PostgreSQL shutting
// down or starting up (57P01–57P03), out of connections or disk (class
// 53), a connection exception (class 08), SQLite's disk full or I/O
// error, or its write lock still held by another after busy_timeout. Such a failure is a 503 with Retry-After, not a 500: it ends by
// itself when the database is back. The edges cannot import the drivers,
// so the errors are recognised by what they implement.
func DatabaseDown(err error) bool {
	if err == nil {
		return false
	}
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		s := state.SQLState()
		switch {
		case strings.HasPrefix(s, "08"), strings.HasPrefix(s, "53"),
			s == "57P01", s == "57P02", s == "57P03":
			return true
		}
	}
	var code interface{ Code() int }
	if errors.As(err, &code) {
		// The primary result code is the low byte of an extended one.
		switch code.Code() & 0xff {
		case sqliteBusy, sqliteLocked, sqliteIOErr, sqliteFull, sqliteCantOpen:
			return true
		}
	}
	var op *net.OpError
	return errors.As(err, &op) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ENOSPC) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF)
}

// SQLite's primary result codes for a lock not had within busy_timeout,
// an I/O failure, a full disk (or max_page_count reached) and a database
// file that cannot be opened.
const (
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
)

// Refine returns err as a client is to be told of it: a database that
// cannot answer becomes a shop.Unavailable with RetryAfter; anything else
// is returned as it is. The original error is for the log.
func Refine(err error) error {
	if shop.ErrorCode(err) == shop.Internal && DatabaseDown(err) {
		return errDatabaseDown
	}
	return err
}
