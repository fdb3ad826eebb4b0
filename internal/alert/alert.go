// Package alert tells a person about security events: an e-mail through
// the outbox to every member of staff with the security permission, and a
// signed JSON webhook through the job queue, both written in the
// transaction that raises the event (Alerter.Hook), so that an event never
// exists unannounced and a rolled-back one announces nothing. A critical
// event nobody acknowledges is escalated to every owner (Alerter.Escalate).
package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// Config says where alerts go besides the staff's e-mail.
type Config struct {
	// AdminURL is the admin's public base URL (no /admin/), for the link
	// to the event in every alert.
	AdminURL string
	// WebhookURL receives every alert as signed JSON; empty: no webhook.
	WebhookURL string
	// WebhookSecret keys the webhook's HMAC-SHA256 signature.
	WebhookSecret string
}

// MinSecretLen is the shortest webhook secret accepted: 32 characters
// hold enough entropy that the signature cannot be forged by guessing.
const MinSecretLen = 32

// Validate checks the webhook settings and names the wrong one: the URL
// must be https (plain http only to a loopback address, for a relay on the
// same machine), and a URL needs a secret of at least MinSecretLen.
func (c Config) Validate() error {
	if c.WebhookURL == "" {
		if c.WebhookSecret != "" {
			return errors.New("KAEDE_ALERT_WEBHOOK_SECRET is set but KAEDE_ALERT_WEBHOOK_URL is not")
		}
		return nil
	}
	u, err := url.Parse(c.WebhookURL)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("KAEDE_ALERT_WEBHOOK_URL: want https://host/path (no credentials, no fragment)")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return fmt.Errorf("KAEDE_ALERT_WEBHOOK_URL: http is accepted only for a loopback address; use https for %s", u.Hostname())
		}
	default:
		return fmt.Errorf("KAEDE_ALERT_WEBHOOK_URL: scheme %q not supported (want https)", u.Scheme)
	}
	if len(c.WebhookSecret) < MinSecretLen {
		return fmt.Errorf("KAEDE_ALERT_WEBHOOK_SECRET (or KAEDE_ALERT_WEBHOOK_SECRET_FILE): must hold at least %d characters when KAEDE_ALERT_WEBHOOK_URL is set", MinSecretLen)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Alerter sends the alerts. Build it with New; wire Hook with
// secevent.Store.OnRaise and Escalate as a periodic task.
type Alerter struct {
	db     *db.DB
	events *secevent.Store
	mail   *mail.Queue
	jobs   *jobs.Runner
	clock  shop.Clock
	cfg    Config
	log    *slog.Logger
}

// New returns an Alerter; clock nil means shop.SystemClock. The runner
// inserts the webhook jobs; the process that works them registers
// WebhookWorker.
func New(d *db.DB, events *secevent.Store, q *mail.Queue, r *jobs.Runner, clock shop.Clock, cfg Config, log *slog.Logger) (*Alerter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if clock == nil {
		clock = shop.SystemClock
	}
	cfg.AdminURL = strings.TrimRight(cfg.AdminURL, "/")
	return &Alerter{db: d, events: events, mail: q, jobs: r, clock: clock, cfg: cfg, log: log}, nil
}

// WebhookConfigured reports whether alerts also go to a webhook.
func (a *Alerter) WebhookConfigured() bool { return a.cfg.WebhookURL != "" }

// EventURL is the admin page of event id.
func (a *Alerter) EventURL(id int64) string {
	return a.cfg.AdminURL + "/admin/security/events/" + strconv.FormatInt(id, 10)
}

// Hook is the secevent hook: for a new event, or one whose severity rose,
// it e-mails every active member of staff with the security permission and
// queues the webhook, in the event's transaction. Info events page nobody.
func (a *Alerter) Hook(ctx context.Context, tx *sql.Tx, r secevent.Raised) error {
	if !r.Notify || r.Severity == secevent.Info {
		return nil
	}
	to, err := staff.ActiveEmails(ctx, tx, func(role staff.Role) bool { return role.Can(staff.SecurityRead) })
	if err != nil {
		return err
	}
	if len(to) == 0 && a.log != nil {
		// Not an error: the event is stored and the webhook may still
		// carry it; but nobody is e-mailed, which the operator must know.
		a.log.Warn("security alert has no staff recipient", "event", r.ID, "kind", r.Kind)
	}
	return a.send(ctx, tx, r.Event, to, false)
}

// send writes one e-mail per recipient and, when configured, the webhook
// job, all in tx.
func (a *Alerter) send(ctx context.Context, tx *sql.Tx, e secevent.Event, to []string, escalated bool) error {
	subject, body := a.compose(e, escalated)
	for _, addr := range to {
		if _, err := a.mail.Enqueue(ctx, tx, mail.Message{Kind: "security_alert", To: addr, Subject: subject, Body: body, Urgent: true}); err != nil {
			return fmt.Errorf("alert for security event %d: %w", e.ID, err)
		}
	}
	if !a.WebhookConfigured() {
		return nil
	}
	payload, err := json.Marshal(a.payload(e, escalated))
	if err != nil {
		return fmt.Errorf("alert webhook for security event %d: %w", e.ID, err)
	}
	return a.jobs.InsertTx(ctx, tx, WebhookArgs{EventID: e.ID, Payload: payload}, nil)
}

// Escalate e-mails every owner about each critical event still new (nobody
// acknowledged it) longer than the settings' escalation delay after it was
// first seen, once per event, and returns how many it escalated. It runs
// every minute as a periodic task.
func (a *Alerter) Escalate(ctx context.Context) (int, error) {
	st, err := settings.Load(ctx, a.db)
	if err != nil {
		return 0, err
	}
	now := a.clock().UTC()
	due := now.Add(-time.Duration(st.Security.EscalateAfterMinutes) * time.Minute)
	open, err := a.events.List(ctx, secevent.Filter{State: secevent.New, Severity: secevent.Critical, Limit: 1000})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range open {
		if e.FirstSeen.After(due) {
			continue
		}
		done, err := a.escalate(ctx, e, now)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// escalate marks e escalated and e-mails the owners, in one transaction;
// it does nothing when e was escalated or acknowledged meanwhile.
func (a *Alerter) escalate(ctx context.Context, e secevent.Event, now time.Time) (bool, error) {
	done := false
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE security_events SET escalated_at = $1
			WHERE id = $2 AND escalated_at IS NULL AND state = 'new' AND severity = 'critical'`, now, e.ID)
		if err != nil {
			return fmt.Errorf("escalate security event %d: %w", e.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		owners, err := staff.ActiveEmails(ctx, tx, func(r staff.Role) bool { return r == staff.Owner })
		if err != nil {
			return err
		}
		if err := a.send(ctx, tx, e, owners, true); err != nil {
			return err
		}
		done = true
		return audit.Record(ctx, tx, now, audit.System("alert"), "security.escalate",
			fmt.Sprintf("security_event:%d", e.ID), nil, map[string]any{"owners": len(owners)})
	})
	return done, err
}

// SendTest raises a test event on behalf of by, which goes through the
// same hook, outbox and webhook as a real one. Audited.
func (a *Alerter) SendTest(ctx context.Context, by audit.Actor) (secevent.Raised, error) {
	var r secevent.Raised
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.clock().UTC()
		var err error
		r, err = a.events.RaiseTx(ctx, tx, secevent.Signal{
			Kind: secevent.KindTest, Severity: secevent.Warning, Source: "admin",
			// A target of its own: each test is a new event, so that it
			// notifies even while an earlier test is still open.
			Target:  "test:" + now.Format(time.RFC3339Nano),
			Summary: "Test alert sent by " + by.Name,
			Detail:  map[string]any{"by": by.Name},
		})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "security.test_alert", fmt.Sprintf("security_event:%d", r.ID), nil,
			map[string]any{"webhook": a.WebhookConfigured()})
	})
	return r, err
}

// severityJa is the severity's Japanese label.
func severityJa(s secevent.Severity) string {
	switch s {
	case secevent.Critical:
		return "重大"
	case secevent.Warning:
		return "警告"
	}
	return "情報"
}

// oneLine strips control characters and clips s: a target or summary may
// hold text a stranger chose (a blocked URL), and a subject must stay on
// one line.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// compose writes the e-mail: Japanese first, English beside it, as the
// staff notices do.
func (a *Alerter) compose(e secevent.Event, escalated bool) (subject, body string) {
	sev := strings.ToUpper(string(e.Severity))
	what := oneLine(e.Kind, 64)
	if e.Target != "" {
		what += " " + oneLine(e.Target, 80)
	}
	prefix := "[Kaede]"
	if escalated {
		prefix = "[Kaede 未対応 / UNACKNOWLEDGED]"
	}
	subject = fmt.Sprintf("%s 【%s】セキュリティ警告 / %s security alert: %s", prefix, severityJa(e.Severity), sev, what)
	var b strings.Builder
	if escalated {
		fmt.Fprintf(&b, "重大なセキュリティイベントが%sのあいだ確認されておりません。オーナーの皆様にお知らせいたします。\n",
			e.FirstSeen.In(shop.JST).Format("1月2日 15:04")+"から現在まで")
		b.WriteString("A critical security event has not been acknowledged; every owner is being told.\n\n")
	}
	b.WriteString("セキュリティイベントが発生いたしました。至急ご確認をお願いいたします。\n")
	b.WriteString("A security event was raised. Please look at it now.\n\n")
	fmt.Fprintf(&b, "重要度 / Severity: %s / %s\n", severityJa(e.Severity), e.Severity)
	fmt.Fprintf(&b, "種類 / Kind: %s\n", oneLine(e.Kind, 64))
	fmt.Fprintf(&b, "対象 / Target: %s\n", oneLine(e.Target, 200))
	fmt.Fprintf(&b, "概要 / Summary: %s\n", oneLine(e.Summary, 300))
	fmt.Fprintf(&b, "回数 / Count: %d\n", e.Count)
	fmt.Fprintf(&b, "初回検知 / First seen: %s (%s)\n",
		e.FirstSeen.In(shop.JST).Format("2006年1月2日 15:04:05"), e.FirstSeen.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "\n詳細と対応 / Details and actions:\n%s\n\n", a.EventURL(e.ID))
	b.WriteString("内容をご確認のうえ、管理画面で「確認済み」にしてください。確認されない重大なイベントは、オーナーの皆様へ再度お知らせいたします。\n")
	b.WriteString("Acknowledge it in the admin once you are on it; critical events nobody acknowledges are escalated to every owner.\n")
	return subject, b.String()
}

// Payload is the webhook's JSON body.
type Payload struct {
	// Text is a one-line summary, the field Slack-compatible endpoints
	// show.
	Text      string       `json:"text"`
	Type      string       `json:"type"` // "security_event" or "security_event.escalated"
	Escalated bool         `json:"escalated"`
	Event     PayloadEvent `json:"event"`
}

// PayloadEvent is the event as the webhook carries it.
type PayloadEvent struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Severity  string    `json:"severity"`
	State     string    `json:"state"`
	Source    string    `json:"source"`
	Target    string    `json:"target"`
	Summary   string    `json:"summary"`
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	URL       string    `json:"url"`
}

func (a *Alerter) payload(e secevent.Event, escalated bool) Payload {
	typ := "security_event"
	text := fmt.Sprintf("Kaede %s security alert: %s %s — %s %s", strings.ToUpper(string(e.Severity)),
		oneLine(e.Kind, 64), oneLine(e.Target, 120), oneLine(e.Summary, 200), a.EventURL(e.ID))
	if escalated {
		typ = "security_event.escalated"
		text = "UNACKNOWLEDGED " + text
	}
	return Payload{Text: text, Type: typ, Escalated: escalated, Event: PayloadEvent{
		ID: e.ID, Kind: e.Kind, Severity: string(e.Severity), State: string(e.State), Source: e.Source,
		Target: e.Target, Summary: e.Summary, Count: e.Count, FirstSeen: e.FirstSeen, LastSeen: e.LastSeen,
		URL: a.EventURL(e.ID),
	}}
}
