package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Several instances of Kaede on one PostgreSQL each keep caches (the
// settings, the switches, the catalogue, rendered pages). A write announces
// what it changed with Announce, in its transaction; every process that
// cached something of it hears of the commit and drops its copy:
//
//   - in the writing process at once, when d.Tx commits;
//   - on PostgreSQL, in every other process through NOTIFY, which the
//     server delivers only when the transaction commits, to each process's
//     one listening connection (ListenForChanges) within milliseconds.
//
// On SQLite there is one serving process: the first path is all there is.
// The caches keep their short lifetimes as a backstop, for a notification
// lost while a listener reconnects (it then clears everything anyway).

// changes is a database's subscribers and the topics its open transactions
// announced, waiting for their commit.
type changes struct {
	origin string // this process's mark on its notifications

	mu      sync.Mutex
	subs    []subscriber
	pending map[*sql.Tx][]string
	// waiting is len(pending), read without the lock: most transactions
	// announce nothing, and checkout's should not queue on mu for it.
	waiting atomic.Int64
}

type subscriber struct {
	fn     func()
	topics []string // empty: every topic
}

func (s subscriber) wants(topic string) bool {
	if len(s.topics) == 0 || topic == "" {
		return true
	}
	for _, t := range s.topics {
		if t == topic {
			return true
		}
	}
	return false
}

func newChanges() *changes {
	b := make([]byte, 8)
	rand.Read(b)
	return &changes{origin: hex.EncodeToString(b), pending: map[*sql.Tx][]string{}}
}

// changesChannel is the NOTIFY channel of the schema the connection works
// in, so that two shops (or two tests) in different schemas of one
// database do not clear each other's caches. An SQL expression: the
// notifying transaction and the listener compute it the same way.
const changesChannel = `'kaede_changes:' || COALESCE(current_schema(), '')`

// OnChange calls fn after a transaction that announced one of topics (any
// topic when none is given) commits, in this process or, on PostgreSQL, in
// any process on the same schema while ListenForChanges runs; and after
// the listener reconnects, since it may have missed some. fn must be quick
// and must not block: clearing a cache.
func (d *DB) OnChange(fn func(), topics ...string) {
	d.changes.mu.Lock()
	defer d.changes.mu.Unlock()
	d.changes.subs = append(d.changes.subs, subscriber{fn: fn, topics: topics})
}

// Announce records, in tx, that what topic names changed. tx must come from
// d.Tx: the processes' subscribers run when it commits, and not at all
// when it rolls back.
func (d *DB) Announce(ctx context.Context, tx *sql.Tx, topic string) error {
	if topic == "" || strings.Contains(topic, " ") {
		return fmt.Errorf("announce %q: a topic is one word", topic)
	}
	if d.Dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify(`+changesChannel+`, $1)`, d.changes.origin+" "+topic); err != nil {
			return fmt.Errorf("announce %s: %w", topic, err)
		}
	}
	d.changes.mu.Lock()
	if _, ok := d.changes.pending[tx]; !ok {
		d.changes.waiting.Add(1)
	}
	d.changes.pending[tx] = append(d.changes.pending[tx], topic)
	d.changes.mu.Unlock()
	return nil
}

// settle takes tx's announced topics and, when it committed, runs their
// subscribers.
func (d *DB) settle(tx *sql.Tx, committed bool) {
	if d.changes.waiting.Load() == 0 {
		return
	}
	d.changes.mu.Lock()
	topics, ok := d.changes.pending[tx]
	if ok {
		delete(d.changes.pending, tx)
		d.changes.waiting.Add(-1)
	}
	d.changes.mu.Unlock()
	if ok && committed {
		for _, t := range topics {
			d.changes.publish(t)
		}
	}
}

// announced is how many topics tx has announced so far.
func (c *changes) announced(tx *sql.Tx) int {
	if c.waiting.Load() == 0 {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending[tx])
}

// forget drops the topics tx announced after its first n: a batch's
// writer whose savepoint is rolled back (batch.go).
func (c *changes) forget(tx *sql.Tx, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	topics, ok := c.pending[tx]
	if !ok || len(topics) <= n {
		return
	}
	if n == 0 {
		delete(c.pending, tx)
		c.waiting.Add(-1)
		return
	}
	c.pending[tx] = topics[:n]
}

// publish runs the subscribers of topic ("" reaches every one).
func (c *changes) publish(topic string) {
	c.mu.Lock()
	subs := c.subs
	c.mu.Unlock()
	for _, s := range subs {
		if s.wants(topic) {
			s.fn()
		}
	}
}

// Listener hears the other processes' announcements on one connection of
// its own.
type Listener struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// ListenForChanges runs the subscribers of every change announced by other
// processes on the same PostgreSQL schema, until Close. It returns once the
// first LISTEN is in place, so that a write committed after it returns is
// heard; a lost connection is reopened (every subscriber runs then, for
// what may have been missed meanwhile). On SQLite it does nothing.
func (d *DB) ListenForChanges(ctx context.Context, log *slog.Logger) (*Listener, error) {
	l := &Listener{done: make(chan struct{})}
	if d.Dialect != Postgres {
		close(l.done)
		l.cancel = func() {}
		return l, nil
	}
	conn, err := d.listen(ctx)
	if err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	go func() {
		defer close(l.done)
		d.hear(bg, conn, log)
	}()
	return l, nil
}

// Close stops listening and waits until the listener has stopped.
func (l *Listener) Close() {
	if l == nil {
		return
	}
	l.cancel()
	<-l.done
}

// listen opens the listening connection and subscribes it to the schema's
// channel.
func (d *DB) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, d.URL)
	if err != nil {
		return nil, fmt.Errorf("listen for changes: %w", err)
	}
	var channel string
	if err := conn.QueryRow(ctx, `SELECT `+changesChannel).Scan(&channel); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("listen for changes: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize()); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("listen for changes: %w", err)
	}
	return conn, nil
}

// hear waits for notifications on conn, reconnecting with a growing pause
// when the connection fails, until ctx ends.
func (d *DB) hear(ctx context.Context, conn *pgx.Conn, log *slog.Logger) {
	pause := 100 * time.Millisecond
	for {
		n, err := conn.WaitForNotification(ctx)
		if err == nil {
			pause = 100 * time.Millisecond
			origin, topic, _ := strings.Cut(n.Payload, " ")
			if origin != d.changes.origin { // this process ran its own at commit
				d.changes.publish(topic)
			}
			continue
		}
		conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		log.Warn("change listener lost its connection; reconnecting", "error", err)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(2*pause, 5*time.Second)
			if conn, err = d.listen(ctx); err == nil {
				break
			}
			log.Warn("change listener could not reconnect", "error", err)
		}
		log.Info("change listener reconnected")
		d.changes.publish("")
	}
}
