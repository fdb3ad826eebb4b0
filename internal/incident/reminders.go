package incident

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"kaede/internal/mail"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// RemindDeadlines e-mails every active member of staff with the security
// permission when a report of an open incident becomes due soon and again
// when it is overdue, once per report and stage, and returns how many
// reminders it queued. It runs as a periodic task; adminURL is the admin's
// public base URL for the link in the e-mail.
func (s *Service) RemindDeadlines(ctx context.Context, q *mail.Queue, adminURL string) (int, error) {
	open, err := s.List(ctx, Open)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, inc := range open {
		ds, err := s.Deadlines(ctx, inc)
		if err != nil {
			return sent, err
		}
		for _, d := range ds {
			if d.Status != DueSoon && d.Status != Overdue {
				continue
			}
			n, err := s.remind(ctx, q, adminURL, inc, d)
			if err != nil {
				return sent, err
			}
			sent += n
		}
	}
	return sent, nil
}

// remind sends one deadline's reminder for its stage, unless it was sent:
// the row and the e-mails commit together, so a crash between them cannot
// lose a reminder or send it twice.
func (s *Service) remind(ctx context.Context, q *mail.Queue, adminURL string, inc Incident, d DeadlineState) (int, error) {
	sent := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO incident_reminders (incident_id, code, stage, sent_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (incident_id, code, stage) DO NOTHING`,
			inc.ID, string(d.Code), string(d.Status), s.clock().UTC())
		if err != nil {
			return fmt.Errorf("incident: reminder for %d %s: %w", inc.ID, d.Code, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		to, err := staff.ActiveEmails(ctx, tx, func(r staff.Role) bool { return r.Can(staff.SecurityRead) })
		if err != nil {
			return err
		}
		subject, body := reminderText(inc, d, adminURL)
		for _, addr := range to {
			if _, err := q.Enqueue(ctx, tx, mail.Message{Kind: "incident_deadline", To: addr, Subject: subject, Body: body}); err != nil {
				return fmt.Errorf("incident: reminder for %d %s: %w", inc.ID, d.Code, err)
			}
			sent++
		}
		return nil
	})
	return sent, err
}

func reminderText(inc Incident, d DeadlineState, adminURL string) (subject, body string) {
	state := "期限が近づいています"
	if d.Status == Overdue {
		state = "期限を過ぎています"
	}
	subject = fmt.Sprintf("【要対応】%s：%s（インシデント%d）", d.LabelJA, state, inc.ID)
	var b strings.Builder
	fmt.Fprintf(&b, "インシデント「%s」の%sの%s。\n\n", inc.Title, d.LabelJA, state)
	fmt.Fprintf(&b, "発覚（知った時点）：%s\n", jaDateTime(inc.DiscoveredAt))
	fmt.Fprintf(&b, "提出期限：%s\n", jaDate(d.Due))
	if !d.LateAfter.IsZero() {
		fmt.Fprintf(&b, "遅くとも：%s\n", jaDate(d.LateAfter))
	}
	fmt.Fprintf(&b, "\n提出したら、管理画面のインシデントの経過に記録してください。\n%s/admin/incidents/%d\n", adminURL, inc.ID)
	fmt.Fprintf(&b, "\n---\n%s (%s) for incident %d is %s. Due: %s JST.\n", d.LabelEN, d.Code, inc.ID,
		map[Status]string{DueSoon: "due soon", Overdue: "overdue"}[d.Status], d.Due.In(shop.JST).Format("2006-01-02"))
	return subject, b.String()
}
