package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/jobs"
	"kaede/internal/testenv"
)

type noteArgs struct {
	Note string `json:"note"`
}

func (noteArgs) Kind() string { return "test_note" }

// noteWorker records the notes it works, failing the first fails attempts.
type noteWorker struct {
	river.WorkerDefaults[noteArgs]
	mu    sync.Mutex
	fails int
	tries int
	done  []string
	ran   chan string
}

func (w *noteWorker) Work(ctx context.Context, job *river.Job[noteArgs]) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tries++
	if w.tries <= w.fails {
		return errors.New("not yet")
	}
	w.done = append(w.done, job.Args.Note)
	w.ran <- job.Args.Note
	return nil
}

// fastRetry retries a failed job after 50ms, so retry tests take moments.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(50 * time.Millisecond) }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func startRunner(t *testing.T, d *db.DB, w *noteWorker) *jobs.Runner {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, d); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	r, err := jobs.New(d, quietLog(), jobs.Config{
		Register:     func(ws *river.Workers) { river.AddWorker(ws, w) },
		PollInterval: 50 * time.Millisecond,
		RetryPolicy:  fastRetry{},
	})
	if err != nil {
		t.Fatalf("new runner: %v", err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

func insert(t *testing.T, d *db.DB, r *jobs.Runner, note string, commit bool) {
	t.Helper()
	ctx := context.Background()
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := r.InsertTx(ctx, tx, noteArgs{Note: note}, nil); err != nil {
		t.Fatalf("insert: %v", err)
	}
	if commit {
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func wait(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("job did not run within 10s")
		return ""
	}
}

func TestMigrateIsIdempotentAndStaysInSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := range 2 {
			if err := jobs.Migrate(ctx, d); err != nil {
				t.Fatalf("migrate #%d: %v", i+1, err)
			}
		}
		if err := jobs.CheckSchema(ctx, d); err != nil {
			t.Fatalf("check schema: %v", err)
		}
		q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'river_job'`
		if d.Dialect == db.Postgres {
			// dbtest puts each test in its own schema through search_path;
			// River's tables must land there, not in public.
			q = `SELECT COUNT(*) FROM information_schema.tables
				WHERE table_schema = current_schema() AND current_schema() LIKE 'kaede_test_%' AND table_name = 'river_job'`
		}
		var n int
		if err := d.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("river_job tables in the test's schema=%d, want 1", n)
		}
	})
}

func TestCheckSchemaRefusesMissingQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := jobs.CheckSchema(context.Background(), d); err == nil {
			t.Fatal("check schema accepted a database without River's tables")
		}
	})
}

func TestCommittedJobRunsAndRolledBackJobNever(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := &noteWorker{ran: make(chan string, 10)}
		r := startRunner(t, d, w)
		insert(t, d, r, "rolled back", false)
		insert(t, d, r, "committed", true)
		if got := wait(t, w.ran); got != "committed" {
			t.Fatalf("ran %q, want committed", got)
		}
		var n int
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("jobs in river_job=%d, want 1 (the rolled-back one must not exist)", n)
		}
		// Once River has recorded the job done, it has nothing left to run:
		// only then does "ran only committed" say something.
		testenv.WaitFor(t, 10*time.Second, "the job completed", func() bool {
			var state string
			if err := d.QueryRowContext(context.Background(), `SELECT state FROM river_job`).Scan(&state); err != nil {
				t.Fatalf("job state: %v", err)
			}
			return state == "completed"
		})
		w.mu.Lock()
		defer w.mu.Unlock()
		if strings.Join(w.done, ",") != "committed" {
			t.Fatalf("ran %q, want only committed", w.done)
		}
	})
}

func TestFailedJobIsRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := &noteWorker{ran: make(chan string, 10), fails: 2}
		r := startRunner(t, d, w)
		insert(t, d, r, "flaky", true)
		wait(t, w.ran)
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.tries != 3 {
			t.Fatalf("tries=%d, want 3", w.tries)
		}
	})
}

func TestInsertOnlyRunner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		r, err := jobs.New(d, quietLog(), jobs.Config{})
		if err != nil {
			t.Fatalf("new: %v", err)
		}
		if err := r.Start(ctx); err == nil {
			t.Fatal("insert-only runner started")
		}
		insert(t, d, r, "later", true)
		var state string
		if err := d.QueryRowContext(ctx, `SELECT state FROM river_job WHERE kind = 'test_note'`).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state != "available" {
			t.Fatalf("state=%q, want available", state)
		}
		if err := r.Stop(ctx); err != nil {
			t.Fatalf("stop insert-only: %v", err)
		}
	})
}
