package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/jobs"
	"kaede/internal/testenv"
)

// newTaskRunner returns a migrated runner with no workers of its own
// (tasks only), not yet started.
func newTaskRunner(t *testing.T, d *db.DB) *jobs.Runner {
	t.Helper()
	if err := jobs.Migrate(context.Background(), d); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	r, err := jobs.New(d, quietLog(), jobs.Config{
		Register:     func(*river.Workers) {},
		PollInterval: 50 * time.Millisecond,
		RetryPolicy:  fastRetry{},
	})
	if err != nil {
		t.Fatalf("new runner: %v", err)
	}
	return r
}

func start(t *testing.T, r *jobs.Runner) {
	t.Helper()
	if err := r.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

// Scheduled tasks run when the runner starts (and then every interval); a
// failed run is retried.
func TestScheduledTasksRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newTaskRunner(t, d)
		ran := make(chan string, 10)
		var flakyFails atomic.Int32
		flakyFails.Store(1)
		err := r.Schedule(
			jobs.Task{Name: "steady", Every: time.Hour, Run: func(context.Context) error {
				ran <- "steady"
				return nil
			}},
			jobs.Task{Name: "flaky", Every: time.Hour, Run: func(context.Context) error {
				if flakyFails.Add(-1) >= 0 {
					return errors.New("not yet")
				}
				ran <- "flaky"
				return nil
			}},
		)
		if err != nil {
			t.Fatalf("schedule: %v", err)
		}
		start(t, r)
		got := map[string]bool{wait(t, ran): true, wait(t, ran): true}
		if !got["steady"] || !got["flaky"] {
			t.Fatalf("ran %v, want steady and flaky", got)
		}
		if err := r.Schedule(jobs.Task{Name: "late", Every: time.Hour, Run: func(context.Context) error { return nil }}); err == nil {
			t.Fatal("a task was scheduled after start")
		}
	})
}

func TestScheduleRefusesBadTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newTaskRunner(t, d)
		ok := func(context.Context) error { return nil }
		for name, task := range map[string]jobs.Task{
			"no name":     {Every: time.Hour, Run: ok},
			"no interval": {Name: "x", Run: ok},
			"no function": {Name: "x", Every: time.Hour},
		} {
			if err := r.Schedule(task); err == nil {
				t.Errorf("%s: scheduled", name)
			}
		}
		if err := r.Schedule(jobs.Task{Name: "twice", Every: time.Hour, Run: ok}, jobs.Task{Name: "twice", Every: time.Hour, Run: ok}); err == nil {
			t.Error("the same name scheduled twice")
		}
		insertOnly, err := jobs.New(d, quietLog(), jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := insertOnly.Schedule(jobs.Task{Name: "x", Every: time.Hour, Run: ok}); err == nil {
			t.Error("an insert-only runner took a task")
		}
	})
}

// A job naming a task this release does not have is cancelled, not
// retried.
func TestUnknownTaskIsCancelled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newTaskRunner(t, d)
		start(t, r)
		tx, err := d.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := r.InsertTx(ctx, tx, jobs.TaskArgs{Task: "gone"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var state string
			if err := d.QueryRowContext(ctx, `SELECT state FROM river_job WHERE kind = 'task'`).Scan(&state); err != nil {
				t.Fatal(err)
			}
			if state == "cancelled" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("state=%q after 10s, want cancelled", state)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

type blockArgs struct{}

func (blockArgs) Kind() string { return "test_block" }

// blockWorker holds its job until release is closed: a slow SMTP server.
type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	release chan struct{}
}

func (w *blockWorker) Work(ctx context.Context, _ *river.Job[blockArgs]) error {
	select {
	case <-w.release:
	case <-ctx.Done():
	}
	return nil
}

// TestTasksDoNotWaitBehindABacklog: with every worker of the default
// queue busy and more jobs waiting (a burst of order e-mail to a slow
// server), a task due now still runs at once in the urgent queue.
func TestTasksDoNotWaitBehindABacklog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		w := &blockWorker{release: make(chan struct{})}
		r, err := jobs.New(d, quietLog(), jobs.Config{
			Register:     func(ws *river.Workers) { river.AddWorker(ws, w) },
			MaxWorkers:   1,
			PollInterval: 50 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if err := d.Tx(ctx, func(tx *sql.Tx) error { return r.InsertTx(ctx, tx, blockArgs{}, nil) }); err != nil {
				t.Fatal(err)
			}
		}
		ran := make(chan struct{}, 1)
		if err := r.Schedule(jobs.Task{Name: "monitor_check", Every: time.Hour, Run: func(context.Context) error {
			ran <- struct{}{}
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		start(t, r)
		// Released before the runner stops (cleanups run last first).
		t.Cleanup(func() { close(w.release) })
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("the task waited behind the default queue's backlog")
		}
	})
}

// A task's own Timeout bounds its run instead of River's minute: a task
// that waits on its context sees it end at the task's deadline.
func TestTaskTimeout(t *testing.T) {
	d := dbtest.SQLite(t)
	r := newTaskRunner(t, d)
	left := make(chan time.Duration, 10)
	err := r.Schedule(jobs.Task{Name: "slow", Every: time.Hour, Timeout: 3 * time.Hour, Run: func(ctx context.Context) error {
		deadline, ok := ctx.Deadline()
		if !ok {
			left <- 0
			return nil
		}
		left <- time.Until(deadline)
		return nil
	}})
	if err != nil {
		t.Fatalf("schedule: %v", err)
	}
	start(t, r)
	select {
	case d := <-left:
		if d < 2*time.Hour {
			t.Fatalf("the run's deadline is %s away, want the task's 3h", d)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the task did not run")
	}
}

// TestTasksRunOnceAcrossInstances is two instances on one PostgreSQL, each
// scheduling the same task every second: only River's elected leader
// inserts the runs, so the fleet runs it once a second, not twice. Two
// leaders would show as runs in pairs, a few milliseconds apart.
func TestTasksRunOnceAcrossInstances(t *testing.T) {
	a := dbtest.Postgres(t)
	b, err := db.Open(context.Background(), a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var mu sync.Mutex
	var runs []time.Time
	for _, d := range []*db.DB{a, b} {
		r := newTaskRunner(t, d)
		err := r.Schedule(jobs.Task{Name: "tick", Every: time.Second, Run: func(context.Context) error {
			mu.Lock()
			runs = append(runs, time.Now())
			mu.Unlock()
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		start(t, r)
	}
	const want = 6
	testenv.WaitFor(t, 30*time.Second, "six runs of the task", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(runs) >= want
	})
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(runs, func(x, y time.Time) int { return x.Compare(y) })
	for i := 1; i < len(runs); i++ {
		if gap := runs[i].Sub(runs[i-1]); gap < 500*time.Millisecond {
			t.Fatalf("runs %d and %d of a task due every second were %s apart: more than one instance schedules it", i-1, i, gap)
		}
	}
	span := runs[len(runs)-1].Sub(runs[0])
	t.Logf("%d runs in %s across two instances", len(runs), span.Round(time.Millisecond))
}
