package main

import (
	"context"
	"time"

	"kaede/internal/audit"
	"kaede/internal/detect"
	"kaede/internal/jobs"
)

// tasks is every job the store runs on a schedule, in one list: the card
// payments' reconciliation and expiry, the clean-ups that delete what the
// shop keeps no longer than its settings say (settings.Retention), and the
// audit head in the log. Each runs at start and then at its interval, on
// one instance (River's leader).
func (m *Main) tasks(svc *services) []jobs.Task {
	list := []jobs.Task{
		m.pruneTask("card_attempts", svc.guard.Prune),
		m.pruneTask("idempotency_keys", svc.checkout.Prune),
		m.pruneTask("member_tokens_and_sessions", svc.members.Prune),
		m.pruneTask("staff_sessions", svc.staff.Prune),
		m.pruneTask("abandoned_carts", svc.carts.Prune),
		m.pruneTask("closed_inquiries", svc.inquiries.Prune),
		m.pruneTask("order_personal_data", svc.orders.Prune),
		m.pruneTask("throttle_events", svc.limiter.Prune),
		{Name: "audit_head", Every: time.Hour, Run: func(ctx context.Context) error { return m.checkAudit(ctx, svc) }},
		// Every minute: staff, role and settings changes outside business
		// hours, read from the audit log.
		{Name: "security_off_hours", Every: time.Minute, Run: func(ctx context.Context) error {
			_, err := detect.OffHours(ctx, m.db, svc.events)
			return err
		}},
		// Every minute: a critical security event nobody acknowledged
		// reaches every owner soon after the settings' delay.
		{Name: "security_escalate", Every: time.Minute, Run: func(ctx context.Context) error {
			n, err := svc.alerts.Escalate(ctx)
			if n > 0 {
				m.Log.Warn("security events escalated to owners", "count", n)
			}
			return err
		}},
		m.monitorTask(svc),
		// Hourly: unpaid bank transfers are reminded the day before their
		// due date and cancelled, their stock returned, after the grace
		// period (settings.Limits); each e-mail once.
		{Name: "unpaid_transfers", Every: time.Hour, Run: func(ctx context.Context) error {
			res, err := svc.orders.RemindUnpaid(ctx)
			if res.Reminded+res.Cancelled > 0 {
				m.Log.Info("unpaid transfers", "reminded", res.Reminded, "cancelled", res.Cancelled)
			}
			return err
		}},
		// Hourly: a report of an open incident that becomes due soon, or
		// overdue, is e-mailed to the security staff, once per stage.
		{Name: "incident_deadlines", Every: time.Hour, Run: func(ctx context.Context) error {
			n, err := svc.incidents.RemindDeadlines(ctx, svc.queue, m.Config.Admin.URL)
			if n > 0 {
				m.Log.Info("incident deadline reminders sent", "count", n)
			}
			return err
		}},
	}
	list = append(list, m.billingTasks(svc)...)
	list = append(list, m.backupTasks()...)
	if p := svc.payments; p != nil {
		// Every minute: a customer who closed the browser after 3-D
		// Secure gets the order soon, and unpaid orders return their
		// stock on time.
		list = append(list,
			jobs.Task{Name: "card_reconcile", Every: time.Minute, Run: func(ctx context.Context) error {
				n, err := p.Reconcile(ctx)
				if n > 0 {
					m.Log.Info("card payments reconciled", "count", n)
				}
				return err
			}},
			jobs.Task{Name: "card_expire", Every: time.Minute, Run: func(ctx context.Context) error {
				_, err := p.ExpireDue(ctx)
				return err
			}},
		)
	}
	return list
}

// pruneTask runs a capability's Prune every hour: retention periods are
// days, so an hour late is nothing, and each run deletes little.
func (m *Main) pruneTask(what string, prune func(context.Context, time.Time) (int64, error)) jobs.Task {
	return jobs.Task{Name: "prune_" + what, Every: time.Hour, Run: func(ctx context.Context) error {
		n, err := prune(ctx, m.Clock())
		if err != nil {
			return err
		}
		if n > 0 {
			m.Log.Info("pruned", "what", what, "count", n)
		}
		return nil
	}}
}

// checkAudit verifies the audit log's hash chain (a broken chain raises a
// critical security event) and writes its head to the log. Logs leave the
// machine (a log service, a syslog host), so a head recorded there is what
// shows that someone with database access rewrote the whole chain, head
// row included.
func (m *Main) checkAudit(ctx context.Context, svc *services) error {
	n, err := detect.AuditChain(ctx, m.db, svc.events)
	if err != nil {
		m.Log.Error("audit chain verification failed", "entries", n, "error", err)
		return err
	}
	id, hash, err := audit.Head(ctx, m.db)
	if err != nil {
		return err
	}
	m.Log.Info("audit head", "entry", id, "hash", hash, "verified", n)
	return nil
}
