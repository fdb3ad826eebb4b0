package audit

import (
	"context"
	"database/sql"
	"fmt"

	"kaede/internal/db"
)

// Reasons a chain is broken, as ChainError.Reason.
const (
	// ReasonEdited: the entry's fields no longer match its hash.
	ReasonEdited = "edited"
	// ReasonLink: the entry's prev_hash is not the previous entry's hash,
	// so an entry before it was inserted, deleted or rewritten.
	ReasonLink = "inserted or deleted before this entry"
	// ReasonDeleted: the entry with this id is missing.
	ReasonDeleted = "deleted"
	// ReasonHead: the chain's last entry is not the one audit_head
	// recorded: entries were appended behind Append's back or the last
	// ones deleted.
	ReasonHead = "does not match the recorded head"
)

// ChainError says where the chain first breaks: the id of the first broken
// (or missing) entry and why.
type ChainError struct {
	ID     int64
	Reason string // one of the Reason… constants
	Detail string // the hashes or ids that disagree
}

// Error implements error.
func (e *ChainError) Error() string {
	return fmt.Sprintf("audit log entry %d: %s (%s)", e.ID, e.Reason, e.Detail)
}

// Verify walks the whole chain in id order, recomputing each hash, and
// compares its end with audit_head. It returns the number of entries, and
// a *ChainError for the first break it finds.
func Verify(ctx context.Context, d *db.DB) (count int, err error) {
	err = d.ReadTx(ctx, func(tx *sql.Tx) error {
		var headID int64
		var headHash string
		if err := tx.QueryRowContext(ctx, `SELECT last_id, hash FROM audit_head WHERE id = 1`).Scan(&headID, &headHash); err != nil {
			return fmt.Errorf("read audit head: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+entryColumns+` FROM audit_log ORDER BY id`)
		if err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		defer rows.Close()
		want := Genesis
		var last int64
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return fmt.Errorf("read audit log: %w", err)
			}
			// Order matters: a missing id explains a broken link, and a
			// broken link explains a hash computed over another prev_hash.
			switch {
			case e.ID != last+1:
				return &ChainError{ID: last + 1, Reason: ReasonDeleted,
					Detail: fmt.Sprintf("entry %d follows entry %d", e.ID, last)}
			case e.PrevHash != want:
				return &ChainError{ID: e.ID, Reason: ReasonLink,
					Detail: fmt.Sprintf("prev_hash %s, previous entry's hash %s", e.PrevHash, want)}
			case hashEntry(e) != e.Hash:
				return &ChainError{ID: e.ID, Reason: ReasonEdited,
					Detail: fmt.Sprintf("stored hash %s, fields hash to %s", e.Hash, hashEntry(e))}
			}
			want, last = e.Hash, e.ID
			count++
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		switch {
		case last < headID:
			return &ChainError{ID: last + 1, Reason: ReasonDeleted,
				Detail: fmt.Sprintf("the log ends at entry %d, the head records entry %d", last, headID)}
		case last > headID || want != headHash:
			return &ChainError{ID: last, Reason: ReasonHead,
				Detail: fmt.Sprintf("last entry %d hash %s, head records entry %d hash %s", last, want, headID, headHash)}
		}
		return nil
	})
	return count, err
}

// Head returns the id and hash of the chain's last entry, for anchoring
// outside the database (a daily e-mail or log line): whoever can rewrite
// the whole table and its head can rebuild a valid chain, but cannot
// change a hash already sent elsewhere.
func Head(ctx context.Context, d *db.DB) (id int64, hash string, err error) {
	err = d.QueryRowContext(ctx, `SELECT last_id, hash FROM audit_head WHERE id = 1`).Scan(&id, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("read audit head: %w", err)
	}
	return id, hash, nil
}
