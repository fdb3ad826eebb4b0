package db

import (
	"container/list"
	"context"
	"database/sql/driver"
	"reflect"
	"strings"
)

// database/sql prepares a statement for every Exec and Query that is not
// already prepared, and modernc.org/sqlite parses it anew each time: under
// a checkout load a quarter of the store's CPU went to SQLite's parser. A
// SQLite connection therefore keeps its prepared statements by their text
// and runs a statement it has seen again without parsing it. SQLite
// prepares them again by itself after a schema change.

// stmtCacheSize bounds the statements kept per connection; each holds some
// of SQLite's memory, outside Go's heap, on each of the 20 connections
// (the store's pool and the queue's). The least recently used goes first,
// so that statements built from a filter (one per combination) or with
// values in their text (some of River's) do not push out the ones run all
// the time. Under bench/checkout.sh, 32 still found 98% of statements
// prepared (64: 99%; 16: under half); under bench/memory.sh's browsing,
// SQLite's allocator held 72 MB with 64 kept and 58 MB with 16 (mapped,
// not all of it resident).
const stmtCacheSize = 32

// writerStmts bounds the statements of the writing goroutine's own
// connection (batcher.conn, batch.go): every write of the shop,
// with the reads inside them, runs there, well over 32 statements under
// mixed traffic (bench/soak.sh), and they are the statements run while
// every other writer waits. One connection's worth of memory.
const writerStmts = 512

type cachedStmt struct {
	query string
	stmt  interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool // its rows are open: the same text again needs its own
	gone bool // left the cache while busy: its rows close it
	used *list.Element
}

// stmtCache is one connection's statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock.
type stmtCache struct {
	byQuery map[string]*cachedStmt
	order   *list.List // most recently used first
	limit   int
}

func newStmtCache(limit int) *stmtCache {
	return &stmtCache{byQuery: map[string]*cachedStmt{}, order: list.New(), limit: limit}
}

// cacheable reports whether query is one statement (a script is run in
// parts by the driver, which a prepared statement would not do).
func cacheable(query string) bool {
	return !strings.Contains(strings.TrimRight(query, " \t\r\n;"), ";")
}

// get returns the prepared statement for query, preparing it when new;
// nil when it cannot be used now (busy, or not cacheable).
func (c *stmtCache) get(ctx context.Context, conn driver.ConnPrepareContext, query string) (*cachedStmt, error) {
	if s, ok := c.byQuery[query]; ok {
		if s.busy {
			return nil, nil
		}
		c.order.MoveToFront(s.used)
		return s, nil
	}
	if !cacheable(query) {
		return nil, nil
	}
	ds, err := conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		ds.Close()
		return nil, nil
	}
	if c.order.Len() >= c.limit {
		c.drop(c.order.Back().Value.(*cachedStmt))
	}
	s := &cachedStmt{query: query, stmt: st}
	s.used = c.order.PushFront(s)
	c.byQuery[query] = s
	return s, nil
}

// drop forgets s and closes it, or has its rows close it when busy.
func (c *stmtCache) drop(s *cachedStmt) {
	c.order.Remove(s.used)
	delete(c.byQuery, s.query)
	if s.busy {
		s.gone = true
		return
	}
	s.stmt.Close()
}

// clear drops every statement.
func (c *stmtCache) clear() {
	for c.order.Len() > 0 {
		c.drop(c.order.Front().Value.(*cachedStmt))
	}
}

// cachedRows marks its statement free again when closed.
type cachedRows struct {
	driver.Rows
	s      *cachedStmt
	closed bool
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.closed {
		return err
	}
	r.closed = true
	r.s.busy = false
	if r.s.gone {
		r.s.stmt.Close()
	}
	return err
}

// The column type methods database/sql looks for on rows, passed through.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
