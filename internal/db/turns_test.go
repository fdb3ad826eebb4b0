package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"kaede/internal/db/dbtest"
)

// TestWritersOutsideTxTakeTurns: writers that do not go through Tx —
// single statements on the store's pool and transactions on the job
// queue's — take the same turn, so a crowd of them beside store
// transactions neither waits out busy_timeout nor starves Tx of a
// connection. Before, the queue's writers held every connection while they
// waited and a Tx holding the turn waited for a connection until 503.
func TestWritersOutsideTxTakeTurns(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if _, err := d.ExecContext(ctx, `CREATE TABLE turns_test (who TEXT NOT NULL, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 28)
	// More of the queue's writers than the store's pool has connections.
	kind := func(w int) int { return min(w/4, 2) }
	for w := range 28 {
		wg.Go(func() {
			for i := range each {
				var err error
				switch kind(w) {
				case 0: // the store's transactions
					err = d.Tx(ctx, func(tx *sql.Tx) error {
						_, err := tx.ExecContext(ctx, `INSERT INTO turns_test (who, n) VALUES ('tx', $1)`, i)
						return err
					})
				case 1: // a single statement on the store's pool
					_, err = d.ExecContext(ctx, `INSERT INTO turns_test (who, n) VALUES ('exec', $1)`, i)
				case 2: // the job queue's own transactions and statements
					var tx *sql.Tx
					if tx, err = d.Queue().BeginTx(ctx, nil); err == nil {
						_, err = tx.ExecContext(ctx, `INSERT INTO turns_test (who, n) VALUES ('queue', $1)`, i)
						if err == nil {
							err = tx.Commit()
						} else {
							tx.Rollback()
						}
					}
					if err == nil {
						var n int
						err = d.Queue().QueryRowContext(ctx, `INSERT INTO turns_test (who, n) VALUES ('returning', $1) RETURNING n`, i).Scan(&n)
					}
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d, write %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM turns_test`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	// 4 store transactions, 4 single statements, 20 of the queue's writing twice.
	if want := 4*each + 4*each + 20*each*2; n != want {
		t.Errorf("rows: %d, want %d", n, want)
	}
}

// TestStatementCache, through database/sql on a real SQLite file (that a
// statement is prepared once is TestStmtCacheReusesAndEvicts'): a
// statement run again sees its own arguments and rows; the same text
// run while its rows are still open gets a statement of its own; more
// texts than the cache holds push out the least recently used without
// breaking rows still open; a script of several statements still runs
// whole; and a schema change under a kept statement is followed.
func TestStatementCache(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	// One connection, so that every statement meets the same cache.
	conn, err := d.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE cache_test (n INTEGER NOT NULL); INSERT INTO cache_test VALUES (1); INSERT INTO cache_test VALUES (2); INSERT INTO cache_test VALUES (3)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM cache_test`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("a script: %d rows, %v; want 3", n, err)
	}
	for want := range 3 {
		var got int
		if err := conn.QueryRowContext(ctx, `SELECT n FROM cache_test WHERE n = $1`, want+1).Scan(&got); err != nil || got != want+1 {
			t.Fatalf("run %d: %d, %v", want, got, err)
		}
	}

	// The same text nested in its own open rows.
	const all = `SELECT n FROM cache_test ORDER BY n`
	outer, err := conn.QueryContext(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	var pairs int
	for outer.Next() {
		var a int
		if err := outer.Scan(&a); err != nil {
			t.Fatal(err)
		}
		inner, err := conn.QueryContext(ctx, all)
		if err != nil {
			t.Fatalf("nested: %v", err)
		}
		for inner.Next() {
			pairs++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		// Many other texts while the outer rows are open push it out of the cache.
		for i := range 100 {
			if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + n FROM cache_test WHERE n = 1`, i)).Scan(new(int)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatalf("outer rows after their statement left the cache: %v", err)
	}
	outer.Close()
	if pairs != 9 {
		t.Errorf("nested rows: %d pairs, want 9", pairs)
	}

	// A kept statement follows a schema change.
	const read = `SELECT * FROM cache_test WHERE n = 2`
	cols := func() int {
		rows, err := conn.QueryContext(ctx, read)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return len(c)
	}
	if got := cols(); got != 1 {
		t.Fatalf("columns: %d", got)
	}
	if _, err := conn.ExecContext(ctx, `ALTER TABLE cache_test ADD COLUMN m INTEGER NOT NULL DEFAULT 7`); err != nil {
		t.Fatal(err)
	}
	if got := cols(); got != 2 {
		t.Errorf("columns after ALTER TABLE: %d, want 2", got)
	}
}

// TestVacuumIntoWhileWriting: a backup (VACUUM INTO, a read of one
// snapshot) does not wait for the turn to write, nor make writers wait:
// it runs beside a transaction that holds the turn.
func TestVacuumIntoWhileWriting(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "copy.db")
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('during', '1', '2026-01-01 00:00:00')`); err != nil {
			return err
		}
		_, err := d.ExecContext(ctx, `VACUUM INTO $1`, file)
		return err
	})
	// Had it waited for the turn the writer holds, it would have failed
	// after busy_timeout with SQLITE_BUSY.
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no copy: %v", err)
	}
}
