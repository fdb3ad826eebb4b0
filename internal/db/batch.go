package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// On SQLite, DB.Tx runs the writers waiting for their turn together, in one
// transaction (group commit): each writer's function runs inside a
// savepoint of its own, undone alone when it fails, and the transaction
// commits once for all of them. Most of a small transaction's cost is not
// its statements but its commit (every page it touched written to the WAL;
// the index pages an order touches are the same few for every order, so
// ten orders in one commit write them once) and the handing of the turn
// from one goroutine to the next, which on a busy machine waits for the
// scheduler. A checkout load measured the turn held mostly for commits and
// hand-overs (bench/checkout.sh, docs/design.md "Speed").
//
// What a writer sees is what it saw alone: its function runs while no
// other writes, and sees every write before it; Tx returns only once the
// transaction holding its changes has committed (or says it did not). Two
// things differ, and nothing in Kaede depends on them: a read outside the
// transaction, made inside the function, does not see the batch's earlier
// writers (they are not committed yet); and a writer's context no longer
// interrupts its statements once they run, since an interrupted write
// rolls back SQLite's whole transaction, every writer's in it. A context
// that ends before the function begins still stops it.

// Limits of one batch: a writer waits for those before it in its batch to
// commit, so a batch is kept short. (A variable for tests.)
const batchMembers = 32

var batchTime = 10 * time.Millisecond

// writerCacheKiB is the page cache of the writing connection. Every write
// looks up index pages all over the growing tables (throttle events, card
// attempts, sessions, orders, jobs): in a 512 KiB cache, as the store's
// reading connections had, the pages missed grew with the data, each one a
// read from the operating system while every writer waited, and a soak's
// writes slowed by a fifth in twelve minutes. It is not the writer's
// alone: page caches share one budget (sqliteCacheKiB), so what is given
// here is given to every connection's reads too. At 32 MB, under browsing
// alone (which writes next to nothing), SQLite's pages peaked at 38-48 MB;
// with 8 MB and the pool's 256 KiB, at 25-27 MB. The checkout load ran as
// fast at 8 MB, and a 30-minute soak did not slow (bench/README.md).
const writerCacheKiB = 8 << 10

// The batches run on a connection of their own (batcher.conn, a pool of
// one connection kept open, never one the store's pool is short of) with
// writerStmts prepared statements, writerCacheKiB of pages
// and its temporary files in memory (temp_store = MEMORY), for the
// savepoint of each member of a batch: SQLite copies every page a
// savepoint changes into a sub-journal, which otherwise spills to a
// temporary file past 64 KiB and, on disk, is not emptied when the
// savepoint is released, so a batch wrote each member's pages to it with a
// system call while every writer waited (a fifth of the writing
// goroutine's time under a checkout load). In memory it is emptied at each
// release: it holds one member's changed pages at most. The cost: a
// migration that builds an index on a large table sorts it in memory.

// batcher is a SQLite database's one writing goroutine.
type batcher struct {
	d        *DB
	conn     *sql.DB
	reqs     chan *txRequest
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// txRequest is one DB.Tx waiting to run in a batch.
type txRequest struct {
	ctx context.Context
	fn  func(*sql.Tx) error
	out chan txOutcome
}

// txOutcome is how a writer's function ended: its error, or the value it
// panicked with, to panic with again in the writer's own goroutine.
type txOutcome struct {
	err      error
	panicked any
}

// batchedTx marks the context a batch begins its transaction with: the
// statements run on it ignore their own context's end (see above).
type batchedTx struct{}

var errClosed = errors.New("database is closed")

// newBatcher starts the writing goroutine of the SQLite database at path,
// with its connection (see above); it takes d's turn to write.
func newBatcher(d *DB, path string) *batcher {
	conn := sql.OpenDB(&turnConnector{dsn: sqliteDSN(path, writerCacheKiB, "temp_store(MEMORY)"), turns: d.writer, stmts: writerStmts})
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	b := &batcher{d: d, conn: conn, reqs: make(chan *txRequest), stop: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

// close stops the goroutine once its batch has ended, and closes its
// connection.
func (b *batcher) close() {
	b.stopOnce.Do(func() { close(b.stop) })
	<-b.done
	b.conn.Close()
}

// tx hands fn to the writing goroutine and waits for its outcome. Handed
// over, it runs and cannot be taken back: Tx then waits for its commit
// whatever ctx does. Not handed over within busy_timeout, it gives up as
// a writer that found SQLite's lock taken would.
func (b *batcher) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	r := &txRequest{ctx: ctx, fn: fn, out: make(chan txOutcome, 1)}
	timer := time.NewTimer(busyTimeout)
	defer timer.Stop()
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return fmt.Errorf("begin: %w", ctx.Err())
	case <-timer.C:
		return fmt.Errorf("begin: %w", errWriterBusy)
	case <-b.stop:
		return fmt.Errorf("begin: %w", errClosed)
	}
	o := <-r.out
	if o.panicked != nil {
		panic(o.panicked)
	}
	return o.err
}

func (b *batcher) run() {
	defer close(b.done)
	for {
		select {
		case r := <-b.reqs:
			b.batch(r)
		case <-b.stop:
			return
		}
	}
}

// batch runs first and the writers that come while it runs, then commits.
func (b *batcher) batch(first *txRequest) {
	d := b.d
	// The turn is shared with the writers outside Tx (River's, single
	// statements): they write between batches.
	if err := d.writer.take(context.Background()); err != nil {
		first.out <- txOutcome{err: fmt.Errorf("begin: %w", err)}
		return
	}
	defer d.writer.give()
	ctx := context.WithValue(context.WithValue(context.Background(), turnHeld{}, true), batchedTx{}, true)
	tx, err := b.conn.BeginTx(ctx, nil)
	if err != nil {
		first.out <- txOutcome{err: fmt.Errorf("begin: %w", err)}
		return
	}
	var done []*txRequest // ran to the end, waiting for the commit
	end := time.Now().Add(batchTime)
	for r := first; r != nil; {
		ok, failed := b.member(ctx, tx, r)
		if failed != nil {
			r.out <- *failed
		} else {
			done = append(done, r)
		}
		if !ok {
			// SQLite has ended the transaction (a full disk, an I/O
			// error): nothing of the batch is written.
			tx.Rollback()
			d.settle(tx, false)
			for _, m := range done {
				m.out <- txOutcome{err: errors.New("commit: the transaction was rolled back by an earlier error in it")}
			}
			return
		}
		r = nil
		if len(done) < batchMembers && time.Now().Before(end) {
			select {
			case r = <-b.reqs:
			default:
			}
		}
	}
	err = tx.Commit()
	d.settle(tx, err == nil)
	if err != nil {
		err = fmt.Errorf("commit: %w", err)
	}
	for _, m := range done {
		m.out <- txOutcome{err: err}
	}
}

// member runs r's function in a savepoint of tx. It returns the outcome of
// a function that failed (its changes undone), nil for one that waits for
// the commit; ok is false when tx can no longer be used.
func (b *batcher) member(ctx context.Context, tx *sql.Tx, r *txRequest) (ok bool, failed *txOutcome) {
	if err := r.ctx.Err(); err != nil {
		// It ended while the writer waited in line.
		return true, &txOutcome{err: fmt.Errorf("begin: %w", err)}
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT member`); err != nil {
		return false, &txOutcome{err: fmt.Errorf("begin: %w", err)}
	}
	announced := b.d.changes.announced(tx)
	o := call(r.fn, tx)
	if o.err == nil && o.panicked == nil {
		if _, err := tx.ExecContext(ctx, `RELEASE member`); err != nil {
			return false, &txOutcome{err: fmt.Errorf("commit: %w", err)}
		}
		return true, nil
	}
	// What it announced is undone with it.
	b.d.changes.forget(tx, announced)
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO member`); err != nil {
		return false, &o
	}
	if _, err := tx.ExecContext(ctx, `RELEASE member`); err != nil {
		return false, &o
	}
	return true, &o
}

// call runs fn, turning a panic into an outcome.
func call(fn func(*sql.Tx) error, tx *sql.Tx) (o txOutcome) {
	defer func() {
		if p := recover(); p != nil {
			o.panicked = p
		}
	}()
	o.err = fn(tx)
	return o
}
