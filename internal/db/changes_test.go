package db_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/testenv"
)

// counter counts the calls of a subscriber.
type counter struct{ n atomic.Int64 }

func (c *counter) inc()       { c.n.Add(1) }
func (c *counter) get() int64 { return c.n.Load() }

// announce commits (or, with fail, rolls back) a transaction announcing
// topic.
func announce(t *testing.T, d *db.DB, topic string, fail bool) {
	t.Helper()
	errFail := errors.New("rolled back on purpose")
	err := d.Tx(t.Context(), func(tx *sql.Tx) error {
		if err := d.Announce(t.Context(), tx, topic); err != nil {
			return err
		}
		if fail {
			return errFail
		}
		return nil
	})
	if fail != errors.Is(err, errFail) {
		t.Fatalf("announce %s: %v", topic, err)
	}
}

// TestChangesInOneProcess: a committed announcement runs this process's
// subscribers of its topic before Tx returns; a rolled-back one runs none.
func TestChangesInOneProcess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var settings, any counter
		d.OnChange(settings.inc, "settings")
		d.OnChange(any.inc)
		announce(t, d, "settings", true)
		if settings.get() != 0 || any.get() != 0 {
			t.Fatalf("after a rollback: settings=%d any=%d, want 0 0", settings.get(), any.get())
		}
		announce(t, d, "settings", false)
		announce(t, d, "catalog", false)
		if settings.get() != 1 || any.get() != 2 {
			t.Fatalf("after two commits: settings=%d any=%d, want 1 2", settings.get(), any.get())
		}
		if err := d.Tx(t.Context(), func(tx *sql.Tx) error { return d.Announce(t.Context(), tx, "two words") }); err == nil {
			t.Fatal("a topic with a space was announced")
		}
	})
}

// TestChangesAcrossProcesses: two handles on one PostgreSQL schema stand
// for two instances. What one commits reaches the other's listener; what
// it rolls back does not; a third schema hears nothing; and a listener
// whose connection is killed reconnects, clears everything, and hears the
// next change.
func TestChangesAcrossProcesses(t *testing.T) {
	a := dbtest.Postgres(t)
	b, err := db.Open(t.Context(), a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	other := dbtest.Postgres(t)

	var onB, onOther counter
	b.OnChange(onB.inc, "switches")
	other.OnChange(onOther.inc)
	log := slog.New(slog.DiscardHandler)
	for _, d := range []*db.DB{b, other} {
		l, err := d.ListenForChanges(t.Context(), log)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
	}

	announce(t, a, "switches", true)
	announce(t, a, "settings", false) // not b's topic
	at := time.Now()
	announce(t, a, "switches", false)
	testenv.WaitFor(t, time.Second, "b to hear the switch", func() bool { return onB.get() > 0 })
	t.Logf("heard on the other handle %s after the commit", time.Since(at).Round(time.Microsecond))
	announce(t, a, "switches", false)
	testenv.WaitFor(t, time.Second, "b to hear the second switch", func() bool { return onB.get() == 2 })

	// Kill b's listening connection, as a restarted server or a network
	// cut would.
	var killed int
	err = a.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query = 'LISTEN "kaede_changes:' || current_schema() || '"' AND pid <> pg_backend_pid()) k`).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("killed %d listeners (%v), want 1", killed, err)
	}
	testenv.WaitFor(t, 5*time.Second, "b to reconnect and clear everything", func() bool { return onB.get() == 3 })
	announce(t, a, "switches", false)
	testenv.WaitFor(t, time.Second, "b to hear a switch after reconnecting", func() bool { return onB.get() == 4 })

	// other's schema heard nothing of a's, and hears its own.
	if onOther.get() != 0 {
		t.Fatalf("another schema heard %d changes, want 0", onOther.get())
	}
	o2, err := db.Open(context.Background(), other.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Close()
	announce(t, o2, "catalog", false)
	testenv.WaitFor(t, time.Second, "the other schema to hear its own change", func() bool { return onOther.get() == 1 })
}
