package db_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// TestSQLitePageCache: the counter sees the pages a read brings into a
// connection's cache.
func TestSQLitePageCache(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE pages_test (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
			return err
		}
		body := strings.Repeat("x", 3000)
		for i := range 2000 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pages_test (id, body) VALUES ($1, $2)`, i, body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 6 MB of rows, read outside a transaction: on a connection of the
	// pool, whose cache fills with them on top of what the writer's holds
	// (by 256 KiB less 64 bytes, measured).
	before, _ := db.SQLitePageCache()
	var n int
	if err := d.QueryRowContext(ctx, `SELECT SUM(LENGTH(body)) FROM pages_test`).Scan(&n); err != nil || n != 6_000_000 {
		t.Fatalf("read %d bytes (%v)", n, err)
	}
	now, peak := db.SQLitePageCache()
	if min := int64(db.SQLiteCacheKiB) << 10; now < min {
		t.Errorf("page caches hold %d bytes after the read, want at least the pool's cache (%d)", now, min)
	}
	if grew, min := now-before, int64(db.SQLiteCacheKiB)<<9; grew < min {
		t.Errorf("page caches grew by %d bytes with the read, want at least half the pool's cache (%d)", grew, min)
	}
	if peak < now {
		t.Errorf("peak %d below the current %d", peak, now)
	}
}
