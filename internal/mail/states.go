package mail

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"kaede/internal/db"
)

// State is where the delivery of one stored message stands: what a
// capability that sends many messages (the incident notifications) shows
// as its progress, without reading the outbox's table itself.
type State struct {
	Status    string // one of the Status… values
	Attempts  int
	LastError string
	SentAt    time.Time // zero unless Status is sent
}

// statesChunk bounds the ids of one query: PostgreSQL takes 65,535
// parameters, SQLite 32,766, and a short IN list stays quick on both.
const statesChunk = 500

// States returns the delivery state of each message in ids that exists;
// an id with no message is left out of the map.
func States(ctx context.Context, d *db.DB, ids []int64) (map[int64]State, error) {
	out := make(map[int64]State, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), statesChunk)
		if err := states(ctx, d, ids[:n], out); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

func states(ctx context.Context, d *db.DB, ids []int64, out map[int64]State) error {
	var a db.Args
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = a.Add(id)
	}
	rows, err := d.QueryContext(ctx, `SELECT id, status, attempts, last_error, sent_at FROM mail_messages
		WHERE id IN (`+strings.Join(marks, ", ")+`)`, a...)
	if err != nil {
		return fmt.Errorf("mail states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s State
		var sent sql.NullTime
		if err := rows.Scan(&id, &s.Status, &s.Attempts, &s.LastError, &sent); err != nil {
			return fmt.Errorf("mail states: %w", err)
		}
		if sent.Valid {
			s.SentAt = sent.Time.UTC()
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mail states: %w", err)
	}
	return nil
}
