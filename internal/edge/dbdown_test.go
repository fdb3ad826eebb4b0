package edge_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"kaede/internal/edge"
	"kaede/internal/shop"
)

// resultCode stands for a SQLite driver's error, which reports its result
// code by a method.
type resultCode int

func (c resultCode) Error() string { return fmt.Sprintf("sqlite: code %d", int(c)) }
func (c resultCode) Code() int     { return int(c) }

func TestDatabaseDown(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		down bool
	}{
		{"connection refused", fmt.Errorf("checkout: %w", refused), true},
		{"reset by peer", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"bad connection", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"cut mid-answer", fmt.Errorf("scan: %w", io.ErrUnexpectedEOF), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{"starting up", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}), true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"disk full on PostgreSQL", &pgconn.PgError{Code: "53100"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"SQLite disk full", fmt.Errorf("order: %w", resultCode(13)), true},
		{"SQLite write I/O error", resultCode(10 | 3<<8), true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"SQLite constraint", resultCode(19), false},
		{"SQLite busy past busy_timeout", resultCode(5), true},
		{"SQLite busy snapshot", resultCode(5 | 2<<8), true},
		{"plain bug", errors.New("nil map"), false},
		{"not found", shop.Errorf(shop.NotFound, "x"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := edge.DatabaseDown(tt.err); got != tt.down {
			t.Errorf("%s: DatabaseDown(%v)=%v, want %v", tt.name, tt.err, got, tt.down)
		}
	}
}

// A database that cannot answer is a 503 with Retry-After and the
// "unavailable" sentence, on every edge; a shop error keeps its own status.
func TestDatabaseDownAnswer(t *testing.T) {
	down := fmt.Errorf("catalog: list: %w", &pgconn.PgError{Code: "57P01"})
	if got := edge.Status(down); got != 503 {
		t.Errorf("Status=%d, want 503", got)
	}
	if got := edge.MessageKey(down); got != "error.unavailable" {
		t.Errorf("MessageKey=%q, want error.unavailable", got)
	}
	w := httptest.NewRecorder()
	edge.SetRetryAfter(w, down)
	if got := w.Header().Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After=%q, want 5", got)
	}
	if got := shop.ErrorCode(edge.Refine(down)); got != shop.Unavailable {
		t.Errorf("Refine code=%q, want unavailable", got)
	}
	conflict := shop.Errorf(shop.Conflict, "x")
	if got := edge.Refine(conflict); got != conflict {
		t.Errorf("Refine(conflict)=%v, want it unchanged", got)
	}
	w = httptest.NewRecorder()
	edge.SetRetryAfter(w, errors.New("bug"))
	if got := w.Header().Get("Retry-After"); got != "" {
		t.Errorf("Retry-After=%q for a bug, want none", got)
	}
}
