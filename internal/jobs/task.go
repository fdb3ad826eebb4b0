package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"kaede/internal/metrics"
)

// Task is work the store does on a schedule: a clean-up, a provider
// check, a log line. Every task runs as a River job of one kind, "task",
// named in its arguments, so that a task needs no job type and no worker
// of its own. Only the elected leader among the store's instances inserts
// them, so several instances do not multiply them.
type Task struct {
	// Name identifies the task in River's job rows and in logs. It must be
	// unique and stay the same across releases.
	Name string
	// Every is how often the task runs. It also runs when an instance
	// becomes leader, so that a restarted store catches up at once.
	Every time.Duration
	// Run does the work. A failed run is retried a few times; the next
	// scheduled run repeats the work anyway.
	Run func(ctx context.Context) error
	// Timeout bounds one run; zero means River's default of a minute.
	Timeout time.Duration
}

// TaskArgs are a task's job arguments.
type TaskArgs struct {
	Task string `json:"task"`
}

// Kind names the job in River's tables.
func (TaskArgs) Kind() string { return "task" }

// InsertOpts keeps a failed run from being retried for long, and runs
// tasks in the urgent queue: a check due every minute never waits behind
// a backlog of e-mail.
func (TaskArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Queue: QueueUrgent}
}

// taskWorker runs the task its job names.
type taskWorker struct {
	river.WorkerDefaults[TaskArgs]
	r *Runner
}

// Timeout is the task's own, for the few (a backup) that take longer than
// River's default.
func (w *taskWorker) Timeout(job *river.Job[TaskArgs]) time.Duration {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	return w.r.tasks[job.Args.Task].Timeout
}

func (w *taskWorker) Work(ctx context.Context, job *river.Job[TaskArgs]) error {
	w.r.mu.Lock()
	t, ok := w.r.tasks[job.Args.Task]
	w.r.mu.Unlock()
	if !ok {
		// A task removed from the code, or a job inserted by an
		// instance of a newer release: retrying would not help.
		return river.JobCancel(fmt.Errorf("unknown task %q", job.Args.Task))
	}
	start := time.Now()
	err := t.Run(ctx)
	metrics.JobRun(t.Name, time.Since(start), err)
	return err
}

// Schedule adds tasks to a runner with workers. Call it before Start: the
// services a task calls are usually built after the runner, since they
// insert their jobs through it.
func (r *Runner) Schedule(tasks ...Task) error {
	if !r.working {
		return errors.New("schedule tasks: no workers registered (insert-only runner)")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return errors.New("schedule tasks: the runner has started")
	}
	for _, t := range tasks {
		if t.Name == "" || t.Every < time.Second || t.Run == nil {
			return fmt.Errorf("schedule task %q: want a name, an interval of at least a second and a function", t.Name)
		}
		if _, dup := r.tasks[t.Name]; dup {
			return fmt.Errorf("schedule task %q: scheduled twice", t.Name)
		}
		r.tasks[t.Name] = t
		args := TaskArgs{Task: t.Name}
		r.client.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(t.Every),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{ID: t.Name, RunOnStart: true}))
	}
	return nil
}
