package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// Sending 10,000 notices takes tens of seconds of database work, longer
// than a page should wait (and, on a loaded PostgreSQL, close to the
// admin's write timeout). The admin therefore hands the run to the job
// queue: the job runs Send, and if the process dies half-way River runs
// it again, which sends to the rest only.

// SendJobArgs is the job that sends one incident's campaign on behalf of
// the member of staff who asked.
type SendJobArgs struct {
	IncidentID int64  `json:"incident_id"`
	By         string `json:"by"` // the member of staff, as the audit log names them
	IP         string `json:"ip"`
}

// Kind names the job in River's tables.
func (SendJobArgs) Kind() string { return "incident_campaign_send" }

// InsertOpts gives a run cut short by a crash or a database error a few
// more tries: each one sends only to those still pending.
func (SendJobArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// SendWorker runs SendJobArgs jobs. Register it on the server's job runner
// (its Register as part of jobs.Config.Register) and set Campaigns before
// the runner starts.
type SendWorker struct {
	river.WorkerDefaults[SendJobArgs]
	Campaigns *Campaigns
}

// Register adds the worker to a jobs runner's workers.
func (w *SendWorker) Register(ws *river.Workers) { river.AddWorker(ws, w) }

// Timeout lets a run of many thousands finish: River's default minute is
// for jobs that send one e-mail.
func (w *SendWorker) Timeout(*river.Job[SendJobArgs]) time.Duration { return 30 * time.Minute }

// Work sends the campaign. A text edited since the request (untested, or a
// new revision) cancels the job: staff test the new text and send again.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendJobArgs]) error {
	if w.Campaigns == nil {
		return errors.New("incident: campaign send worker without campaigns")
	}
	_, err := w.Campaigns.Send(ctx, job.Args.IncidentID, SendOptions{}, audit.Actor{Name: job.Args.By, IP: job.Args.IP})
	if err != nil && shop.ErrorCode(err) != shop.Internal {
		return river.JobCancel(err)
	}
	return err
}

// Started says how a send asked for through SendLater goes on.
type Started struct {
	// Background: a job sends; Progress shows it going.
	Background bool
	// Pending is how many people were not yet written to when asked.
	Pending int
	// Result is the run's, when it ran at once (no job runner).
	Result SendResult
}

// SendLater checks that the campaign may be sent (its current text was
// test-sent) and queues the job that sends it, audited as by in the same
// transaction. Without Jobs it sends at once. With nobody left to write
// to it does nothing.
func (c *Campaigns) SendLater(ctx context.Context, incidentID int64, by audit.Actor) (Started, error) {
	if c.Jobs == nil {
		res, err := c.Send(ctx, incidentID, SendOptions{}, by)
		return Started{Pending: res.Queued + res.Failed, Result: res}, err
	}
	now := c.clock().UTC()
	var st Started
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		camp, err := c.getTx(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		if !camp.Tested() {
			return ErrNotTested
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_recipients WHERE campaign_id = $1 AND email_state = 'pending'`,
			camp.ID).Scan(&st.Pending); err != nil {
			return fmt.Errorf("incident: count pending recipients: %w", err)
		}
		if st.Pending == 0 {
			return nil
		}
		if err := c.Jobs.InsertTx(ctx, tx, SendJobArgs{IncidentID: incidentID, By: by.Name, IP: by.IP}, nil); err != nil {
			return err
		}
		st.Background = true
		return audit.Record(ctx, tx, now, by, "incident.campaign.send_requested", camp.Ref(), nil,
			map[string]any{"revision": camp.Revision, "pending": st.Pending})
	})
	if err != nil {
		return Started{}, err
	}
	return st, nil
}
