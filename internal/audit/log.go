package audit

import (
	"context"

	"kaede/internal/db"
)

// Log is the audit log as the admin's screens read it: the HTTP edge holds
// a Log rather than the database, so that it reaches the audit_log table
// only through this package.
type Log struct {
	db *db.DB
}

// NewLog returns the audit log on d.
func NewLog(d *db.DB) *Log { return &Log{db: d} }

// List returns the entries that match f, newest first (see List).
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) { return List(ctx, l.db, f) }

// Verify walks the whole chain (see Verify).
func (l *Log) Verify(ctx context.Context) (int, error) { return Verify(ctx, l.db) }

// Head returns the last entry's id and hash (see Head).
func (l *Log) Head(ctx context.Context) (int64, string, error) { return Head(ctx, l.db) }
