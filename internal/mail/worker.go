package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"

	"github.com/riverqueue/river"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// SendArgs is the delivery job for stored messages. It holds only their
// ids: a body may carry a reset token and stays in mail_messages, out of
// the queue's tables.
type SendArgs struct {
	// MessageID is the one message of a job written before jobs carried
	// several; such jobs may still wait in a queue.
	MessageID  int64   `json:"message_id,omitempty"`
	MessageIDs []int64 `json:"message_ids,omitempty"`
}

// ids are the job's messages.
func (a SendArgs) ids() []int64 {
	if a.MessageID != 0 {
		return append([]int64{a.MessageID}, a.MessageIDs...)
	}
	return a.MessageIDs
}

// Kind names the job in River's tables.
func (SendArgs) Kind() string { return "mail_send" }

// sendMaxAttempts gives a message about a day of retries under River's
// attempt^4 backoff (the sum to 13 is about 25 hours): long enough to ride
// out an SMTP outage, short enough that a message is not delivered weeks
// after it stopped mattering.
const sendMaxAttempts = 13

// InsertOpts sets the delivery job's attempts.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: sendMaxAttempts}
}

// Delivery says how SendWorker delivers.
type Delivery struct {
	// SMTP is the server to hand messages to; nil keeps them in the
	// outbox for the operator (the demo).
	SMTP *SMTPConfig
	// From is the sender: "shop@example.jp" or "楓 <shop@example.jp>".
	From string
}

// SendWorker delivers stored messages: over SMTP when configured, else by
// marking them for the outbox. It sends a message at most once, but for a
// process that dies between the server's acceptance and its record.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	d     *db.DB
	smtp  *SMTPConfig
	from  *mail.Address
	clock shop.Clock
	log   *slog.Logger
	// unrecorded are the messages the server accepted whose record as
	// sent failed: a retry of their job records them instead of sending
	// them again.
	unrecorded sync.Map // message id → struct{}
}

// NewSendWorker checks dl and returns the worker; register it on a jobs
// runner with its Register method.
func NewSendWorker(d *db.DB, dl Delivery, clock shop.Clock, log *slog.Logger) (*SendWorker, error) {
	w := &SendWorker{d: d, smtp: dl.SMTP, clock: clock, log: log.With("component", "mail")}
	if dl.SMTP != nil {
		from, err := mail.ParseAddress(dl.From)
		if err != nil || strings.ContainsAny(dl.From, "\r\n") {
			return nil, fmt.Errorf("mail sender %q: want an e-mail address", dl.From)
		}
		w.from = from
	}
	return w, nil
}

// Register adds the worker to a jobs runner's workers: pass it as
// jobs.Config.Register.
func (w *SendWorker) Register(ws *river.Workers) { river.AddWorker(ws, w) }

// Work delivers the job's messages, each on its own. A message that is no
// longer queued (sent, kept in the outbox, given up) is left alone, so a
// job that runs again never sends one twice; the job is retried while one
// of its messages still waits for the server.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	ids := job.Args.ids()
	var retry, cancelled error
	gone := 0
	for _, id := range ids {
		err := w.send(ctx, job, id)
		var cancel *river.JobCancelError
		if errors.As(err, &cancel) {
			// This message cannot go; the others may.
			cancelled, gone = errors.Join(cancelled, err), gone+1
			continue
		}
		retry = errors.Join(retry, err)
	}
	if retry == nil && gone == len(ids) && gone > 0 {
		return river.JobCancel(cancelled)
	}
	return retry
}

// send delivers message id. A river.JobCancel error says that retrying
// will not help it.
func (w *SendWorker) send(ctx context.Context, job *river.Job[SendArgs], id int64) error {
	if _, ok := w.unrecorded.Load(id); ok {
		if err := w.markSent(ctx, id); err != nil {
			return err
		}
		w.unrecorded.Delete(id)
		w.log.Info("mail sent earlier, recorded now", "mail", id)
		return nil
	}
	m, err := Get(ctx, w.d, id)
	if shop.ErrorCode(err) == shop.NotFound {
		w.log.Error("mail job for a missing message", "mail", id)
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if m.Status != StatusQueued {
		w.log.Info("mail already handled", "mail", id, "kind", m.Kind, "status", m.Status)
		return nil
	}
	if w.smtp == nil {
		if _, err := w.d.ExecContext(ctx, `UPDATE mail_messages SET status = 'outbox' WHERE id = $1 AND status = 'queued'`, id); err != nil {
			return fmt.Errorf("keep mail %d in outbox: %w", id, err)
		}
		w.log.Info("mail kept in outbox", "mail", id, "kind", m.Kind, "status", StatusOutbox)
		return nil
	}

	data, err := compose(m, w.from, w.clock().UTC())
	if err != nil {
		// The row cannot become a valid message; retrying will not help.
		w.fail(ctx, m, job, err, true)
		return river.JobCancel(err)
	}
	to, _ := parseRecipient(m.To) // compose checked it
	accepted := false
	err = w.smtp.deliver(ctx, envelope{from: w.from.Address, to: to.Address, helo: heloName(w.from), data: data}, func() error {
		accepted = true
		return w.markSent(ctx, id)
	})
	switch {
	case err == nil:
		w.log.Info("mail sent", "mail", id, "kind", m.Kind, "status", StatusSent, "attempt", job.Attempt)
		return nil
	case accepted:
		// The server has the message but the outbox does not know: the
		// job's retry records it instead of sending it again.
		w.unrecorded.Store(id, struct{}{})
		w.log.Error("mail sent but not recorded", "mail", id, "kind", m.Kind, "error", err)
		return err
	}
	final := job.Attempt >= job.MaxAttempts
	w.fail(ctx, m, job, err, final)
	return err
}

// markSent records that the server accepted message id. It runs even when
// the job's context has just ended: the message is out either way.
func (w *SendWorker) markSent(ctx context.Context, id int64) error {
	_, err := w.d.ExecContext(context.WithoutCancel(ctx), `UPDATE mail_messages
		SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = ''
		WHERE id = $1`, id, w.clock().UTC())
	if err != nil {
		return fmt.Errorf("record mail %d as sent: %w", id, err)
	}
	return nil
}

// fail records a failed attempt; on the last one the message is 'failed'
// for the operator to see.
func (w *SendWorker) fail(ctx context.Context, m Stored, job *river.Job[SendArgs], cause error, final bool) {
	status := StatusQueued
	if final {
		status = StatusFailed
	}
	msg := cause.Error()
	if len(msg) > 500 {
		// Cut on bytes, then drop a split character: PostgreSQL refuses
		// text that is not UTF-8.
		msg = strings.ToValidUTF8(msg[:500], "")
	}
	_, err := w.d.ExecContext(context.WithoutCancel(ctx), `UPDATE mail_messages
		SET attempts = attempts + 1, last_error = $2, status = $3
		WHERE id = $1 AND status = 'queued'`, m.ID, msg, status)
	if err != nil {
		w.log.Error("record mail failure", "mail", m.ID, "error", err)
	}
	w.log.Warn("mail not sent", "mail", m.ID, "kind", m.Kind, "status", status, "attempt", job.Attempt, "error", cause)
}

// heloName is the sender's domain: the one name Kaede has that a server
// may check against its own records.
func heloName(from *mail.Address) string {
	return from.Address[strings.LastIndexByte(from.Address, '@')+1:]
}
