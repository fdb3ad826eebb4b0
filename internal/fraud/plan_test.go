package fraud

import (
	"strings"
	"testing"

	"kaede/internal/db/dbtest"
)

// TestWindowReadsOnlyCountedAttempts: SQLite answers a window's read of
// one session, address or e-mail from the index of counted attempts
// (migration 0106), so that refused attempts, which a card tester piles up
// by the thousand, are never walked past inside the writers' transaction.
func TestWindowReadsOnlyCountedAttempts(t *testing.T) {
	d := dbtest.SQLite(t)
	for _, column := range []string{"session_hash", "ip", "email_hash"} {
		var id, parent, unused int
		var plan string
		err := d.QueryRow(`EXPLAIN QUERY PLAN `+windowQuery(column), "2026-01-01 00:00:00", 10, "x").
			Scan(&id, &parent, &unused, &plan)
		if err != nil {
			t.Fatalf("%s: %v", column, err)
		}
		if !strings.Contains(plan, "_counted") {
			t.Errorf("%s: the window is read by %q, want an index of counted attempts", column, plan)
		}
	}
}

// TestBreakerAndStatusReadIndexesAlone: the shop-wide breaker's window
// reads the index of failures (not every decided attempt), and the
// admin's counts read an index that holds the outcome (migration 0107).
func TestBreakerAndStatusReadIndexesAlone(t *testing.T) {
	d := dbtest.SQLite(t)
	for _, tt := range []struct {
		name, query string
		args        []any
		want        string
	}{
		{"breaker window", windowQuery(""), []any{"2026-01-01 00:00:00", 10}, "INDEX fraud_attempts_failed"},
		{"status: started", startedSQL, []any{"2026-01-01 00:00:00"}, "COVERING INDEX fraud_attempts_created"},
		{"status: outcomes", outcomesSQL, []any{"2026-01-01 00:00:00"}, "COVERING INDEX fraud_attempts_decided"},
	} {
		var id, parent, unused int
		var plan string
		if err := d.QueryRow(`EXPLAIN QUERY PLAN `+tt.query, tt.args...).Scan(&id, &parent, &unused, &plan); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !strings.Contains(plan, tt.want) {
			t.Errorf("%s: read by %q, want %s", tt.name, plan, tt.want)
		}
	}
}
