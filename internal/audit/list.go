package audit

import (
	"context"
	"fmt"
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
	var args db.Args
	if f.Actor != "" {
		where = append(where, "actor = "+args.Add(f.Actor))
	}
	if f.Action != "" {
		where = append(where, "action = "+args.Add(f.Action))
	}
	if f.Target != "" {
		where = append(where, "target = "+args.Add(f.Target))
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+args.Add(f.From.UTC()))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+args.Add(f.To.UTC()))
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
	q += ` ORDER BY id DESC LIMIT ` + args.Add(limit) + ` OFFSET ` + args.Add(max(f.Offset, 0))
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
