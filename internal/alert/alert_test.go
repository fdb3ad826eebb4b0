package alert_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"kaede/internal/alert"
	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/secevent"
)

const secret = "0123456789abcdef0123456789abcdef-test"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

// receiver is a webhook endpoint that verifies each delivery's signature.
type receiver struct {
	mu    sync.Mutex
	got   []alert.Payload
	bad   int
	fails int // answer 500 to this many deliveries first
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := alert.Verify(secret, r.Header.Get(alert.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		rc.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if rc.fails > 0 {
		rc.fails--
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	var p alert.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, p)
}

func (rc *receiver) payloads() []alert.Payload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]alert.Payload(nil), rc.got...)
}

type harness struct {
	d      *db.DB
	events *secevent.Store
	alerts *alert.Alerter
	clock  *clock
	recv   *receiver
}

// start builds the events store, the alerter and a working job runner
// (mail in outbox mode, webhook deliveries) on d.
func start(t *testing.T, d *db.DB, withWebhook bool) *harness {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	h := &harness{d: d, clock: &clock{}, recv: &receiver{fails: 1}}
	cfg := alert.Config{AdminURL: "https://admin.kaede.example"}
	if withWebhook {
		srv := httptest.NewServer(h.recv)
		t.Cleanup(srv.Close)
		cfg.WebhookURL, cfg.WebhookSecret = srv.URL+"/hook", secret
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sender, err := mail.NewSendWorker(d, mail.Delivery{From: "shop@kaede.example"}, h.clock.now, log)
	if err != nil {
		t.Fatal(err)
	}
	hook, err := alert.NewWebhookWorker(cfg, h.clock.now)
	if err != nil {
		t.Fatal(err)
	}
	r, err := jobs.New(d, log, jobs.Config{
		Register:     func(ws *river.Workers) { sender.Register(ws); hook.Register(ws) },
		PollInterval: 50 * time.Millisecond, RetryPolicy: fastRetry{}})
	if err != nil {
		t.Fatal(err)
	}
	h.events = secevent.NewStore(d, h.clock.now)
	h.alerts, err = alert.New(d, h.events, mail.NewQueue(r, h.clock.now), r, h.clock.now, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	h.events.OnRaise(h.alerts.Hook)
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Stop(ctx)
	})
	for _, s := range []struct{ email, role, disabled string }{
		{"owner@kaede.example", "owner", ""},
		{"auditor@kaede.example", "auditor", ""},
		{"manager@kaede.example", "manager", ""},
		{"gone@kaede.example", "owner", "yes"},
	} {
		var disabled any
		if s.disabled != "" {
			disabled = time.Now().UTC()
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO staff (email, role, disabled_at, created_at) VALUES ($1, $2, $3, $4)`,
			s.email, s.role, disabled, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// outbox returns the security mails that reached the outbox, by recipient.
func outbox(t *testing.T, d *db.DB) map[string][]mail.Stored {
	t.Helper()
	ms, err := mail.List(context.Background(), d, mail.Filter{Status: mail.StatusOutbox, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]mail.Stored{}
	for _, m := range ms {
		if m.Kind == "security_alert" {
			out[m.To] = append(out[m.To], m)
		}
	}
	return out
}

// TestCriticalEventReachesOutboxAndWebhook is the promise: within 60 s of
// a critical event, every member of staff with the security permission
// has the e-mail in the outbox and the webhook receiver has a delivery
// whose signature verifies (after one failed attempt, retried).
func TestCriticalEventReachesOutboxAndWebhook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := start(t, d, true)
		ctx := context.Background()
		began := time.Now()
		r, err := h.events.Raise(ctx, secevent.Signal{Kind: secevent.KindTamper, Severity: secevent.Critical,
			Source: "monitor", Target: "/checkout", Summary: "a script was added to /checkout"})
		if err != nil {
			t.Fatal(err)
		}
		deadline := began.Add(60 * time.Second)
		var box map[string][]mail.Stored
		var got []alert.Payload
		for {
			box, got = outbox(t, d), h.recv.payloads()
			if len(box) == 2 && len(got) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 60s: outbox=%d recipients, webhook=%d deliveries, want 2 and 1", len(box), len(got))
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("critical event to outbox and webhook: %v", time.Since(began).Round(time.Millisecond))

		if _, ok := box["owner@kaede.example"]; !ok {
			t.Errorf("owner has no alert; outbox=%v", box)
		}
		if _, ok := box["auditor@kaede.example"]; !ok {
			t.Errorf("auditor (security.read) has no alert")
		}
		m := box["owner@kaede.example"][0]
		for _, want := range []string{"重大", "CRITICAL", secevent.KindTamper} {
			if !strings.Contains(m.Subject, want) {
				t.Errorf("subject %q lacks %q", m.Subject, want)
			}
		}
		url := "https://admin.kaede.example/admin/security/events/"
		if !strings.Contains(m.Body, url) || !strings.Contains(m.Body, "ご確認") {
			t.Errorf("body lacks the event's admin URL or the Japanese text:\n%s", m.Body)
		}
		p := got[0]
		if p.Event.ID != r.ID || p.Event.Severity != "critical" || !strings.Contains(p.Text, "/checkout") {
			t.Errorf("payload=%+v, want event %d, critical, text naming /checkout", p, r.ID)
		}
		if h.recv.bad != 0 {
			t.Errorf("%d deliveries had a bad signature", h.recv.bad)
		}

		// A repeat of the open event alerts nobody again.
		// Alerts are queued only for a Raised with Notify (alert.go), so a
		// repeat that does not ask for one can never reach the outbox later.
		again, err := h.events.Raise(ctx, secevent.Signal{Kind: secevent.KindTamper, Severity: secevent.Critical,
			Source: "monitor", Target: "/checkout", Summary: "again"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Notify {
			t.Errorf("a repeat of an open event asks for an alert")
		}
		if n := len(outbox(t, d)["owner@kaede.example"]); n != 1 {
			t.Errorf("owner has %d alerts after a repeat, want 1", n)
		}
	})
}

func TestInfoEventsPageNobody(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := start(t, d, false)
		if _, err := h.events.Raise(context.Background(), secevent.Signal{Kind: secevent.KindStaffNewIP,
			Severity: secevent.Info, Source: "staff", Target: "staff:1", Summary: "new address"}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM mail_messages WHERE kind = 'security_alert'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d alert mails for an info event, want 0", n)
		}
	})
}

// TestEscalation: a critical event still new after the delay (15 minutes
// by default) is e-mailed to every active owner, once; an acknowledged one
// is not.
func TestEscalation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := start(t, d, false)
		ctx := context.Background()
		t0 := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
		h.clock.set(t0)
		raise := func(target string) secevent.Raised {
			r, err := h.events.Raise(ctx, secevent.Signal{Kind: secevent.KindTamper, Severity: secevent.Critical,
				Source: "monitor", Target: target, Summary: "changed"})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		raise("/checkout") // nobody acknowledges it
		acked := raise("/cart")
		if _, err := h.events.Acknowledge(ctx, acked.ID, audit.Actor{Name: "owner@kaede.example"}, "on it"); err != nil {
			t.Fatal(err)
		}
		escalated := func() int {
			var n int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_messages WHERE kind = 'security_alert' AND subject LIKE '%UNACKNOWLEDGED%'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, c := range []struct {
			at        time.Duration
			wantN     int
			wantMails int
		}{
			{14 * time.Minute, 0, 0},
			{15 * time.Minute, 1, 1}, // one active owner: the disabled one is not told
			{16 * time.Minute, 0, 1}, // once per event
		} {
			h.clock.set(t0.Add(c.at))
			n, err := h.alerts.Escalate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != c.wantN || escalated() != c.wantMails {
				t.Fatalf("at +%v: escalated %d (mails %d), want %d (%d)", c.at, n, escalated(), c.wantN, c.wantMails)
			}
		}
		var to string
		if err := d.QueryRowContext(ctx, `SELECT to_addr FROM mail_messages WHERE subject LIKE '%UNACKNOWLEDGED%'`).Scan(&to); err != nil {
			t.Fatal(err)
		}
		if to != "owner@kaede.example" {
			t.Errorf("escalation went to %q, want the owner", to)
		}
	})
}

func TestSendTestAlertIsAuditedAndNotifies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := start(t, d, false)
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			r, err := h.alerts.SendTest(ctx, audit.Actor{Name: "owner@kaede.example", IP: "127.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Notify || r.Kind != secevent.KindTest {
				t.Fatalf("test alert %+v, want a new %s event", r, secevent.KindTest)
			}
			h.clock.set(time.Now().Add(time.Duration(i+1) * time.Millisecond))
		}
		es, err := audit.List(ctx, d, audit.Filter{Action: "security.test_alert"})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 {
			t.Fatalf("audit has %d test alerts, want 2", len(es))
		}
	})
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  alert.Config
		want string // "" for valid; else a setting named in the error
	}{
		{alert.Config{}, ""},
		{alert.Config{WebhookURL: "https://hooks.example/x", WebhookSecret: secret}, ""},
		{alert.Config{WebhookURL: "http://127.0.0.1:9000/x", WebhookSecret: secret}, ""},
		{alert.Config{WebhookURL: "http://hooks.example/x", WebhookSecret: secret}, "KAEDE_ALERT_WEBHOOK_URL"},
		{alert.Config{WebhookURL: "ftp://hooks.example/x", WebhookSecret: secret}, "KAEDE_ALERT_WEBHOOK_URL"},
		{alert.Config{WebhookURL: "https://hooks.example/x", WebhookSecret: "short"}, "KAEDE_ALERT_WEBHOOK_SECRET"},
		{alert.Config{WebhookSecret: secret}, "KAEDE_ALERT_WEBHOOK_URL"},
	} {
		err := c.cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v, want valid", c.cfg, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
}

func TestVerifyRefusesTamperingAndReplay(t *testing.T) {
	now := time.Unix(1_780_000_000, 0)
	body := []byte(`{"text":"x"}`)
	sig := alert.Sign(secret, now, body)
	if err := alert.Verify(secret, sig, body, now, time.Minute); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	if alert.Verify(secret, sig, []byte(`{"text":"y"}`), now, time.Minute) == nil {
		t.Error("changed body accepted")
	}
	if alert.Verify("another secret of at least 32 characters", sig, body, now, time.Minute) == nil {
		t.Error("wrong secret accepted")
	}
	if alert.Verify(secret, sig, body, now.Add(10*time.Minute), time.Minute) == nil {
		t.Error("old signature accepted")
	}
}
