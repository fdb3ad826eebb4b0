package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// The e-mails' kinds in the outbox.
const (
	MailKindNotice = "incident_notice"      // to an affected person
	MailKindTest   = "incident_notice_test" // the test to staff
)

const selectRecipient = `SELECT id, campaign_id, customer_key, email, member_id, name, phone, postal_code,
	prefecture, city, line1, line2, orders, letter, email_state, message_id, email_error, queued_at
	FROM incident_recipients`

func scanRecipient(row interface{ Scan(...any) error }) (Recipient, error) {
	var r Recipient
	var orders, state string
	var msg sql.NullInt64
	var queued sql.NullTime
	err := row.Scan(&r.ID, &r.CampaignID, &r.Key, &r.Email, &r.MemberID, &r.Name, &r.Phone, &r.PostalCode,
		&r.Prefecture, &r.City, &r.Line1, &r.Line2, &orders, &r.Letter, &state, &msg, &r.EmailError, &queued)
	if err != nil {
		return Recipient{}, err
	}
	var stored []storedOrder
	if err := json.Unmarshal([]byte(orders), &stored); err != nil {
		return Recipient{}, fmt.Errorf("decode orders of recipient %d: %w", r.ID, err)
	}
	for _, o := range stored {
		r.Orders = append(r.Orders, AffectedOrder{Number: o.Number, PlacedAt: o.PlacedAt.UTC(), Total: o.Total,
			Method: o.Method, Brand: o.Brand, Last4: o.Last4})
	}
	r.EmailState, r.MessageID = EmailState(state), msg.Int64
	if queued.Valid {
		r.QueuedAt = queued.Time.UTC()
	}
	return r, nil
}

// recipient returns one recipient of the campaign; id 0 means the first.
func (c *Campaigns) recipient(ctx context.Context, camp Campaign, id int64) (Recipient, error) {
	q, args := selectRecipient+` WHERE campaign_id = $1 ORDER BY id LIMIT 1`, []any{camp.ID}
	if id != 0 {
		q, args = selectRecipient+` WHERE campaign_id = $1 AND id = $2`, []any{camp.ID, id}
	}
	r, err := scanRecipient(c.db.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Recipient{}, &shop.Error{Code: shop.NotFound, Message: "no such recipient in this campaign"}
	}
	if err != nil {
		return Recipient{}, fmt.Errorf("incident: recipient: %w", err)
	}
	return r, nil
}

// Rendered is the notice as one person receives it.
type Rendered struct {
	Recipient Recipient
	Subject   string
	Body      string
}

// Preview renders the campaign's e-mail for one of its recipients (id 0:
// the first), exactly as it would be sent.
func (c *Campaigns) Preview(ctx context.Context, incidentID, recipientID int64) (Rendered, error) {
	camp, err := c.Get(ctx, incidentID)
	if err != nil {
		return Rendered{}, err
	}
	r, err := c.recipient(ctx, camp, recipientID)
	if err != nil {
		return Rendered{}, err
	}
	t, st, err := c.prepareRender(ctx, camp)
	if err != nil {
		return Rendered{}, err
	}
	subject, body, err := t.render(noticeData(r.Customer, camp.Facts, st, c.clock()))
	if err != nil {
		return Rendered{}, &shop.Error{Code: shop.Conflict, Message: "the notice cannot be written for this customer: " + err.Error()}
	}
	return Rendered{Recipient: r, Subject: subject, Body: body}, nil
}

func (c *Campaigns) prepareRender(ctx context.Context, camp Campaign) (noticeTemplate, settings.Settings, error) {
	t, err := parseNotice(camp.Subject, camp.Body)
	if err != nil {
		// Saved templates were checked; this one was changed outside Kaede.
		return noticeTemplate{}, settings.Settings{}, fmt.Errorf("incident: stored notice template: %w", err)
	}
	st, err := c.settings.Get(ctx)
	if err != nil {
		return noticeTemplate{}, settings.Settings{}, err
	}
	return t, st, nil
}

// TestSend writes the notice for one recipient (id 0: the first) to the
// member of staff at to, marked as a test, and records that the current
// revision was tested. Audited.
func (c *Campaigns) TestSend(ctx context.Context, incidentID, recipientID int64, to string, by audit.Actor) error {
	p, err := c.Preview(ctx, incidentID, recipientID)
	if err != nil {
		return err
	}
	msg := mail.Message{Kind: MailKindTest, To: to, Subject: "【テスト送信】" + p.Subject,
		Body: "※ これはお客様へのお知らせのテスト送信です。お客様には送信されていません。\n" +
			"  (A test of the customers' notice: no customer was sent this.)\n\n" + p.Body}
	if err := msg.Validate(); err != nil {
		return &shop.Error{Code: shop.Invalid, Message: "the test e-mail's address is not valid", Fields: map[string]string{"to": shop.ReasonFormat}}
	}
	now := c.clock().UTC()
	return c.db.Tx(ctx, func(tx *sql.Tx) error {
		camp, err := c.getTx(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		id, err := c.queue.Enqueue(ctx, tx, msg)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_campaigns SET tested_revision = revision, tested_by = $1, tested_at = $2 WHERE id = $3`,
			by.Name, now, camp.ID); err != nil {
			return fmt.Errorf("incident: record test e-mail: %w", err)
		}
		return audit.Record(ctx, tx, now, by, "incident.campaign.test", camp.Ref(), nil,
			map[string]any{"revision": camp.Revision, "to": to, "message": id, "recipient": p.Recipient.ID})
	})
}

// SendOptions change how Send checks before writing to customers.
type SendOptions struct {
	// SkipTest sends although no test e-mail went to staff after the last
	// edit: only for the command line, where the operator says so.
	SkipTest bool
}

// SendResult counts what a Send did.
type SendResult struct {
	Queued  int // e-mails written to the outbox by this run
	Skipped int // recipients already handled before it (queued, sent or failed)
	Failed  int // recipients whose e-mail could not be written (no valid address)
}

// ErrNotTested refuses to send a campaign whose current text has not been
// test-sent to staff.
var ErrNotTested = &shop.Error{Code: shop.Conflict, Message: "send a test e-mail to yourself after the last change first"}

// Send writes the notice to every recipient still pending, in batches,
// each batch in one transaction with the recipients' state: a run that
// stops half-way (a crash, a database error) leaves every recipient
// either queued with their message or pending without one, and running
// Send again writes to the pending ones only. Nobody is ever written to
// twice. The first batch of a run records the timeline's notification
// event and the audit entry in its own transaction. The outbox's worker
// delivers, with its retries; Progress follows it.
func (c *Campaigns) Send(ctx context.Context, incidentID int64, opt SendOptions, by audit.Actor) (SendResult, error) {
	camp, err := c.Get(ctx, incidentID)
	if err != nil {
		return SendResult{}, err
	}
	if !opt.SkipTest && !camp.Tested() {
		return SendResult{}, ErrNotTested
	}
	t, st, err := c.prepareRender(ctx, camp)
	if err != nil {
		return SendResult{}, err
	}
	var res SendResult
	var pending int
	err = c.db.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE email_state <> 'pending'), COUNT(*) FILTER (WHERE email_state = 'pending')
		FROM incident_recipients WHERE campaign_id = $1`, camp.ID).Scan(&res.Skipped, &pending)
	if err != nil {
		return SendResult{}, fmt.Errorf("incident: count recipients: %w", err)
	}
	first := true
	for {
		n, err := c.sendBatch(ctx, incidentID, camp.Revision, t, st, opt, by, first, pending, &res)
		if err != nil {
			return res, err
		}
		if n == 0 {
			return res, nil
		}
		first = false
		if c.afterBatch != nil {
			if err := c.afterBatch(res.Queued); err != nil {
				return res, err
			}
		}
	}
}

// sendBatch queues up to c.batch pending recipients in one transaction
// and returns how many it handled.
func (c *Campaigns) sendBatch(ctx context.Context, incidentID int64, revision int, t noticeTemplate, st settings.Settings, opt SendOptions,
	by audit.Actor, first bool, pending int, res *SendResult) (int, error) {
	now := c.clock().UTC()
	var queued, failed int
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		queued, failed = 0, 0
		camp, err := c.getTx(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		// Checked again under the lock: an edit since the run began made
		// the tested revision stale.
		if !opt.SkipTest && !camp.Tested() {
			return ErrNotTested
		}
		if camp.Revision != revision {
			// Edited (and tested again) since this run read the text:
			// the next run sends the new one.
			return &shop.Error{Code: shop.Conflict, Message: "the notice changed after sending began: send again"}
		}
		rows, err := tx.QueryContext(ctx, selectRecipient+` WHERE campaign_id = $1 AND email_state = 'pending' ORDER BY id LIMIT $2`, camp.ID, c.batch)
		if err != nil {
			return fmt.Errorf("incident: pending recipients: %w", err)
		}
		var batch []Recipient
		for rows.Next() {
			r, err := scanRecipient(rows)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("incident: pending recipients: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			ok, err := c.queueOne(ctx, tx, t, st, camp, r, now)
			if err != nil {
				return err
			}
			if ok {
				queued++
			} else {
				failed++
			}
		}
		if !first {
			return nil
		}
		if camp.SendingAt.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE incident_campaigns SET sending_by = $1, sending_at = $2 WHERE id = $3`, by.Name, now, camp.ID); err != nil {
				return fmt.Errorf("incident: mark campaign sending: %w", err)
			}
		}
		text := fmt.Sprintf("お客様へのお詫びとお知らせのメールを送信（%d 名、送信済み %d 名を除く）", pending, res.Skipped)
		if _, err := c.inc.RecordTx(ctx, tx, incidentID, EventNotification, now, text, by); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "incident.campaign.send", camp.Ref(), nil, map[string]any{
			"revision": camp.Revision, "pending": pending, "already": res.Skipped, "skip_test": opt.SkipTest})
	})
	if err != nil {
		return 0, err
	}
	res.Queued += queued
	res.Failed += failed
	return queued + failed, nil
}

// queueOne writes one recipient's e-mail to the outbox and marks them
// queued, in tx. Someone whose message cannot be written (no valid
// address, a text that would carry a card number) is marked failed with
// the reason instead, and reported false: the letter still reaches them.
func (c *Campaigns) queueOne(ctx context.Context, tx *sql.Tx, t noticeTemplate, st settings.Settings, camp Campaign, r Recipient, now time.Time) (bool, error) {
	subject, body, err := t.render(noticeData(r.Customer, camp.Facts, st, now))
	var msg mail.Message
	if err == nil {
		msg = mail.Message{Kind: MailKindNotice, To: r.Email, Subject: subject, Body: body}
		if verr := msg.Validate(); verr != nil {
			err = errors.New("the e-mail address is not valid")
		}
	}
	if err != nil {
		_, uerr := tx.ExecContext(ctx, `UPDATE incident_recipients SET email_state = 'failed', email_error = $1
			WHERE id = $2 AND email_state = 'pending'`, err.Error(), r.ID)
		if uerr != nil {
			return false, fmt.Errorf("incident: mark recipient %d failed: %w", r.ID, uerr)
		}
		return false, nil
	}
	id, err := c.queue.Enqueue(ctx, tx, msg)
	if err != nil {
		return false, err
	}
	u, err := tx.ExecContext(ctx, `UPDATE incident_recipients SET email_state = 'queued', message_id = $1, queued_at = $2, email_error = ''
		WHERE id = $3 AND email_state = 'pending'`, id, now, r.ID)
	if err != nil {
		return false, fmt.Errorf("incident: mark recipient %d queued: %w", r.ID, err)
	}
	if n, _ := u.RowsAffected(); n != 1 {
		// Someone else queued them since this batch read them: roll the
		// whole batch back, its messages with it.
		return false, &shop.Error{Code: shop.Conflict, Message: "another run is sending this campaign"}
	}
	return true, nil
}

// SyncDelivery copies the outbox's delivery state of every queued
// recipient onto the campaign: sent, kept in the outbox, failed, or still
// queued with the last retry's error. It returns how many rows changed.
func (c *Campaigns) SyncDelivery(ctx context.Context, incidentID int64) (int, error) {
	camp, err := c.Get(ctx, incidentID)
	if err != nil {
		return 0, err
	}
	type row struct {
		id, msg int64
		err     string
	}
	rows, err := c.db.QueryContext(ctx, `SELECT id, message_id, email_error FROM incident_recipients
		WHERE campaign_id = $1 AND email_state = 'queued' AND message_id IS NOT NULL`, camp.ID)
	if err != nil {
		return 0, fmt.Errorf("incident: queued recipients: %w", err)
	}
	var queued []row
	var ids []int64
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.msg, &r.err); err != nil {
			rows.Close()
			return 0, fmt.Errorf("incident: queued recipients: %w", err)
		}
		queued = append(queued, r)
		ids = append(ids, r.msg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("incident: queued recipients: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	states, err := mail.States(ctx, c.db, ids)
	if err != nil {
		return 0, err
	}
	type change struct {
		id           int64
		state, error string
	}
	var changes []change
	for _, r := range queued {
		s, ok := states[r.msg]
		if !ok || (s.Status == mail.StatusQueued && s.LastError == r.err) {
			continue
		}
		changes = append(changes, change{r.id, s.Status, s.LastError})
	}
	if len(changes) == 0 {
		return 0, nil
	}
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE incident_recipients SET email_state = $1, email_error = $2 WHERE id = $3 AND email_state = 'queued'`)
		if err != nil {
			return fmt.Errorf("incident: sync delivery: %w", err)
		}
		defer stmt.Close()
		for _, ch := range changes {
			if _, err := stmt.ExecContext(ctx, ch.state, ch.error, ch.id); err != nil {
				return fmt.Errorf("incident: sync delivery: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(changes), nil
}

// Progress is a campaign's count of recipients by e-mail state, and of
// letters.
type Progress struct {
	Total   int
	Pending int
	Queued  int
	Sent    int
	Outbox  int
	Failed  int
	Letters int // recipients who get a letter
}

// Done reports whether every e-mail has reached an end: sent, kept in the
// outbox, or failed.
func (p Progress) Done() bool { return p.Total > 0 && p.Pending == 0 && p.Queued == 0 }

// Percent is how much of the campaign has reached an end, 0 to 100.
func (p Progress) Percent() int {
	if p.Total == 0 {
		return 0
	}
	return (p.Sent + p.Outbox + p.Failed) * 100 / p.Total
}

// Progress brings the delivery states up to date (SyncDelivery) and
// counts them.
func (c *Campaigns) Progress(ctx context.Context, incidentID int64) (Progress, error) {
	if _, err := c.SyncDelivery(ctx, incidentID); err != nil {
		return Progress{}, err
	}
	camp, err := c.Get(ctx, incidentID)
	if err != nil {
		return Progress{}, err
	}
	var p Progress
	rows, err := c.db.QueryContext(ctx, `SELECT email_state, COUNT(*), COUNT(*) FILTER (WHERE letter)
		FROM incident_recipients WHERE campaign_id = $1 GROUP BY email_state`, camp.ID)
	if err != nil {
		return Progress{}, fmt.Errorf("incident: campaign progress: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n, letters int
		if err := rows.Scan(&state, &n, &letters); err != nil {
			return Progress{}, fmt.Errorf("incident: campaign progress: %w", err)
		}
		p.Total += n
		p.Letters += letters
		switch EmailState(state) {
		case EmailPending:
			p.Pending = n
		case EmailQueued:
			p.Queued = n
		case EmailSent:
			p.Sent = n
		case EmailOutbox:
			p.Outbox = n
		case EmailFailed:
			p.Failed = n
		}
	}
	return p, rows.Err()
}

// RecipientFilter narrows and pages Recipients.
type RecipientFilter struct {
	State  EmailState // empty for all
	Limit  int        // 1–500; zero means 50
	Offset int
}

// Recipients returns a page of the campaign's recipients in the order
// they were added, and how many match in all.
func (c *Campaigns) Recipients(ctx context.Context, incidentID int64, f RecipientFilter) ([]Recipient, int, error) {
	p := shop.Problems{}
	if f.State != "" && !validState(f.State) {
		p.Add("state", shop.ReasonChoice)
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 500 {
		p.Add("limit", shop.ReasonRange)
	}
	if f.Offset < 0 {
		p.Add("page", shop.ReasonRange)
	}
	if err := p.Err(); err != nil {
		return nil, 0, err
	}
	f.Offset = shop.ClampOffset(f.Offset)
	camp, err := c.Get(ctx, incidentID)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_recipients WHERE campaign_id = $1 AND ($2 = '' OR email_state = $2)`,
		camp.ID, string(f.State)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("incident: count recipients: %w", err)
	}
	rows, err := c.db.QueryContext(ctx, selectRecipient+` WHERE campaign_id = $1 AND ($2 = '' OR email_state = $2)
		ORDER BY id LIMIT $3 OFFSET $4`, camp.ID, string(f.State), f.Limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("incident: recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

func validState(s EmailState) bool {
	for _, x := range EmailStates {
		if s == x {
			return true
		}
	}
	return false
}

// SetLetter says whether a recipient gets a letter (everyone does by
// default). Audited.
func (c *Campaigns) SetLetter(ctx context.Context, incidentID, recipientID int64, letter bool, by audit.Actor) error {
	now := c.clock().UTC()
	return c.db.Tx(ctx, func(tx *sql.Tx) error {
		camp, err := c.getTx(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		var before bool
		var line1, city string
		err = tx.QueryRowContext(ctx, `SELECT letter, line1, city FROM incident_recipients WHERE id = $1 AND campaign_id = $2`,
			recipientID, camp.ID).Scan(&before, &line1, &city)
		if errors.Is(err, sql.ErrNoRows) {
			return &shop.Error{Code: shop.NotFound, Message: "no such recipient in this campaign"}
		}
		if err != nil {
			return fmt.Errorf("incident: recipient %d: %w", recipientID, err)
		}
		if letter && strings.TrimSpace(line1) == "" && strings.TrimSpace(city) == "" {
			return &shop.Error{Code: shop.Conflict, Message: "this customer has no postal address"}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_recipients SET letter = $1 WHERE id = $2`, letter, recipientID); err != nil {
			return fmt.Errorf("incident: recipient %d letter: %w", recipientID, err)
		}
		return audit.Record(ctx, tx, now, by, "incident.campaign.letter", camp.Ref(),
			map[string]any{"recipient": recipientID, "letter": before}, map[string]any{"recipient": recipientID, "letter": letter})
	})
}
