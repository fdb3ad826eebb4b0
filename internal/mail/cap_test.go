package mail_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
)

// Mail bombing (issue 8, item 4): ten messages to one address in a
// moment, with text the sender chose. Past the cap nothing is queued, the
// held-back messages are recorded without their bodies, and other
// recipients, urgent alerts and the next hour are not affected.
func TestRecipientCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
		q := mail.NewTestQueue(func() time.Time { return now })
		q.LimitRecipients(func(context.Context) (int, error) { return 3, nil }, nil)
		enqueue := func(m mail.Message) int64 {
			t.Helper()
			var id int64
			if err := d.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				id, err = q.Enqueue(ctx, tx, m)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return id
		}
		queued := 0
		spellings := []string{"victim@example.jp", "Victim@Example.JP", "攻撃者の文章 <VICTIM@example.jp>"}
		for i := range 10 {
			if enqueue(mail.Message{Kind: "order_confirmation", To: spellings[i%3], Subject: "ご注文", Body: "攻撃者の文章 " + fmt.Sprint(i)}) != 0 {
				queued++
			}
		}
		t.Logf("10 messages to one address: %d queued", queued)
		if queued != 3 {
			t.Fatalf("queued %d, want 3", queued)
		}
		capped, err := mail.CappedSince(ctx, d, now.Add(-time.Minute))
		if err != nil || capped != 7 {
			t.Fatalf("capped %d (%v), want 7", capped, err)
		}
		var bodies int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_messages WHERE body LIKE '%攻撃者%'`).Scan(&bodies); err != nil || bodies != 3 {
			t.Fatalf("bodies stored %d (%v), want only the 3 queued", bodies, err)
		}
		for _, m := range []mail.Message{
			{Kind: "verify_email", To: "someone@example.jp", Subject: "確認", Body: "本文"},
			{Kind: "security_alert", To: "victim@example.jp", Subject: "警告", Body: "本文", Urgent: true},
		} {
			if enqueue(m) == 0 {
				t.Fatalf("%s to %s was capped", m.Kind, m.To)
			}
		}
		if enqueue(mail.Message{Kind: "password_reset", To: "victim@example.jp", Subject: "再設定", Body: "本文"}) != 0 {
			t.Fatal("a reset past the cap was queued: the cap is across kinds")
		}
		now = now.Add(time.Hour + time.Second)
		if enqueue(mail.Message{Kind: "password_reset", To: "victim@example.jp", Subject: "再設定", Body: "本文"}) == 0 {
			t.Fatal("an hour later the reset was still capped")
		}
		var cols string
		if err := d.QueryRowContext(ctx, `SELECT kind || ' ' || rcpt_hash FROM mail_capped ORDER BY id LIMIT 1`).Scan(&cols); err != nil ||
			strings.Contains(cols, "victim") {
			t.Fatalf("capped record %q (%v): the address must be hashed", cols, err)
		}
	})
}
