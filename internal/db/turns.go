package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// SQLite has one writer at a time. Left to SQLite, a writer that finds the
// lock taken polls for it, sleeping up to 100 ms between tries: the lock
// sits free while the waiters sleep, and under a checkout storm a few
// unlucky waiters wait seconds (the soak's stalls, the checkout load's
// 503s after busy_timeout). So every writer of this process takes a turn
// first, handed over the moment the last one ends: DB.Tx before it takes
// a connection, and the connection itself for every other writer — River's
// transactions, a single statement outside a transaction. SQLite's
// busy_timeout is then met only by another process (a CLI command while
// the store runs).

// turns is the one turn to write of a SQLite database in this process.
type turns chan struct{}

// take waits for the turn, as long as SQLite would wait for the lock.
func (t turns) take(ctx context.Context) error {
	select {
	case t <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(busyTimeout)
	defer timer.Stop()
	select {
	case t <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return errWriterBusy
	}
}

func (t turns) give() { <-t }

// turnHeld marks a context whose caller (DB.Tx) already holds the turn for
// the transaction it begins with it.
type turnHeld struct{}

func holdsTurn(ctx context.Context) bool { return ctx.Value(turnHeld{}) != nil }

// turnConnector opens SQLite connections that take the turn to write.
type turnConnector struct {
	dsn   string
	turns turns
	stmts int // prepared statements kept per connection
}

func (c *turnConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.Driver().Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite connection %T lacks the context methods", conn)
	}
	return &turnConn{sqliteConn: sc, turns: c.turns, stmts: newStmtCache(c.stmts)}, nil
}

func (c *turnConnector) Driver() driver.Driver { return &sqlite.Driver{} }

// sqliteConn is what database/sql uses of a modernc.org/sqlite connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// turnConn is a connection that holds the turn from BEGIN to COMMIT or
// ROLLBACK of a write transaction, and around a write outside one.
// database/sql uses a connection from one goroutine at a time.
type turnConn struct {
	sqliteConn
	turns turns
	tx    *turnTx // the transaction open on this connection
	stmts *stmtCache
}

func (c *turnConn) Close() error {
	if c.tx != nil {
		// Closed with its transaction open (a broken connection): the
		// transaction is gone, and so must its hold on the turn be.
		c.tx.end()
	}
	c.stmts.clear()
	return c.sqliteConn.Close()
}

func (c *turnConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *turnConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	// A read-only transaction begins DEFERRED and never writes.
	own := !opts.ReadOnly && !holdsTurn(ctx)
	if own {
		if err := c.turns.take(ctx); err != nil {
			return nil, err
		}
	}
	tx, err := c.sqliteConn.BeginTx(ctx, opts)
	if err != nil {
		if own {
			c.turns.give()
		}
		return nil, err
	}
	c.tx = &turnTx{Tx: tx, conn: c, own: own, batched: ctx.Value(batchedTx{}) != nil}
	return c.tx, nil
}

func (c *turnConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.tx != nil && c.tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	if c.tx == nil && !holdsTurn(ctx) && !reads(query) {
		if err := c.turns.take(ctx); err != nil {
			return nil, err
		}
		defer c.turns.give()
	}
	s, err := c.stmts.get(ctx, c.sqliteConn, query)
	if err != nil || s == nil {
		if err != nil {
			return nil, err
		}
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

// query runs query through the connection's statement cache.
func (c *turnConn) query(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmts.get(ctx, c.sqliteConn, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, s: s}, nil
}

func (c *turnConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.tx != nil && c.tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	if c.tx != nil || holdsTurn(ctx) || reads(query) {
		return c.query(ctx, query, args)
	}
	// INSERT … RETURNING and the like write while their rows are read.
	if err := c.turns.take(ctx); err != nil {
		return nil, err
	}
	rows, err := c.query(ctx, query, args)
	if err != nil {
		c.turns.give()
		return nil, err
	}
	return &turnRows{Rows: rows, turns: c.turns}, nil
}

// reads reports whether a statement leaves the database as it is: a
// SELECT (or a WITH that does not write), an EXPLAIN, or VACUUM INTO,
// which reads one snapshot into another file (a backup must not stop the
// shop's writers for as long as it takes).
func reads(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	word, rest, _ := strings.Cut(q, " ")
	switch strings.ToUpper(strings.TrimSpace(word)) {
	case "SELECT", "EXPLAIN", "VALUES":
		return true
	case "VACUUM":
		return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(rest)), "INTO ")
	case "WITH":
		up := strings.ToUpper(rest)
		return !strings.Contains(up, "INSERT") && !strings.Contains(up, "UPDATE") && !strings.Contains(up, "DELETE")
	}
	return false
}

// turnTx gives the turn back when the transaction ends.
type turnTx struct {
	driver.Tx
	conn *turnConn
	own  bool
	// batched: the transaction holds several writers' work (batch.go),
	// which one writer's context must not interrupt.
	batched bool
}

func (t *turnTx) Commit() error   { defer t.end(); return t.Tx.Commit() }
func (t *turnTx) Rollback() error { defer t.end(); return t.Tx.Rollback() }

func (t *turnTx) end() {
	t.conn.tx = nil
	if t.own {
		t.own = false
		t.conn.turns.give()
	}
}

// turnRows gives the turn back when the statement's rows are closed.
type turnRows struct {
	driver.Rows
	turns turns
	done  bool
}

func (r *turnRows) Close() error {
	err := r.Rows.Close()
	if !r.done {
		r.done = true
		r.turns.give()
	}
	return err
}
