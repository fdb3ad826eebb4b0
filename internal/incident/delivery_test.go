package incident_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/mail/smtptest"
	"kaede/internal/testenv"
)

// fastRetry retries a failed delivery after 50ms instead of River's
// seconds-to-days backoff, so that a refused recipient fails in seconds.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(50 * time.Millisecond) }

// startDelivery runs the outbox's send worker against the peer, and the
// campaign's send worker when given, and returns the queue that feeds
// them and the runner.
func startDelivery(tb testing.TB, d *db.DB, peer *smtptest.Peer, clock func() time.Time, workers int, campaign *incident.SendWorker) (*mail.Queue, *jobs.Runner) {
	tb.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, d); err != nil {
		tb.Fatal(err)
	}
	cfg, err := mail.ParseSMTPURL("smtp://" + peer.Addr)
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	w, err := mail.NewSendWorker(d, mail.Delivery{SMTP: &cfg, From: "楓 <shop@kaede.example>"}, clock, log)
	if err != nil {
		tb.Fatal(err)
	}
	register := func(ws *river.Workers) {
		w.Register(ws)
		if campaign != nil {
			campaign.Register(ws)
		}
	}
	r, err := jobs.New(d, log, jobs.Config{Register: register, PollInterval: 50 * time.Millisecond,
		RetryPolicy: fastRetry{}, MaxWorkers: workers})
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Stop(ctx)
	})
	return mail.NewQueue(r, clock), r
}

// TestDeliveryProgress sends a campaign to a real SMTP server: the
// progress counts follow the outbox to sent, a recipient the server
// refuses ends failed after the retries with the server's answer, and
// the label list flags them.
func TestDeliveryProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(12)
		peer := smtptest.Start(t)
		peer.Reject(cs[3].Email)
		var e *campaignEnv
		clock := func() time.Time { return e.clock() }
		q, _ := startDelivery(t, d, peer, clock, 4, nil)
		e = newCampaignEnv(t, d, q, cs)
		e.prepare()
		e.tested()
		res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
		if err != nil || res.Queued != 12 {
			t.Fatalf("Send: %+v %v", res, err)
		}
		var p incident.Progress
		testenv.WaitFor(t, time.Minute, "every e-mail to end", func() bool {
			p, err = e.c.Progress(e.ctx, e.id)
			if err != nil {
				t.Fatal(err)
			}
			return p.Done()
		})
		if p.Sent != 11 || p.Failed != 1 || p.Total != 12 || p.Percent() != 100 {
			t.Fatalf("progress %+v, want 11 sent and 1 failed", p)
		}
		failed, _, err := e.c.Recipients(e.ctx, e.id, incident.RecipientFilter{State: incident.EmailFailed})
		if err != nil || len(failed) != 1 || failed[0].Email != cs[3].Email || !strings.Contains(failed[0].EmailError, "550") {
			t.Fatalf("failed recipients %+v %v, want %s with the server's 550", failed, err, cs[3].Email)
		}
		var labels bytes.Buffer
		if _, err := e.c.WriteLabels(e.ctx, e.id, &labels, incident.UTF8, owner); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(labels.String(), "\r\n") {
			if strings.Contains(line, cs[3].PostalCode+","+cs[3].Prefecture+cs[3].City+cs[3].Line1) != strings.HasSuffix(line, ",不達") {
				t.Errorf("label line %q: flag wrong", line)
			}
		}
		// What the server got: one message per person, in 敬語, naming
		// their orders, no card number.
		messages := peer.Messages()
		if peer.Received() != 12 || len(messages[owner.Name]) != 1 {
			t.Fatalf("server received %d messages (%d for staff), want 11 and the test", peer.Received(), len(messages[owner.Name]))
		}
		for _, c := range cs {
			got := messages[c.Email]
			if c.Email == cs[3].Email {
				if len(got) != 0 {
					t.Errorf("refused recipient got %d messages", len(got))
				}
				continue
			}
			if len(got) != 1 {
				t.Fatalf("%s got %d messages, want 1", c.Email, len(got))
			}
			msg, err := netmail.ReadMessage(bytes.NewReader(got[0]))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
			if err != nil {
				t.Fatal(err)
			}
			text := string(body)
			for _, w := range []string{c.Name + " 様", "深くお詫び申し上げます", "ご注文番号 " + c.Orders[0].Number, "カード番号末尾 " + c.Orders[0].Last4} {
				if !strings.Contains(text, w) {
					t.Errorf("message to %s lacks %q", c.Email, w)
				}
			}
			if run := panRun(text); run != "" {
				t.Errorf("message to %s holds a card number %q", c.Email, run)
			}
		}
	})
}

// TestSendLaterRunsInTheQueue asks for the send as the admin does: a job
// writes the e-mails, the outbox delivers them, and the audit log and the
// timeline name the member of staff who asked.
func TestSendLaterRunsInTheQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(30)
		peer := smtptest.Start(t)
		var e *campaignEnv
		clock := func() time.Time { return e.clock() }
		sender := &incident.SendWorker{}
		q, r := startDelivery(t, d, peer, clock, 4, sender)
		e = newCampaignEnv(t, d, q, cs)
		sender.Campaigns = e.c
		e.c.Jobs = r
		e.prepare()
		if _, err := e.c.SendLater(e.ctx, e.id, owner); !errors.Is(err, incident.ErrNotTested) {
			t.Fatalf("SendLater before a test: %v, want ErrNotTested", err)
		}
		e.tested()
		e.c.SetBatch(7, nil)
		st, err := e.c.SendLater(e.ctx, e.id, owner)
		if err != nil || !st.Background || st.Pending != 30 {
			t.Fatalf("SendLater: %+v %v", st, err)
		}
		var p incident.Progress
		testenv.WaitFor(t, time.Minute, "every e-mail sent", func() bool {
			if p, err = e.c.Progress(e.ctx, e.id); err != nil {
				t.Fatal(err)
			}
			return p.Done()
		})
		if p.Sent != 30 || peer.Received() != 31 {
			t.Fatalf("progress %+v, server got %d, want 30 and the test", p, peer.Received())
		}
		for _, action := range []string{"incident.campaign.send_requested", "incident.campaign.send"} {
			entries := campaignAudit(t, d, action)
			if len(entries) != 1 || entries[0].Actor != owner.Name || entries[0].IP != owner.IP {
				t.Fatalf("%s entries %+v, want one by %s from %s", action, entries, owner.Name, owner.IP)
			}
		}
		tl, err := e.inc.Timeline(e.ctx, e.id)
		if err != nil {
			t.Fatal(err)
		}
		if last := tl[len(tl)-1]; last.Kind != incident.EventNotification || last.RecordedBy != owner.Name {
			t.Fatalf("last timeline entry %+v, want the notification by %s", last, owner.Name)
		}
		// Nothing left: no job.
		st, err = e.c.SendLater(e.ctx, e.id, owner)
		if err != nil || st.Background || st.Pending != 0 {
			t.Fatalf("SendLater with nobody left: %+v %v", st, err)
		}
	})
}
