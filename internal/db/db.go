// Package db opens Kaede's database — SQLite by default, PostgreSQL for
// several instances — applies the embedded migrations, and keeps every
// difference between the two dialects in this one package.
//
// SQL elsewhere in Kaede is written once, with $1-style placeholders, which
// both drivers accept, and runs unchanged on both databases.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the database behind a DB.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database with its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Path is the SQLite file, empty for PostgreSQL.
	Path string
	// URL is what Open was given; a second connection (a job queue, a
	// test's second instance) opens the same database with it.
	URL string

	// changes are what caches learn of writes through (changes.go).
	changes *changes

	// writer, on SQLite only, is the process's one turn to write
	// (turns.go): Tx waits for it without a connection, other writers on
	// their connection.
	writer turns
	// queue is the job queue's own pool on SQLite (see Queue).
	queue *sql.DB
	// batch, on SQLite only, runs Tx's writers in batches (batch.go), on
	// a connection of its own.
	batch *batcher
	// beside is PostgreSQL's pool for statements that commit on their own
	// while their caller holds a transaction (see Beside).
	beside *sql.DB
}

// Beside is the pool for a statement that must commit on its own while
// its caller holds a transaction: PostgreSQL only, nil on SQLite (where
// the transaction is the only writer and such a statement would wait for
// it). Taken from the store's pool instead, it would wait for a connection
// that the other transactions hold while they wait for one too: with as
// many checkouts as connections, every one of them waited forever (CI,
// internal/web, a test timed out after 10 minutes).
func (d *DB) Beside() *sql.DB {
	return d.beside
}

// Queue is the pool the job queue runs its own statements on; a job
// inserted in a store transaction goes in with that transaction.
func (d *DB) Queue() *sql.DB {
	if d.queue != nil {
		return d.queue
	}
	return d.DB
}

// Close closes the database's pools.
func (d *DB) Close() error {
	if d.batch != nil {
		d.batch.close()
	}
	if d.queue != nil {
		d.queue.Close()
	}
	if d.beside != nil {
		d.beside.Close()
	}
	return d.DB.Close()
}

// ExecContext runs one statement outside a transaction. On SQLite it
// takes the turn to write before it takes a connection, as Tx does.
func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if d.writer != nil && !holdsTurn(ctx) && !reads(query) {
		if err := d.writer.take(ctx); err != nil {
			return nil, err
		}
		defer d.writer.give()
		ctx = context.WithValue(ctx, turnHeld{}, true)
	}
	return d.DB.ExecContext(ctx, query, args...)
}

// Open opens the database named by url: "postgres://…" or
// "postgresql://…" for PostgreSQL; "sqlite:PATH", "file:PATH" or a plain
// path for SQLite. It does not migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	var d *DB
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		sdb, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sdb.SetMaxOpenConns(20)
		sdb.SetMaxIdleConns(20)
		beside, err := sql.Open("pgx", url)
		if err != nil {
			sdb.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// Its statements are single and short: two connections serve a
		// checkout load of the whole pool.
		beside.SetMaxOpenConns(2)
		beside.SetMaxIdleConns(2)
		beside.SetConnMaxIdleTime(time.Minute)
		d = &DB{DB: sdb, Dialect: Postgres, beside: beside}
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
		if path == "" {
			return nil, errors.New("open sqlite: empty path")
		}
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		writer := make(turns, 1)
		connector := &turnConnector{dsn: sqliteDSN(path, sqliteCacheKiB), turns: writer, stmts: stmtCacheSize}
		sdb := sql.OpenDB(connector)
		// One writer at a time is SQLite's rule; readers run beside it in
		// WAL mode. Transactions begin IMMEDIATE (see sqliteDSN), so two
		// writers queue on busy_timeout instead of failing on upgrade.
		sdb.SetMaxOpenConns(16)
		sdb.SetMaxIdleConns(16)
		d = &DB{DB: sdb, Dialect: SQLite, Path: path, writer: writer, queue: sql.OpenDB(connector)}
		// The job queue's few statements of its own (fetching and
		// completing jobs) wait for the turn on a connection: a pool of
		// their own, so that they never hold the connections the store's
		// turn holder needs.
		d.queue.SetMaxOpenConns(4)
		d.queue.SetMaxIdleConns(4)
		d.batch = newBatcher(d, path)
	}
	d.URL = url
	d.changes = newChanges()
	if err := d.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.Dialect, err)
	}
	return d, nil
}

// sqliteDSN sets busy_timeout before journal_mode (switching to WAL itself
// may need to wait for a lock), turns foreign keys on, and makes every
// transaction take the write lock when it begins.
func sqliteDSN(path string, cacheKiB int, pragmas ...string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// The page caches are SQLite's own memory, outside Go's heap, and
	// one budget: see sqliteCacheKiB.
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -cacheKiB))
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// The path is part of a URI: a '#' would end it (a test named
	// "x#01" would open the file "x"), a '?' would start the query.
	return "file:" + uriPath.Replace(path) + "?" + q.Encode()
}

// sqliteCacheKiB is the page cache of one connection of the pool (and of
// the job queue's), in KiB.
//
// What a cache_size costs, measured: modernc.org/sqlite is built with
// SQLITE_ENABLE_MEMORY_MANAGEMENT, so every connection's page cache is part
// of one process-wide group with one LRU list, and the group may hold as
// many pages as all its caches' sizes together: pages move to whichever
// connection reads the most (under bench/memory.sh's browsing, single
// reading connections held 3.9-11.3 MB of pages with 512 KiB each, using the
// writer's allowance). And each 4 KiB page (past a connection's first
// block of pages, allocated at once) takes an 8 KiB block of
// modernc's allocator (its slots are powers of two; a page with SQLite's
// header is 4.3 KiB). So the page memory SQLite may hold is up to twice the sum
// of the cache sizes, whichever connection asks: 20 × 256 KiB here and the
// writer's 8 MB (writerCacheKiB) come to some 26 MB (25 MB at the peak of
// bench/memory.sh's browsing, against 38-48 MB before; SQLitePageCache).
//
// A reading connection gains little from more: in WAL mode any other
// connection's commit empties its whole cache at its next transaction, so
// under writes it keeps one transaction's pages; a search's scan of the
// products table is larger than any cache; the catalogue's hot reads are
// cached above SQLite (catalog.EnableCache); and the pages stay in the
// operating system's file cache.
const sqliteCacheKiB = 256

var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// busyTimeout is how long a SQLite writer waits for the write lock before
// it gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Tx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise.
//
// On SQLite fn runs on the process's one writing goroutine, in a savepoint
// of a transaction shared with the writers waiting beside it, committed
// once for all (batch.go); writers waiting in line hold no connection that
// readers need. fn must not begin another Tx: it would wait for itself.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if d.batch != nil {
		return d.batch.tx(ctx, fn)
	}
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	// The changes fn announced reach this process's caches only once
	// committed; a rollback (or a panic in fn) forgets them.
	committed := false
	defer func() { d.settle(tx, committed) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

// errWriterBusy is a turn to write not had within busy_timeout. It has
// SQLite's code for a lock not had (SQLITE_BUSY), so that the edges answer
// it as they answer SQLite's own: 503 with Retry-After.
var errWriterBusy = busyError{}

type busyError struct{}

func (busyError) Error() string {
	return fmt.Sprintf("database is locked: no turn to write within %s (5) (SQLITE_BUSY)", busyTimeout)
}

// Code is SQLite's result code, SQLITE_BUSY.
func (busyError) Code() int { return sqlite3.SQLITE_BUSY }

// ReadTx runs fn in a read-only transaction that sees one consistent
// snapshot. On SQLite a read-only transaction begins DEFERRED, so readers do
// not queue behind writers for the write lock.
func (d *DB) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit read: %w", err)
	}
	return nil
}

// CustomPlans has every later statement of tx planned for the values it
// is given, for reports whose best plan depends on them (a window of a
// day or of a year, a rare or a common card brand). PostgreSQL otherwise
// runs a statement prepared on the connection (pgx prepares every one)
// with a generic plan from its sixth execution, one that knows no value
// and so guesses. SQLite plans without looking at the values anyway.
func (d *DB) CustomPlans(ctx context.Context, tx *sql.Tx) error {
	if d.Dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
		return fmt.Errorf("custom plans: %w", err)
	}
	return nil
}

// ForUpdate is the row-locking suffix for a SELECT inside a transaction.
// SQLite needs none: an IMMEDIATE transaction already holds the write lock.
func (d *DB) ForUpdate() string {
	if d.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// LikePattern escapes s for a LIKE … ESCAPE '\' pattern that matches s
// anywhere in the text.
func LikePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
