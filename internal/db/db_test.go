package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n, err := d.Migrate(ctx)
		if err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if n != 0 {
			t.Fatalf("second migrate applied %d, want 0", n)
		}
		if err := d.CheckSchema(ctx); err != nil {
			t.Fatalf("check schema: %v", err)
		}
	})
}

func TestCheckSchemaRefusesOldSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// The newest missing, and one in the middle missing (applied out
		// of order): both are a schema that is behind.
		if _, err := d.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version IN (2, (SELECT MAX(version) FROM schema_migrations))`); err != nil {
			t.Fatal(err)
		}
		if err := d.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "0002_") {
			t.Fatalf("err=%v, want one naming migration 0002", err)
		}
	})
}

func TestTxRollsBackOnError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "k", "1", "2026-01-01 00:00:00"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err=%v, want boom", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'k'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("rows=%d after rollback, want 0", n)
		}
	})
}

func TestIsUniqueViolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := `INSERT INTO content_pages (slug, title_ja, body_ja, title_en, body_en, updated_at) VALUES ($1, '', '', '', '', $2)`
		now := "2026-01-01 00:00:00+00"
		if _, err := d.ExecContext(ctx, q, "a", now); err != nil {
			t.Fatal(err)
		}
		_, err := d.ExecContext(ctx, q, "a", now)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("IsUniqueViolation(%v) = false, want true", err)
		}
	})
}

// TestSQLitePathWithURICharacters: a path holding '#' or '%' opens that
// very file, not a file named by the path's first part. ('?' starts the
// options of a sqlite: URL, as Open documents.)
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a#01.db", "c%20.db"} {
		path := filepath.Join(dir, name)
		d, err := db.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		if _, err := d.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: the database is not at its path: %v", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) < 2 {
		t.Fatalf("files in the directory: %d", len(entries))
	}
	for _, stray := range []string{"a", "c "} {
		if _, err := os.Stat(filepath.Join(dir, stray)); err == nil {
			t.Errorf("a stray database %q was created", stray)
		}
	}
}

// TestTxWaitsForItsTurnWithoutConnection: on SQLite a write transaction
// waits for the one that writes in this process before it takes a
// connection, and gives up when its context ends; reads go on meanwhile.
func TestTxWaitsForItsTurnWithoutConnection(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('first', '1', '2026-01-01 00:00:00')`); err != nil {
			return err
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'first'`).Scan(&n); err != nil {
			return fmt.Errorf("a read beside the writer: %w", err)
		}
		if n != 0 {
			return fmt.Errorf("a read beside the writer saw its row uncommitted")
		}
		gone, cancel := context.WithCancel(ctx)
		cancel()
		ran := false
		err := d.Tx(gone, func(tx *sql.Tx) error { ran = true; return nil })
		if !errors.Is(err, context.Canceled) || ran {
			return fmt.Errorf("second writer with its context ended: err=%v ran=%v, want context.Canceled, not run", err, ran)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return nil }); err != nil {
		t.Fatalf("a writer after the first committed: %v", err)
	}
}
