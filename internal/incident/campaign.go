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
	"kaede/internal/db"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// ScopeSource returns an incident's latest saved scope and its distinct
// customers: where a campaign takes its recipients from. cmd/kaede wires
// it to the scope (Service.LatestScope and Service.ScopeCustomers); tests
// give customers directly.
type ScopeSource func(ctx context.Context, incidentID int64) (Scope, []Customer, error)

// Campaign is the notification of an incident's affected people: one per
// incident, an e-mail to each and, by default, a letter to each.
type Campaign struct {
	ID         int64
	IncidentID int64
	ScopeID    int64 // the saved scope the recipients were last taken from
	Subject    string
	Body       string
	Facts      Facts
	// Revision counts edits of the template and the facts; TestedRevision
	// is the one last test-sent to staff. Customers are written to only
	// when the two are equal.
	Revision       int
	TestedRevision int
	TestedBy       string
	TestedAt       time.Time
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedBy      string
	UpdatedAt      time.Time
	// SendingAt is when it was first sent to customers (zero before);
	// from then on the template and the facts no longer change, so that
	// everyone is told the same.
	SendingBy string
	SendingAt time.Time
}

// Tested reports whether a test e-mail went to staff after the last edit.
func (c Campaign) Tested() bool { return c.TestedRevision == c.Revision }

// Frozen reports whether sending has begun, after which the template and
// the facts stay as they are.
func (c Campaign) Frozen() bool { return !c.SendingAt.IsZero() }

// Ref is how the audit log names a campaign: by its incident.
func (c Campaign) Ref() string { return fmt.Sprintf("incident:%d", c.IncidentID) }

// EmailState is where one recipient's e-mail stands.
type EmailState string

// The e-mail states. Pending is the campaign's own (not yet handed to the
// outbox); the others are the outbox message's (mail.Status…).
const (
	EmailPending EmailState = "pending"
	EmailQueued  EmailState = "queued" // in the outbox, delivery pending or being retried
	EmailSent    EmailState = "sent"   // accepted by the SMTP server
	EmailOutbox  EmailState = "outbox" // kept in the outbox: no SMTP configured (the demo)
	EmailFailed  EmailState = "failed" // delivery gave up, or the message could not be written
)

// EmailStates lists them in the order the progress shows them.
var EmailStates = []EmailState{EmailPending, EmailQueued, EmailSent, EmailOutbox, EmailFailed}

// Recipient is one affected person of a campaign, with their e-mail's
// state and whether they get a letter.
type Recipient struct {
	ID         int64
	CampaignID int64
	Customer   // as the scope found them when they were added
	Letter     bool
	EmailState EmailState
	MessageID  int64  // the outbox message, 0 while pending
	EmailError string // why delivery failed, or the last retry's error
	QueuedAt   time.Time
}

// EmailFailed reports whether the e-mail did not reach the person, so
// that the letter matters all the more (flagged on the label list).
func (r Recipient) EmailFailed() bool { return r.EmailState == EmailFailed }

// Campaigns keeps the incidents' notification campaigns.
type Campaigns struct {
	inc      *Service
	db       *db.DB
	clock    shop.Clock
	queue    *mail.Queue
	settings *settings.Service
	scope    ScopeSource
	// batch is how many recipients one transaction queues.
	batch int
	// afterBatch, when set, runs after each committed batch with the
	// number queued so far by this run: tests stop a run half-way with it.
	afterBatch func(queued int) error

	// Jobs, when set, is the job runner SendLater hands a run to (the
	// server's, with a SendWorker registered). Set it when wiring, before
	// the campaigns are used.
	Jobs *jobs.Runner
}

// NewCampaigns returns the campaigns of inc's incidents: e-mails go to q,
// the shop's name and address come from set, recipients from scope.
func NewCampaigns(inc *Service, q *mail.Queue, set *settings.Service, scope ScopeSource) *Campaigns {
	return &Campaigns{inc: inc, db: inc.db, clock: inc.clock, queue: q, settings: set, scope: scope, batch: 200}
}

// Incident returns the incident a campaign belongs to, for the pages
// that show the one with the other.
func (c *Campaigns) Incident(ctx context.Context, id int64) (Incident, error) {
	return c.inc.Get(ctx, id)
}

// PrepareResult says what Prepare changed among the recipients.
type PrepareResult struct {
	Created bool // the campaign is new
	Added   int  // people of the scope not yet recipients
	Removed int  // pending recipients no longer in the scope
	Total   int  // recipients now
}

// Prepare creates the incident's campaign from its latest saved scope, or
// brings an existing one up to date with it: people new to the scope are
// added, people who left it are removed unless their e-mail is already
// queued (they have been told, and stay on the record), and nobody is
// ever added twice. A new campaign starts with the default template and
// facts drafted from the incident, the scope and the settings. Audited.
func (c *Campaigns) Prepare(ctx context.Context, incidentID int64, by audit.Actor) (Campaign, PrepareResult, error) {
	if c.scope == nil {
		return Campaign{}, PrepareResult{}, &shop.Error{Code: shop.Conflict, Message: "the scope is not available to this campaign"}
	}
	sc, customers, err := c.scope(ctx, incidentID)
	if err != nil {
		return Campaign{}, PrepareResult{}, err
	}
	if len(customers) == 0 {
		return Campaign{}, PrepareResult{}, &shop.Error{Code: shop.Conflict, Message: "the incident's scope has no affected customers: save a scope first"}
	}
	st, err := c.settings.Get(ctx)
	if err != nil {
		return Campaign{}, PrepareResult{}, err
	}
	now := c.clock().UTC()
	var camp Campaign
	var res PrepareResult
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		inc, err := getTx(ctx, tx, c.db, incidentID)
		if err != nil {
			return err
		}
		camp, err = c.getTx(ctx, tx, incidentID)
		switch {
		case shop.ErrorCode(err) == shop.NotFound:
			camp, err = c.create(ctx, tx, inc, sc, st, by, now)
			res.Created = true
		case err == nil:
			camp.ScopeID = sc.ID
			_, err = tx.ExecContext(ctx, `UPDATE incident_campaigns SET scope_id = $1 WHERE id = $2`, sc.ID, camp.ID)
		}
		if err != nil {
			return fmt.Errorf("incident: campaign of %d: %w", incidentID, err)
		}
		if res.Added, res.Removed, err = syncRecipients(ctx, tx, camp.ID, customers); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_recipients WHERE campaign_id = $1`, camp.ID).Scan(&res.Total); err != nil {
			return fmt.Errorf("incident: count recipients: %w", err)
		}
		action := "incident.campaign.recipients"
		if res.Created {
			action = "incident.campaign.create"
		}
		return audit.Record(ctx, tx, now, by, action, camp.Ref(), nil, map[string]any{
			"scope_id": sc.ID, "scope_version": sc.Version, "added": res.Added, "removed": res.Removed, "recipients": res.Total})
	})
	if err != nil {
		return Campaign{}, PrepareResult{}, err
	}
	return camp, res, nil
}

func (c *Campaigns) create(ctx context.Context, tx *sql.Tx, inc Incident, sc Scope, st settings.Settings, by audit.Actor, now time.Time) (Campaign, error) {
	subject, body := defaultTemplate()
	camp := Campaign{IncidentID: inc.ID, ScopeID: sc.ID, Subject: subject, Body: body,
		Facts: defaultFacts(inc, sc, st), Revision: 1, CreatedBy: by.Name, CreatedAt: now, UpdatedBy: by.Name, UpdatedAt: now}
	facts, err := json.Marshal(camp.Facts)
	if err != nil {
		return Campaign{}, err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO incident_campaigns
		(incident_id, scope_id, subject, body, facts, revision, created_by, created_at, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $6, $7) RETURNING id`,
		inc.ID, sc.ID, subject, body, string(facts), by.Name, now).Scan(&camp.ID)
	if err != nil {
		return Campaign{}, fmt.Errorf("insert campaign: %w", err)
	}
	return camp, nil
}

// storedOrder is what a recipient row keeps of an order: what the notice
// names, never the provider's payment reference.
type storedOrder struct {
	Number   string    `json:"number"`
	PlacedAt time.Time `json:"placed_at"`
	Total    shop.Yen  `json:"total"`
	Method   string    `json:"method"`
	Brand    string    `json:"brand,omitempty"`
	Last4    string    `json:"last4,omitempty"`
}

// syncRecipients adds the customers not yet recipients (the UNIQUE key
// makes a second copy impossible, whatever runs at once) and removes the
// pending recipients no longer among them.
func syncRecipients(ctx context.Context, tx *sql.Tx, campaignID int64, customers []Customer) (added, removed int, err error) {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO incident_recipients
		(campaign_id, customer_key, email, member_id, name, phone, postal_code, prefecture, city, line1, line2, orders, letter)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (campaign_id, customer_key) DO NOTHING`)
	if err != nil {
		return 0, 0, fmt.Errorf("incident: add recipients: %w", err)
	}
	defer stmt.Close()
	keys := make(map[string]bool, len(customers))
	for _, cu := range customers {
		key := strings.ToLower(strings.TrimSpace(cu.Key))
		if key == "" {
			key = strings.ToLower(strings.TrimSpace(cu.Email))
		}
		if key == "" || keys[key] {
			continue
		}
		keys[key] = true
		orders := make([]storedOrder, len(cu.Orders))
		for i, o := range cu.Orders {
			orders[i] = storedOrder{Number: o.Number, PlacedAt: o.PlacedAt.UTC(), Total: o.Total, Method: o.Method, Brand: o.Brand, Last4: o.Last4}
		}
		js, err := json.Marshal(orders)
		if err != nil {
			return 0, 0, err
		}
		// Everyone gets a letter by default, as in the 2020 case; someone
		// with no postal address cannot.
		letter := strings.TrimSpace(cu.Line1) != "" || strings.TrimSpace(cu.City) != ""
		r, err := stmt.ExecContext(ctx, campaignID, key, strings.TrimSpace(cu.Email), cu.MemberID, strings.TrimSpace(cu.Name), cu.Phone,
			cu.PostalCode, cu.Prefecture, cu.City, cu.Line1, cu.Line2, string(js), letter)
		if err != nil {
			return 0, 0, fmt.Errorf("incident: add recipient: %w", err)
		}
		n, _ := r.RowsAffected()
		added += int(n)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, customer_key FROM incident_recipients WHERE campaign_id = $1 AND email_state = 'pending'`, campaignID)
	if err != nil {
		return 0, 0, fmt.Errorf("incident: pending recipients: %w", err)
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("incident: pending recipients: %w", err)
		}
		if !keys[key] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("incident: pending recipients: %w", err)
	}
	for _, id := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_recipients WHERE id = $1 AND email_state = 'pending'`, id); err != nil {
			return 0, 0, fmt.Errorf("incident: remove recipient: %w", err)
		}
	}
	return added, len(gone), nil
}

const selectCampaign = `SELECT id, incident_id, scope_id, subject, body, facts, revision, tested_revision,
	tested_by, tested_at, created_by, created_at, updated_by, updated_at, sending_by, sending_at
	FROM incident_campaigns`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var facts string
	var tested, sending sql.NullTime
	err := row.Scan(&c.ID, &c.IncidentID, &c.ScopeID, &c.Subject, &c.Body, &facts, &c.Revision, &c.TestedRevision,
		&c.TestedBy, &tested, &c.CreatedBy, &c.CreatedAt, &c.UpdatedBy, &c.UpdatedAt, &c.SendingBy, &sending)
	if err != nil {
		return Campaign{}, err
	}
	if err := json.Unmarshal([]byte(facts), &c.Facts); err != nil {
		return Campaign{}, fmt.Errorf("decode facts: %w", err)
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if tested.Valid {
		c.TestedAt = tested.Time.UTC()
	}
	if sending.Valid {
		c.SendingAt = sending.Time.UTC()
	}
	return c, nil
}

func campaignNotFound(incidentID int64) error {
	return &shop.Error{Code: shop.NotFound, Message: fmt.Sprintf("incident %d has no notification campaign", incidentID)}
}

// Get returns the incident's campaign, or NotFound when it has none yet.
func (c *Campaigns) Get(ctx context.Context, incidentID int64) (Campaign, error) {
	camp, err := scanCampaign(c.db.QueryRowContext(ctx, selectCampaign+` WHERE incident_id = $1`, incidentID))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, campaignNotFound(incidentID)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("incident: campaign of %d: %w", incidentID, err)
	}
	return camp, nil
}

// getTx reads the campaign in tx and locks it: every change of a campaign
// and every batch of its e-mails passes this row one at a time.
func (c *Campaigns) getTx(ctx context.Context, tx *sql.Tx, incidentID int64) (Campaign, error) {
	camp, err := scanCampaign(tx.QueryRowContext(ctx, selectCampaign+` WHERE incident_id = $1`+c.db.ForUpdate(), incidentID))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, campaignNotFound(incidentID)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("incident: campaign of %d: %w", incidentID, err)
	}
	return camp, nil
}

// TemplateInput is what staff edit: the e-mail's subject and body
// (text/template with NoticeData's placeholders) and the facts.
type TemplateInput struct {
	Subject string
	Body    string
	Facts   Facts
}

// SaveTemplate validates and stores the template and the facts, as a new
// revision that needs a new test e-mail before customers are written to.
// A template with an unknown placeholder is a *TemplateError naming the
// field and the placeholder; facts too long for the one-page letter are
// refused on "letter". Once sending has begun nothing changes (Conflict).
func (c *Campaigns) SaveTemplate(ctx context.Context, incidentID int64, in TemplateInput, by audit.Actor) (Campaign, error) {
	in.Subject = strings.TrimSpace(strings.ReplaceAll(in.Subject, "\r\n", "\n"))
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n")) + "\n"
	p := shop.Problems{}
	in.Facts.validate(p)
	if _, err := parseNotice(in.Subject, in.Body); err != nil {
		var te *TemplateError
		if !errors.As(err, &te) {
			return Campaign{}, err
		}
		for k, v := range p {
			te.Problems[k] = TemplateProblem{Reason: v}
		}
		return Campaign{}, te
	}
	if err := p.Err(); err != nil {
		return Campaign{}, err
	}
	st, err := c.settings.Get(ctx)
	if err != nil {
		return Campaign{}, err
	}
	if err := letterFits(in.Facts, st); err != nil {
		return Campaign{}, err
	}
	facts, err := json.Marshal(in.Facts)
	if err != nil {
		return Campaign{}, err
	}
	now := c.clock().UTC()
	var out Campaign
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := c.getTx(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		if before.Frozen() {
			return &shop.Error{Code: shop.Conflict, Message: "the notice is being sent: its text can no longer change"}
		}
		out = before
		out.Subject, out.Body, out.Facts = in.Subject, in.Body, in.Facts
		out.Revision++
		out.UpdatedBy, out.UpdatedAt = by.Name, now
		_, err = tx.ExecContext(ctx, `UPDATE incident_campaigns
			SET subject = $1, body = $2, facts = $3, revision = $4, updated_by = $5, updated_at = $6 WHERE id = $7`,
			out.Subject, out.Body, string(facts), out.Revision, by.Name, now, out.ID)
		if err != nil {
			return fmt.Errorf("incident: save campaign template: %w", err)
		}
		return audit.Record(ctx, tx, now, by, "incident.campaign.template", out.Ref(), templateView(before), templateView(out))
	})
	if err != nil {
		return Campaign{}, err
	}
	return out, nil
}

// templateView is what the audit log keeps of a template edit.
func templateView(c Campaign) map[string]any {
	return map[string]any{"revision": c.Revision, "subject": c.Subject, "body": c.Body, "facts": c.Facts}
}
