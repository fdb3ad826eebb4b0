package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"testing"
)

// countingConn prepares statements that count their closes.
type countingConn struct {
	prepared map[string]int
	closed   map[string]int
}

func (c *countingConn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	c.prepared[query]++
	return &countingStmt{query: query, conn: c}, nil
}

type countingStmt struct {
	query string
	conn  *countingConn
}

func (s *countingStmt) Close() error  { s.conn.closed[s.query]++; return nil }
func (s *countingStmt) NumInput() int { return -1 }
func (s *countingStmt) Exec([]driver.Value) (driver.Result, error) {
	return driver.RowsAffected(0), nil
}
func (s *countingStmt) Query([]driver.Value) (driver.Rows, error) { return emptyRows{}, nil }
func (s *countingStmt) ExecContext(context.Context, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(0), nil
}
func (s *countingStmt) QueryContext(context.Context, []driver.NamedValue) (driver.Rows, error) {
	return emptyRows{}, nil
}

type emptyRows struct{}

func (emptyRows) Columns() []string         { return nil }
func (emptyRows) Close() error              { return nil }
func (emptyRows) Next([]driver.Value) error { return fmt.Errorf("no rows") }

// TestStmtCacheReusesAndEvicts: a text seen again is not prepared again; a
// statement whose rows are open is not handed out twice; a script is not
// kept; past stmtCacheSize the least recently used is closed, and one
// pushed out while its rows are open is closed when they close.
func TestStmtCacheReusesAndEvicts(t *testing.T) {
	ctx := context.Background()
	conn := &countingConn{prepared: map[string]int{}, closed: map[string]int{}}
	c := newStmtCache(stmtCacheSize)
	get := func(q string) *cachedStmt {
		t.Helper()
		s, err := c.get(ctx, conn, q)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const hot = "SELECT 1"
	for range 10 {
		if get(hot) == nil {
			t.Fatal("a cacheable statement was not kept")
		}
	}
	if conn.prepared[hot] != 1 {
		t.Errorf("%q prepared %d times, want once", hot, conn.prepared[hot])
	}
	if get("SELECT 1; SELECT 2") != nil {
		t.Error("a script was kept")
	}

	s := get(hot)
	s.busy = true
	if get(hot) != nil {
		t.Error("a statement with open rows was handed out again")
	}
	rows := &cachedRows{Rows: emptyRows{}, s: s}

	// Fill the cache past its size: hot, busy, is the least recently used.
	for i := range stmtCacheSize {
		get(fmt.Sprintf("SELECT %d + 100", i))
	}
	if _, ok := c.byQuery[hot]; ok {
		t.Fatal("the least recently used statement is still kept")
	}
	if conn.closed[hot] != 0 {
		t.Fatal("a statement was closed while its rows were open")
	}
	rows.Close()
	if conn.closed[hot] != 1 {
		t.Errorf("pushed out with open rows: closed %d times after its rows closed, want 1", conn.closed[hot])
	}
	if conn.closed["SELECT 0 + 100"] != 0 || c.order.Len() != stmtCacheSize {
		t.Errorf("kept %d statements, want %d", c.order.Len(), stmtCacheSize)
	}
	get(hot)
	if conn.prepared[hot] != 2 {
		t.Errorf("%q prepared %d times after eviction, want 2", hot, conn.prepared[hot])
	}
	if conn.closed["SELECT 0 + 100"] != 1 {
		t.Error("the least recently used statement was not closed when pushed out")
	}
}
