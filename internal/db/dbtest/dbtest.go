// Package dbtest gives tests a fresh, migrated database: a real SQLite file
// always, and a private schema on a real PostgreSQL server as well when
// KAEDE_TEST_POSTGRES holds its URL.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"kaede/internal/db"
	"kaede/internal/testenv"
)

// EnvPostgres names the variable that holds the PostgreSQL server's URL.
const EnvPostgres = "KAEDE_TEST_POSTGRES"

// Each runs fn as a subtest once per available database: "sqlite", and
// "postgres" when KAEDE_TEST_POSTGRES is set (or required: see
// WantPostgres).
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if WantPostgres() {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// WantPostgres reports whether tests run on PostgreSQL as well: when
// KAEDE_TEST_POSTGRES is set, and when testenv requires every external
// server (then Postgres fails the test if the variable is missing).
func WantPostgres() bool {
	return os.Getenv(EnvPostgres) != "" || testenv.Required()
}

// EachEmpty is Each with databases no migration has touched, for tests of
// a migration over the rows an earlier schema held.
func EachEmpty(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, emptySQLite(t)) })
	if WantPostgres() {
		t.Run("postgres", func(t *testing.T) { fn(t, emptyPostgres(t)) })
	}
}

// SQLite returns a migrated database in a new file under t.TempDir().
func SQLite(tb testing.TB) *db.DB {
	tb.Helper()
	d := emptySQLite(tb)
	migrate(tb, d)
	return d
}

func emptySQLite(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), filepath.Join(tb.TempDir(), "kaede.db"))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// Postgres returns a migrated database in a new schema of the server named
// by KAEDE_TEST_POSTGRES; the schema is dropped when the test ends. When
// the variable is not set it skips the test, or fails it when testenv
// requires every external server.
func Postgres(tb testing.TB) *db.DB {
	tb.Helper()
	d := emptyPostgres(tb)
	migrate(tb, d)
	return d
}

func emptyPostgres(tb testing.TB) *db.DB {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		testenv.Missing(tb, "%s is not set", EnvPostgres)
	}
	schema := "kaede_test_" + randomHex(tb)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	d, err := db.Open(context.Background(), u.String())
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

func migrate(tb testing.TB, d *db.DB) {
	tb.Helper()
	if _, err := d.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
}

func randomHex(tb testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// PostgresDatabase creates a new, empty database on the server named by
// KAEDE_TEST_POSTGRES and returns its URL; it is dropped when the test
// ends. For what works on a whole database (pg_dump, pg_restore) rather
// than in a schema. Without the variable it behaves as Postgres does.
func PostgresDatabase(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		testenv.Missing(tb, "%s is not set", EnvPostgres)
	}
	name := "kaede_test_" + randomHex(tb)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}
