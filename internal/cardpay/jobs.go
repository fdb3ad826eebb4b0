package cardpay

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
)

// ReconcileArgs is the periodic job that asks the provider about card
// payments left unfinished (Reconcile).
type ReconcileArgs struct{}

// Kind names the job in River's tables.
func (ReconcileArgs) Kind() string { return "card_reconcile" }

// ExpireArgs is the periodic job that cancels card orders left unpaid
// past their time (ExpireDue).
type ExpireArgs struct{}

// Kind names the job in River's tables.
func (ExpireArgs) Kind() string { return "card_expire" }

// The jobs run every minute and retry soon: a failed run is only the
// provider or the database briefly away, and the next run repeats it
// anyway.
const (
	jobInterval    = time.Minute
	jobMaxAttempts = 3
)

// InsertOpts keeps a failed run from being retried for long: the next
// periodic run does the same work.
func (ReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: jobMaxAttempts}
}

// InsertOpts is as for ReconcileArgs.
func (ExpireArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: jobMaxAttempts} }

// Jobs runs the card jobs. The job runner is built before the services
// whose jobs it runs (they insert jobs through it), so Jobs is registered
// with the runner first and given its Service with Use before the runner
// starts.
type Jobs struct {
	s *Service
}

// Use sets the service the jobs work with. Call it before the runner
// starts.
func (j *Jobs) Use(s *Service) { j.s = s }

// Register adds the reconciliation and expiry workers to a jobs runner's
// workers (jobs.Config.Register).
func (j *Jobs) Register(ws *river.Workers) {
	river.AddWorker(ws, &reconcileWorker{j: j})
	river.AddWorker(ws, &expireWorker{j: j})
}

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	j *Jobs
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	if w.j.s == nil {
		return errNoService
	}
	n, err := w.j.s.Reconcile(ctx)
	if n > 0 {
		w.j.s.log.Info("card payments reconciled", "count", n)
	}
	return err
}

type expireWorker struct {
	river.WorkerDefaults[ExpireArgs]
	j *Jobs
}

func (w *expireWorker) Work(ctx context.Context, _ *river.Job[ExpireArgs]) error {
	if w.j.s == nil {
		return errNoService
	}
	_, err := w.j.s.ExpireDue(ctx)
	return err
}

var errNoService = errors.New("cardpay: jobs started before Use")

// PeriodicJobs are the two jobs every minute, and once at start so that a
// restarted store catches up at once (jobs.Config.Periodic).
func PeriodicJobs() []*river.PeriodicJob {
	opts := &river.PeriodicJobOpts{RunOnStart: true}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(jobInterval),
			func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil }, opts),
		river.NewPeriodicJob(river.PeriodicInterval(jobInterval),
			func() (river.JobArgs, *river.InsertOpts) { return ExpireArgs{}, nil }, opts),
	}
}
