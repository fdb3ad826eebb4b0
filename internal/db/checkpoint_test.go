package db_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/db"
)

// TestCheckpointsWhileAWriterHoldsTheTurn: the WAL reaches the database
// file by the checkpointer, not by a commit, so it does while a writer
// holds the turn (before, SQLite checkpointed only in a commit that took
// the WAL past 1000 pages: these 200 never would have).
func TestCheckpointsWhileAWriterHoldsTheTurn(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kaede.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var auto int
	if err := d.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Errorf("wal_autocheckpoint %d, want 0: commits checkpoint inside the turn", auto)
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE filler (b TEXT)`); err != nil {
			return err
		}
		for range 200 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO filler (b) VALUES ($1)`, strings.Repeat("x", 4000)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	held, release := make(chan struct{}), make(chan struct{})
	writer := make(chan error, 1)
	go func() {
		writer <- d.Tx(ctx, func(tx *sql.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	// Released however the test ends: Close waits for the writer.
	var once sync.Once
	releaseWriter := func() { once.Do(func() { close(release) }) }
	defer releaseWriter()
	deadline := time.Now().Add(5 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= 200*4000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after 5 s: the WAL was not checkpointed while a writer held the turn", fi.Size())
		}
		time.Sleep(50 * time.Millisecond)
	}
	releaseWriter()
	if err := <-writer; err != nil {
		t.Fatal(err)
	}
}
