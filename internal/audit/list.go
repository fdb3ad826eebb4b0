package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/db"
)

// Filter selects entries for List. Zero fields do not filter.
type Filter struct {
	Actor  string
	Action string
	Target string
	From   time.Time // inclusive
	To     time.Time // exclusive
	Limit  int       // default 100, at most 1000
	Offset int
}

// List limits.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

const entryColumns = `id, at, actor, action, target, before_json, after_json, ip, prev_hash, hash`

// List returns the entries that match f, newest first, for auditors.
func List(ctx context.Context, d *db.DB, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Target != "" {
		add("target = ?", f.Target)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UTC())
	}
	q := `SELECT ` + entryColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	args = append(args, limit, max(f.Offset, 0))
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	rows, err := d.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &e.Before, &e.After, &e.IP, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, err
}
