package backup

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"kaede/internal/db"
)

// dumpDatabase writes a consistent copy of the database into dir and
// returns its file and its member name.
//
// SQLite: VACUUM INTO reads one snapshot (a read transaction, which in WAL
// mode never stops the shop's writers) and writes a compact copy.
// PostgreSQL: pg_dump also reads one snapshot; its custom format is what
// pg_restore reads back.
func dumpDatabase(ctx context.Context, d *db.DB, dir string) (file, name string, err error) {
	switch d.Dialect {
	case db.SQLite:
		file = filepath.Join(dir, sqliteName)
		if _, err := d.ExecContext(ctx, `VACUUM INTO $1`, file); err != nil {
			return "", "", fmt.Errorf("copy the SQLite database: %w", err)
		}
		return file, sqliteName, nil
	case db.Postgres:
		file = filepath.Join(dir, pgdumpName)
		conn, schema, env, err := libpqURL(d.URL)
		if err != nil {
			return "", "", err
		}
		args := []string{"--format=custom", "--no-owner", "--no-privileges", "--file=" + file}
		if schema != "" {
			args = append(args, "--schema="+schema)
		}
		if err := runTool(ctx, "pg_dump", env, append(args, "--dbname="+conn)...); err != nil {
			return "", "", err
		}
		return file, pgdumpName, nil
	}
	return "", "", fmt.Errorf("backup: unknown database %q", d.Dialect)
}

// restorePostgres loads a pg_dump archive into the database at dbURL, in
// one transaction: a failure leaves the database as empty as it was.
func restorePostgres(ctx context.Context, dbURL, file string) error {
	conn, _, env, err := libpqURL(dbURL)
	if err != nil {
		return err
	}
	return runTool(ctx, "pg_restore", env, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
		"--dbname="+conn, file)
}

// runTool runs one of PostgreSQL's client programs, naming it when it is
// missing and passing on what it printed when it fails.
func runTool(ctx context.Context, name string, env []string, args ...string) error {
	p, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s is not on PATH: install PostgreSQL's client programs (Debian: apt-get install postgresql-client) of the server's major version or newer", name)
	}
	cmd := exec.CommandContext(ctx, p, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// libpqURL turns the store's PostgreSQL URL into one the client programs
// accept: the password moves to PGPASSWORD (a command line is visible to
// every user of the machine), and pgx's search_path parameter becomes
// libpq's options, returned as the schema to dump.
func libpqURL(raw string) (conn, schema string, env []string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", nil, fmt.Errorf("database URL: %w", err)
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	if schema = q.Get("search_path"); schema != "" {
		q.Del("search_path")
		q.Set("options", "-csearch_path="+schema)
	}
	u.RawQuery = q.Encode()
	return u.String(), schema, env, nil
}

// redactURL is a database URL without its password, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}

// postgresEmpty returns an error naming the database and one of its
// tables when the database holds any table.
func postgresEmpty(ctx context.Context, d *db.DB) error {
	var table string
	err := d.QueryRowContext(ctx, `SELECT table_schema || '.' || table_name FROM information_schema.tables
		WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 1`).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check that %s is empty: %w", redactURL(d.URL), err)
	}
	return fmt.Errorf("database %s is not empty (it holds table %s): a restore goes into an empty database only", redactURL(d.URL), table)
}
