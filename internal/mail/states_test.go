package mail_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
)

// TestStates reads the delivery state of more messages than one query
// takes, and leaves out an id with no message.
func TestStates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := mail.NewTestQueue(testClock)
		var ids []int64
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			for i := range 1203 {
				m := order
				m.To = fmt.Sprintf("c%d@example.jp", i)
				id, err := q.Enqueue(ctx, tx, m)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE mail_messages SET status = 'failed', attempts = 13, last_error = 'SMTP RCPT TO: 550' WHERE id = $1`, ids[700]); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE mail_messages SET status = 'sent', attempts = 1, sent_at = $2 WHERE id = $1`, ids[1202], testNow); err != nil {
			t.Fatal(err)
		}
		got, err := mail.States(ctx, d, append(ids, ids[len(ids)-1]+1000))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids) {
			t.Fatalf("states of %d messages, want %d", len(got), len(ids))
		}
		if s := got[ids[700]]; s.Status != mail.StatusFailed || s.Attempts != 13 || s.LastError != "SMTP RCPT TO: 550" {
			t.Fatalf("failed message: %+v", s)
		}
		if s := got[ids[1202]]; s.Status != mail.StatusSent || !s.SentAt.Equal(testNow) {
			t.Fatalf("sent message: %+v", s)
		}
		if s := got[ids[0]]; s.Status != mail.StatusQueued || !s.SentAt.IsZero() {
			t.Fatalf("queued message: %+v", s)
		}
	})
}
