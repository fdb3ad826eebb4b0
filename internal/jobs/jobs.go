// Package jobs runs Kaede's durable job queue: River, on the store's own
// database through database/sql, so that a job is inserted in the same
// transaction as the change that needs it. A transaction that rolls back
// takes its jobs with it; one that commits leaves a job River will run,
// retrying with backoff until it succeeds or runs out of attempts.
//
// SQLite and PostgreSQL differ only in the River driver chosen in newDriver.
// River's tables live beside Kaede's: in the SQLite file, or in the first
// schema of PostgreSQL's search_path (which is how tests isolate).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"kaede/internal/db"
)

// QueueUrgent is the queue of the work that must not wait behind the
// customers' e-mail: the periodic tasks (the tamper monitor's check of the
// payment pages among them) and the security alerts. A burst of orders
// fills the default queue with confirmations, each an SMTP conversation;
// this queue has workers of its own, so that a check every minute still
// runs every minute and an alert still leaves at once.
const QueueUrgent = "urgent"

// urgentWorkers is how many urgent jobs run at once: the periodic tasks
// are few, and one slow one (the audit chain's verification) must not hold
// up the monitor.
const urgentWorkers = 2

// Config tunes a Runner. The zero value is what production uses, except
// that it registers no workers.
type Config struct {
	// Register adds the workers this process runs, for example
	// mail.SendWorker's Register. Nil makes an insert-only runner for
	// commands and tests: it can InsertTx but not Start.
	Register func(*river.Workers)
	// MaxWorkers is how many jobs run at once; zero means 4. SQLite has one
	// writer at a time, so more workers mostly wait on its lock.
	MaxWorkers int
	// PollInterval is how often an idle runner looks for new jobs; zero
	// means River's default of one second. Neither database/sql driver can
	// LISTEN, so polling is how a committed job is noticed.
	PollInterval time.Duration
	// RetryPolicy decides when a failed job runs again; nil means River's
	// exponential backoff (attempt^4 seconds). Tests shorten it.
	RetryPolicy river.ClientRetryPolicy
}

// Runner inserts jobs and, when it has workers, runs them and the tasks
// given to Schedule.
type Runner struct {
	client  *river.Client[*sql.Tx]
	d       *db.DB
	log     *slog.Logger
	working bool

	mu      sync.Mutex
	started bool
	tasks   map[string]Task
}

// New builds a Runner on d. It does not start working; call Start. River's
// tables must exist: run Migrate first.
func New(d *db.DB, log *slog.Logger, cfg Config) (*Runner, error) {
	driver, err := newDriver(d)
	if err != nil {
		return nil, err
	}
	rc := &river.Config{
		Logger:      log.With("component", "jobs"),
		RetryPolicy: cfg.RetryPolicy,
		// The default JobTimeout of a minute suits SMTP and anything else
		// Kaede runs; a job that needs more sets its own Timeout.
	}
	r := &Runner{d: d, log: log, working: cfg.Register != nil, tasks: map[string]Task{}}
	if cfg.Register != nil {
		workers := river.NewWorkers()
		cfg.Register(workers)
		river.AddWorker(workers, &taskWorker{r: r})
		rc.Workers = workers
		maxWorkers := cfg.MaxWorkers
		if maxWorkers <= 0 {
			maxWorkers = 4
		}
		rc.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: maxWorkers},
			QueueUrgent:        {MaxWorkers: urgentWorkers},
		}
		rc.FetchPollInterval = cfg.PollInterval
		if cfg.PollInterval > 0 && cfg.PollInterval < river.FetchCooldownDefault {
			// River refuses a cooldown longer than the poll interval.
			rc.FetchCooldown = cfg.PollInterval
		}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("new job client: %w", err)
	}
	r.client = client
	return r, nil
}

// newDriver picks River's driver for the dialect. Both run on the store's
// *sql.DB, so a job insert can join a store transaction.
//
// River's SQLite driver suggests a pool of one connection to avoid
// SQLITE_BUSY. Kaede's pools do not need that: on SQLite every write takes
// the process's turn (db's turns.go) and every transaction begins
// IMMEDIATE, so River's transactions queue for the write lock like the
// store's own instead of failing when a read would upgrade to a write.
// River runs its own statements on db.Queue, a pool apart from the store's.
func newDriver(d *db.DB) (riverdriver.Driver[*sql.Tx], error) {
	switch d.Dialect {
	case db.SQLite:
		return riversqlite.New(d.Queue()), nil
	case db.Postgres:
		return riverdatabasesql.New(d.DB), nil
	}
	return nil, fmt.Errorf("jobs: unsupported database dialect %q", d.Dialect)
}

// Migrate applies River's own migrations to d. It is idempotent. On
// PostgreSQL the tables go into the first schema of the search_path.
func Migrate(ctx context.Context, d *db.DB) error {
	m, err := newMigrator(d)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// CheckSchema returns an error when River's migrations are pending, so that
// a server does not start on a queue it cannot use.
func CheckSchema(ctx context.Context, d *db.DB) error {
	m, err := newMigrator(d)
	if err != nil {
		return err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("check job queue schema: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("job queue schema is behind (run \"kaede migrate\"): %v", res.Messages)
	}
	return nil
}

// newMigrator returns River's migrator for d. Its log is discarded: the
// caller learns of failures from the returned errors, and River would
// otherwise print to stdout on its own.
func newMigrator(d *db.DB) (*rivermigrate.Migrator[*sql.Tx], error) {
	driver, err := newDriver(d)
	if err != nil {
		return nil, err
	}
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("job queue migrator: %w", err)
	}
	return m, nil
}

// Start begins working jobs in the background until Stop. It fails on an
// insert-only runner.
func (r *Runner) Start(ctx context.Context) error {
	if !r.working {
		return errors.New("start job runner: no workers registered (insert-only runner)")
	}
	r.mu.Lock()
	r.started = true
	r.mu.Unlock()
	if err := r.rescueOrphans(ctx); err != nil {
		return err
	}
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("start job runner: %w", err)
	}
	r.log.Info("job runner started")
	return nil
}

// rescueOrphans makes the jobs that a killed process left running
// available again, on SQLite. There the store is one process, and a job
// runs only while that process does: a job still running when it starts
// was cut short by a crash (kill -9, the OOM killer, power lost). River
// rescues such a job only after RescueStuckJobsAfter, an hour, and the
// customer's e-mail it delivers would wait that long. Running it again
// now is what River's rescue would do later; every job tolerates it (the
// mail worker sends a message at most once). On PostgreSQL another
// instance may be running the job, so River's rescue stays in charge.
func (r *Runner) rescueOrphans(ctx context.Context) error {
	if r.d.Dialect != db.SQLite {
		return nil
	}
	res, err := r.d.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return fmt.Errorf("start job runner: rescue jobs left running: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		r.log.Warn("jobs left running by a stopped process run again", "jobs", n)
	}
	return nil
}

// Stop stops fetching new jobs and waits for running ones to finish, or
// for ctx to end, whichever is first. When ctx ends first the running jobs
// are cancelled; River retries them later.
func (r *Runner) Stop(ctx context.Context) error {
	if !r.working {
		return nil
	}
	err := r.client.Stop(ctx)
	if err == nil {
		r.log.Info("job runner stopped")
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("stop job runner: %w", err)
	}
	// Out of patience: cancel what is running, and give it a moment to
	// record its attempt so River can retry it.
	r.log.Warn("job runner did not stop in time, cancelling running jobs", "error", err)
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := r.client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("stop job runner: %w", err)
	}
	return nil
}

// InsertTx adds a job in tx. The job becomes visible to workers only when
// tx commits, and disappears if it rolls back.
func (r *Runner) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := r.client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("insert %s job: %w", args.Kind(), err)
	}
	return nil
}
