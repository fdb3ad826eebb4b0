package db

import (
	"context"
	"sync"
	"time"
)

// On SQLite, the WAL is copied back into the database file (a checkpoint)
// by a goroutine of its own. SQLite's automatic checkpoint runs in the
// commit that takes the WAL past 1000 pages, on the connection that
// commits: in Kaede that is the writing goroutine, holding the turn every
// other writer waits for, through the checkpoint's writes and its fsync
// (5% of the writing goroutine's time under a checkout load). Every
// connection opens with the automatic checkpoint off (sqliteDSN), and the
// checkpointer runs a PASSIVE checkpoint every checkpointEvery: it takes
// no writer's lock, so writers go on while it copies, and it copies what
// no reader still needs, as the automatic one did. When the last
// connection closes, SQLite checkpoints the rest itself.

// checkpointEvery is how often the checkpointer runs; a few megabytes of
// WAL at most build up between two runs under a checkout load.
const checkpointEvery = time.Second

// checkpointSQL is the statement the checkpointer runs; reads (turns.go)
// lets it run without the turn to write.
const checkpointSQL = `PRAGMA wal_checkpoint(PASSIVE)`

type checkpointer struct {
	stop chan struct{}
	once sync.Once
	done chan struct{}
}

func newCheckpointer(d *DB) *checkpointer {
	c := &checkpointer{stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(d)
	return c
}

func (c *checkpointer) run(d *DB) {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			// A checkpoint that fails (a full disk) leaves the WAL as it
			// was, every commit still in it; the next run tries again,
			// and the writers report the disk themselves.
			d.DB.ExecContext(context.Background(), checkpointSQL)
		case <-c.stop:
			return
		}
	}
}

func (c *checkpointer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.done
}
