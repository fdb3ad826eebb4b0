package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"kaede/internal/alert"
	"kaede/internal/billing"
	"kaede/internal/cardpay"
	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/content"
	"kaede/internal/coupon"
	"kaede/internal/db"
	"kaede/internal/demo"
	"kaede/internal/detect"
	"kaede/internal/fraud"
	"kaede/internal/incident"
	"kaede/internal/inquiry"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/mailtext"
	"kaede/internal/member"
	"kaede/internal/metrics"
	"kaede/internal/monitor"
	"kaede/internal/order"
	"kaede/internal/orderdoc"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/switches"
	"kaede/internal/throttle"
)

// services are the store's capabilities, built once on one database and
// shared by the store's pages, the admin and the periodic tasks.
type services struct {
	queue    *mail.Queue
	limiter  *throttle.Limiter // orders, carts and resends per client (settings.Limits)
	catalog  *catalog.Service
	carts    *cart.Service
	orders   *order.Service
	docs     *orderdoc.Service // the orders' PDFs and receipt downloads
	checkout *checkout.Service
	members  *member.Service
	content  *content.Service
	// settings is the one settings service, given to the store and the
	// admin alike: a change saved in the admin clears the cache the store
	// reads.
	settings *settings.Service
	sessions *member.Sessions
	legal    *content.Pages
	outbox   *mail.Outbox // the demo's view of the stored e-mails; nil otherwise
	staff    *staff.Service
	guard    *fraud.Guard
	payments *cardpay.Service // nil when the shop takes no cards
	events   *secevent.Store  // security events; alerts hooks in
	monitor  *monitor.Service // the tamper monitor of the payment pages
	alerts   *alert.Alerter
	// switches are the shop's emergency switches, one service given to
	// checkout, card payments, the store and the admin: a change made in
	// this process applies here at once, one made elsewhere (another
	// instance, the command line) as soon as it commits on PostgreSQL
	// (db.ListenForChanges), within switches.DefaultTTL on SQLite.
	switches *switches.Service
	// texts are the shop's own wording of the customer e-mails, cached
	// like the settings and cleared on every instance by a save.
	texts    *mailtext.Service
	mediaDir string
	// notices are the incidents' public notices, reopening the checklist
	// and the reopening after an incident (incident_notice_cmd.go).
	notices   *incident.Notices
	reopening *incident.Reopening
	// inquiries is the inquiry desk: the store's contact form, the
	// admin's tickets.
	inquiries *inquiry.Service
	// incidents is the incident desk: the record, its timeline, evidence
	// and deadlines; the notices and the reopening build on it.
	incidents *incident.Service
	// campaigns are the incidents' customer notifications.
	campaigns *incident.Campaigns
	// billing is the monthly invoice of approved business customers:
	// checkout's credit check, the month's close, payments, reminders.
	billing *billing.Service
}

// buildServices builds the job runner and the services on the open
// database, and seeds the demo's data. The runner comes first: services
// insert their jobs (e-mail) through it.
func (m *Main) buildServices(ctx context.Context, smtp *mail.SMTPConfig) (*services, error) {
	cfg := m.Config
	d := m.db
	sender, err := mail.NewSendWorker(d, mail.Delivery{SMTP: smtp, From: cfg.MailFrom}, m.Clock, m.Log)
	if err != nil {
		return nil, err
	}
	hook, err := alert.NewWebhookWorker(cfg.alerts(), m.Clock)
	if err != nil {
		return nil, err
	}
	// The campaign sender needs the campaigns, which need the runner's
	// queue: it is registered now and given them below.
	campaignSender := &incident.SendWorker{}
	m.jobs, err = jobs.New(d, m.Log, jobs.Config{Register: func(ws *river.Workers) {
		sender.Register(ws)
		hook.Register(ws)
		campaignSender.Register(ws)
	},
		// Most of a job's time is an SMTP conversation, not the database:
		// with River's 100 ms fetch cooldown, 4 workers deliver about 30
		// e-mails a second, 20 about 140, which sends an incident's
		// 10,000 notices in under two minutes on SQLite
		// (BenchmarkCampaign10000Delivered in internal/incident).
		MaxWorkers: 20,
	})
	if err != nil {
		return nil, err
	}
	svc := &services{queue: mail.NewQueue(m.jobs, m.Clock), mediaDir: filepath.Join(cfg.DataDir, "media")}
	if svc.events, svc.alerts, err = newAlerting(d, svc.queue, m.jobs, m.Clock, cfg.alerts(), m.Log); err != nil {
		return nil, err
	}
	svc.catalog = catalog.New(d, m.Clock)
	// Storefront reads may be two seconds old: stock and prices are
	// checked again in the database when an item goes into the cart and
	// when the order is placed.
	svc.catalog.EnableCache(2 * time.Second)
	svc.carts = cart.New(d, m.Clock)
	svc.orders = order.New(d, svc.queue, m.Clock)
	svc.switches = switches.NewService(d, m.Clock, switches.DefaultTTL)
	svc.checkout = checkout.New(d, svc.carts, svc.orders, svc.queue, m.Clock, cfg.BaseURL)
	svc.checkout.UseSwitches(svc.switches)
	svc.limiter = throttle.New(d)
	svc.checkout.UseLimiter(svc.limiter)
	svc.docs = orderdoc.New(d, svc.orders, svc.limiter, m.Clock)
	svc.members = member.New(d, svc.queue, m.Clock, cfg.BaseURL)
	svc.texts = mailtext.New(d, m.Clock, 2*time.Second)
	svc.texts.Register(checkout.MailKinds()...)
	svc.texts.Register(svc.orders.MailKinds()...)
	svc.texts.Register(member.MailKinds()...)
	svc.orders.UseTexts(svc.texts)
	svc.orders.OnCancel(coupon.Release)
	svc.checkout.UseTexts(svc.texts)
	svc.members.UseTexts(svc.texts)
	svc.billing = billing.New(d, svc.orders, svc.members, svc.queue, m.Clock, cfg.BaseURL)
	svc.checkout.UseAccounts(svc.billing)
	svc.content = content.New(d, m.Clock)
	svc.settings = settings.NewService(d, m.Clock, 2*time.Second)
	svc.queue.LimitRecipients(func(ctx context.Context) (int, error) {
		st, err := svc.settings.Get(ctx)
		return st.Limits.MailsPerRecipientHour, err
	}, m.Log)
	svc.sessions = member.NewSessions(d, m.Clock)
	svc.legal = content.NewPages(d, m.Clock)
	svc.inquiries = inquiry.New(d, svc.queue, svc.members, m.Clock, inquiry.DefaultLimits())
	if cfg.Demo {
		svc.outbox = mail.NewOutbox(d)
	}
	key, err := staffKey(cfg.DataDir, cfg.Demo)
	if err != nil {
		return nil, err
	}
	if svc.staff, err = staff.New(d, svc.queue, m.Clock, key); err != nil {
		return nil, err
	}
	svc.staff.Events = svc.events
	// The card-testing guard (internal/fraud) with the shop's saved
	// limits. It is built without a card provider too: its tables are
	// pruned whatever the shop takes.
	limits, err := fraud.LoadLimits(ctx, d)
	if err != nil {
		return nil, err
	}
	svc.guard = fraud.New(d, m.Clock, limits)
	svc.guard.Alert = func(ctx context.Context, a fraud.Alert) {
		m.Log.Error("card testing suspected", "alert", a.Kind, "ip", a.IP, "until", a.Until, "failures", a.Failures, "settled", a.Settled)
		if _, err := svc.events.Raise(ctx, detect.CardTesting(a)); err != nil {
			m.Log.Error("raise security event", "kind", a.Kind, "error", err)
		}
	}
	if svc.payments, err = m.newPayments(svc.orders, svc.guard, svc.switches, svc.events); err != nil {
		return nil, err
	}
	if svc.payments != nil {
		if err := svc.checkout.EnableCard(checkout.CardOptions{Provider: svc.payments.Provider().Name(),
			Capture: cfg.Card.Capture, TTL: cfg.Card.OrderTTL}); err != nil {
			return nil, err
		}
	}
	if svc.monitor, err = m.newMonitor(svc); err != nil {
		return nil, err
	}
	svc.incidents = newIncidents(d, m.Clock)
	svc.campaigns = newCampaigns(svc.incidents, svc.queue, svc.settings)
	svc.campaigns.Jobs = m.jobs
	campaignSender.Campaigns = svc.campaigns
	m.buildIncidentNotices(svc)
	if cfg.Demo && cfg.Scenario.Name != "" {
		// The scenario seeds the catalogue itself, stocked for its trade.
		if err := m.seedScenario(ctx, d, svc); err != nil {
			return nil, fmt.Errorf("seed the %s scenario: %w", cfg.Scenario.Name, err)
		}
	} else if cfg.Demo {
		err := demo.Seed(ctx, d, svc.catalog, svc.mediaDir, m.Clock())
		switch {
		case err == nil:
			m.Log.Info("demo data created", "data", cfg.DataDir)
			if err := demo.EnableWallets(ctx, svc.settings); err != nil {
				return nil, fmt.Errorf("seed demo data: %w", err)
			}
		case errors.Is(err, demo.ErrNotEmpty):
			m.Log.Info("demo data kept from an earlier start", "data", cfg.DataDir)
		default:
			return nil, fmt.Errorf("seed demo data: %w", err)
		}
	}
	return svc, nil
}

// newAlerting is the store of security events with what tells people of
// each: the alerts (an e-mail to every member of staff with the security
// permission, and the webhook, both through the job queue and written in
// the transaction that raises the event) and the count in
// kaede_security_events_total. The served store and "kaede monitor check"
// raise their events through it alike.
func newAlerting(d *db.DB, queue *mail.Queue, runner *jobs.Runner, clock shop.Clock, cfg alert.Config, log *slog.Logger) (*secevent.Store, *alert.Alerter, error) {
	events := secevent.NewStore(d, clock)
	alerts, err := alert.New(d, events, queue, runner, clock, cfg, log.With("component", "alert"))
	if err != nil {
		return nil, nil, err
	}
	events.OnRaise(alerts.Hook)
	// Every sighting counts in kaede_security_events_total. The hook runs
	// inside the raising transaction, so a raise that rolls back is
	// counted too: rare, and an over-count is the safe side of an alarm.
	events.OnRaise(func(_ context.Context, _ *sql.Tx, r secevent.Raised) error {
		metrics.SecurityEvent(r.Kind, string(r.Severity))
		return nil
	})
	return events, alerts, nil
}
