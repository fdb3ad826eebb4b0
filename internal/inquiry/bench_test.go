package inquiry_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/inquiry"
)

// seedTickets writes n tickets with plain SQL, a third of them about
// incident 7, spread over states and a year.
func seedTickets(b *testing.B, d *db.DB, n int) {
	b.Helper()
	states := []string{"new", "open", "waiting_customer", "closed", "closed", "closed"}
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		for i := range n {
			at := t0.Add(-time.Duration(i) * time.Hour)
			var incident any
			if i%3 == 0 {
				incident = int64(7)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO inquiry_tickets (created_at, updated_at, name, email, topic, body,
					incident_id, state, due_at, client_ip) VALUES ($1, $1, '山田 花子', $2, 'order', '質問', $3, $4, $5, '203.0.113.7')`,
				at, fmt.Sprintf("c%d@example.jp", i), incident, states[i%len(states)], at.Add(24*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// eachDB runs the benchmark on a desk over 10,000 tickets on SQLite and,
// when KAEDE_TEST_POSTGRES is set, on PostgreSQL.
func eachDB(b *testing.B, fn func(b *testing.B, desk *inquiry.Service)) {
	dbs := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite}
	if dbtest.WantPostgres() {
		dbs["postgres"] = dbtest.Postgres
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) {
			d := open(b)
			seedTickets(b, d, 10000)
			fn(b, inquiry.New(d, nil, nil, func() time.Time { return t0 }, inquiry.DefaultLimits()))
		})
	}
}

// BenchmarkCounts is what the incident desk calls for its page: the
// counts of one incident's tickets among 10,000.
func BenchmarkCounts(b *testing.B) {
	eachDB(b, func(b *testing.B, desk *inquiry.Service) {
		for b.Loop() {
			if _, err := desk.Counts(ctx, 7); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSearchOverdue is the admin's overdue list among 10,000
// tickets, first page.
func BenchmarkSearchOverdue(b *testing.B) {
	eachDB(b, func(b *testing.B, desk *inquiry.Service) {
		for b.Loop() {
			if _, _, err := desk.Search(ctx, inquiry.Query{State: inquiry.Active, Overdue: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
