package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
)

// The store's one list of periodic tasks holds a pruner for every table
// that keeps data past its use, and the job runner runs them: rows a year
// old, written before the store starts, are gone soon after it starts (the
// tasks run at start; nothing else deletes them); rows of today stay.
func TestPeriodicTasksPrune(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Addr: "127.0.0.1:0", Demo: true, MailFrom: "shop@kaede.example",
		Secret: strings.Repeat("x", 32)}
	cfg.finish()
	ctx := context.Background()
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateAll(ctx, d); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	old := now.AddDate(-1, 0, 0)
	closedLongAgo := now.AddDate(-3, 0, 0) // past the two years closed inquiries are kept
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO fraud_attempts (session_hash, ip, email_hash, outcome, created_at) VALUES ('s', '203.0.113.1', 'e', 'declined', $1)`, []any{old}},
		{`INSERT INTO fraud_ip_blocks (ip, blocked_at, blocked_until) VALUES ('203.0.113.1', $1, $1)`, []any{old}},
		{`INSERT INTO idempotency_keys (key_hash, request_hash, created_at) VALUES ('k', 'r', $1)`, []any{old}},
		{`INSERT INTO members (id, email, password_hash, name, created_at) VALUES (1, 'taro@example.jp', 'x', '山田 太郎', $1)`, []any{old}},
		{`INSERT INTO member_tokens (token_hash, member_id, purpose, created_at, expires_at) VALUES ('t', 1, 'reset', $1, $1)`, []any{old}},
		{`INSERT INTO sessions (id_hash, member_id, created_at, last_seen_at, expires_at) VALUES ('c', 1, $1, $1, $1)`, []any{old}},
		{`INSERT INTO staff (id, email, role, created_at) VALUES (1, 'owner@example.jp', 'owner', $1)`, []any{old}},
		{`INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at, second_factor_at, ip, user_agent, ua_hash)
			VALUES ('s', 1, $1, $1, $1, '192.0.2.1', 'test', 'u')`, []any{old}},
		{`INSERT INTO staff_pending_logins (token_hash, staff_id, ip, created_at, expires_at) VALUES ('p', 1, '192.0.2.1', $1, $1)`, []any{old}},
		{`INSERT INTO carts (id, created_at, updated_at) VALUES ('abandoned', $1, $1)`, []any{old}},
		{`INSERT INTO carts (id, created_at, updated_at) VALUES ('today', $1, $1)`, []any{now}},
		{`INSERT INTO inquiry_tickets (id, created_at, updated_at, name, email, topic, body, state, due_at, closed_at)
			VALUES (1, $1, $1, '山田 太郎', 'taro@example.jp', 'other', '質問', 'closed', $1, $1)`, []any{closedLongAgo}},
		{`INSERT INTO inquiry_messages (ticket_id, kind, body, author, created_at) VALUES (1, 'reply', '回答', 'owner@example.jp', $1)`, []any{closedLongAgo}},
		{`INSERT INTO inquiry_tickets (id, created_at, updated_at, name, email, topic, body, state, due_at, closed_at)
			VALUES (2, $1, $1, '山田 太郎', 'taro@example.jp', 'other', '質問', 'closed', $1, $1)`, []any{now}},
	} {
		if _, err := d.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })

	tables := []string{"fraud_attempts", "fraud_ip_blocks", "idempotency_keys", "member_tokens", "sessions",
		"staff_sessions", "staff_pending_logins", "inquiry_messages"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := map[string]int{}
		for _, table := range tables {
			var n int
			where := ""
			if table == "sessions" {
				// The tamper monitor's walk, at start, has a session of its own.
				where = ` WHERE id_hash = 'c'`
			}
			if err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+where).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				left[table] = n
			}
		}
		var abandoned int
		if err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM carts WHERE id = 'abandoned'`).Scan(&abandoned); err != nil {
			t.Fatal(err)
		}
		if abandoned > 0 {
			left["carts"] = abandoned
		}
		var oldInquiries int
		if err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inquiry_tickets WHERE id = 1`).Scan(&oldInquiries); err != nil {
			t.Fatal(err)
		}
		if oldInquiries > 0 {
			left["inquiry_tickets"] = oldInquiries
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after start, year-old rows are left: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var today int
	if err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM carts WHERE id = 'today'`).Scan(&today); err != nil {
		t.Fatal(err)
	}
	if today != 1 {
		t.Fatal("today's cart was pruned")
	}
	if err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inquiry_tickets WHERE id = 2`).Scan(&today); err != nil {
		t.Fatal(err)
	}
	if today != 1 {
		t.Fatal("an inquiry closed today was pruned")
	}

}
