package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// queuedWriters holds SQLite's writing goroutine in a transaction until
// release is closed, and starts each of fns as a writer of its own, one
// after another, so that they wait in that order and run in one batch
// with the first when it ends. It returns each writer's error, in order.
func queuedWriters(t *testing.T, d *db.DB, release chan struct{}, fns ...func(*sql.Tx) error) []error {
	t.Helper()
	ctx := context.Background()
	errs := make([]error, len(fns))
	done := make(chan int, len(fns))
	for i, fn := range fns {
		go func() {
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("panicked: %v", p)
				}
				done <- i
			}()
			errs[i] = d.Tx(ctx, fn)
		}()
		// Each waits in line before the next comes: generous, for the
		// race detector on a busy machine, since the order is asserted.
		time.Sleep(200 * time.Millisecond)
	}
	close(release)
	for range fns {
		<-done
	}
	return errs
}

func insertKey(key string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO settings (key, value, updated_at) VALUES ($1, '1', '2026-01-01 00:00:00')`, key)
		return err
	}
}

func keys(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.Query(`SELECT key FROM settings WHERE key LIKE 'w%' ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		out = append(out, k)
	}
	return out
}

// TestBatchedWritersFailAlone runs writers in one batch: the ones that
// fail (an error, a panic) leave nothing behind and say so, the others
// commit, and a panic reaches its own writer's goroutine.
func TestBatchedWritersFailAlone(t *testing.T) {
	db.LongBatches(t)
	d := dbtest.SQLite(t)
	release := make(chan struct{})
	boom := errors.New("boom")
	errs := queuedWriters(t, d, release,
		func(tx *sql.Tx) error { <-release; return insertKey("w0")(tx) },
		insertKey("w1"),
		func(tx *sql.Tx) error { insertKey("w2")(tx); return boom },
		insertKey("w3"),
		func(tx *sql.Tx) error { insertKey("w4")(tx); panic("w4 panics") },
		insertKey("w5"),
		// A writer that takes a key an earlier one of its batch wrote.
		insertKey("w1"),
	)
	if errs[0] != nil || errs[1] != nil || errs[3] != nil || errs[5] != nil {
		t.Fatalf("writers that succeeded: %v", errs)
	}
	if !errors.Is(errs[2], boom) || errs[4] == nil || errs[4].Error() != "panicked: w4 panics" || !db.IsUniqueViolation(errs[6]) {
		t.Fatalf("writers that failed: %v, want boom, the panic and a unique violation", errs)
	}
	if got, want := keys(t, d), []string{"w0", "w1", "w3", "w5"}; !slices.Equal(got, want) {
		t.Fatalf("committed %v, want %v", got, want)
	}
}

// TestBatchEndedBySQLite: a writer ends the batch's transaction under the
// others (as SQLite does on a full disk or an I/O error). Nothing of the
// writers before it in the batch is committed, each says so, none runs
// outside a transaction, and the writers after it commit in the next.
func TestBatchEndedBySQLite(t *testing.T) {
	db.LongBatches(t)
	d := dbtest.SQLite(t)
	release := make(chan struct{})
	errs := queuedWriters(t, d, release,
		func(tx *sql.Tx) error { <-release; return insertKey("w0")(tx) },
		insertKey("w1"),
		func(tx *sql.Tx) error {
			if err := insertKey("w2")(tx); err != nil {
				return err
			}
			_, err := tx.Exec(`ROLLBACK`)
			return err
		},
		insertKey("w3"),
		insertKey("w4"),
	)
	for i, err := range errs[:3] {
		if err == nil {
			t.Errorf("writer %d of the ended batch: no error", i)
		}
	}
	if errs[3] != nil || errs[4] != nil {
		t.Fatalf("writers after the ended batch: %v", errs[3:])
	}
	if got, want := keys(t, d), []string{"w3", "w4"}; !slices.Equal(got, want) {
		t.Fatalf("committed %v, want %v", got, want)
	}
}

// TestBatchedWriterIgnoresItsContextOnceRunning: a writer whose context
// ends while its statement writes is not interrupted (an interrupted write
// rolls back SQLite's whole transaction, the batch's other writers' too);
// its next statement is refused, and a writer whose context ended before
// it began does not run.
func TestBatchedWriterIgnoresItsContextOnceRunning(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertKey("w0")(tx); err != nil {
			return err
		}
		// Long enough to be running when the context ends.
		stop := time.AfterFunc(5*time.Millisecond, cancel)
		defer stop.Stop()
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at)
			SELECT 'w1', COUNT(*), '2026-01-01 00:00:00' FROM (
				WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000) SELECT x FROM c)`)
		if err != nil {
			return fmt.Errorf("the running statement: %w", err)
		}
		if ctx.Err() == nil {
			t.Error("the statement ended before its context: make it longer")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('w2', '1', '2026-01-01 00:00:00')`); err == nil {
			return errors.New("a statement begun after the context ended ran")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("writer whose context ended while it ran: %v", err)
	}
	if err := d.Tx(ctx, insertKey("w3")); !errors.Is(err, context.Canceled) {
		t.Fatalf("writer whose context had ended: %v, want context.Canceled", err)
	}
	if got, want := keys(t, d), []string{"w0", "w1"}; !slices.Equal(got, want) {
		t.Fatalf("committed %v, want %v", got, want)
	}
	var counted string
	if err := d.QueryRow(`SELECT value FROM settings WHERE key = 'w1'`).Scan(&counted); err != nil || counted != "500000" {
		t.Fatalf("the long statement wrote %q (%v), want 500000", counted, err)
	}
}

// TestWritersKeepTheirConnection: every batch runs on the one connection
// the writing goroutine keeps, with its larger page cache and its
// temporary files in memory, while reads outside a transaction keep the
// pool's.
func TestWritersKeepTheirConnection(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	cacheSize := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int {
		t.Helper()
		var n int
		if err := q.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 3 {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if n := cacheSize(tx); n != -db.WriterCacheKiB {
				t.Errorf("batch %d: cache_size %d, want %d", i, n, -db.WriterCacheKiB)
			}
			var store int
			if err := tx.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&store); err != nil {
				return err
			}
			if store != 2 {
				t.Errorf("batch %d: temp_store %d, want 2 (memory: the members' savepoints)", i, store)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := cacheSize(d); n == -db.WriterCacheKiB {
		t.Errorf("a read outside a transaction ran with the writer's cache (%d)", n)
	}
}
