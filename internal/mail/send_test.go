package mail_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river/rivertype"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/shop"
	"kaede/internal/testenv"
)

// received is one message as the test SMTP server got it.
type received struct {
	from, to string
	data     []byte
}

// smtpServer is a real SMTP server on 127.0.0.1 that records what it is
// given and can turn away the first few messages with a 4xx.
type smtpServer struct {
	t      *testing.T
	addr   string
	server *smtp.Server

	mu       sync.Mutex
	refuse   int // DATA commands still to answer with 451
	messages []received
}

// newSMTPServer starts a server on addr ("127.0.0.1:0" for any port).
func newSMTPServer(t *testing.T, addr string) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t}
	s.listen(addr)
	return s
}

func (s *smtpServer) listen(addr string) {
	s.t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatalf("listen for SMTP: %v", err)
	}
	s.addr = l.Addr().String()
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	s.server = srv
	go srv.Serve(l)
	s.t.Cleanup(func() { srv.Close() })
}

func (s *smtpServer) got() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.messages...)
}

type backend struct{ s *smtpServer }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s        *smtpServer
	from, to string
}

func (*session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (*session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "shop" || pass != "p@ss word" {
			return errors.New("bad credentials")
		}
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error   { x.to = to; return nil }
func (x *session) Reset()                                      {}
func (x *session) Logout() error                               { return nil }

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refuse > 0 {
		x.s.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	x.s.messages = append(x.s.messages, received{from: x.from, to: x.to, data: b})
	return nil
}

// fastRetry retries a failed delivery after 100ms instead of River's
// seconds-to-days backoff.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

var testNow = time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)

func testClock() time.Time { return testNow }

// harness is a database, a running job runner with the send worker, and
// the queue that feeds it.
type harness struct {
	d      *db.DB
	queue  *mail.Queue
	runner *jobs.Runner
}

// start runs the send worker against smtpURL ("" for the demo's outbox).
func start(t *testing.T, d *db.DB, smtpURL string) *harness {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, d); err != nil {
		t.Fatalf("migrate jobs: %v", err)
	}
	dl := mail.Delivery{From: "楓 <shop@kaede.example>"}
	if smtpURL != "" {
		cfg, err := mail.ParseSMTPURL(smtpURL)
		if err != nil {
			t.Fatalf("parse %q: %v", smtpURL, err)
		}
		dl.SMTP = &cfg
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := mail.NewSendWorker(d, dl, testClock, log)
	if err != nil {
		t.Fatalf("new send worker: %v", err)
	}
	r, err := jobs.New(d, log, jobs.Config{Register: w.Register, PollInterval: 50 * time.Millisecond, RetryPolicy: fastRetry{}})
	if err != nil {
		t.Fatalf("new runner: %v", err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatalf("start runner: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop runner: %v", err)
		}
	})
	return &harness{d: d, queue: mail.NewQueue(r, testClock), runner: r}
}

var order = mail.Message{
	Kind:    "order_confirmation",
	To:      "花子 <hanako@example.jp>",
	Subject: "【楓】ご注文ありがとうございます（注文番号 K-1001）— 発送のご案内は後ほどお送りいたします",
	Body:    "山田 花子 様\n\nこの度はご注文いただき、誠にありがとうございます。\n合計: ¥12,100（税込）\n",
}

// enqueue writes m in a transaction and commits it or rolls it back.
func (h *harness) enqueue(t *testing.T, m mail.Message, commit bool) int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := h.d.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	id, err := h.queue.Enqueue(ctx, tx, m)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if commit {
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// waitFor polls cond until it holds, failing after 30 seconds: generous,
// since it returns as soon as cond holds, and the race detector on a busy
// machine needs it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, what, cond)
}

// waitDrained waits until River holds no send job that could still run:
// every one is completed, discarded or cancelled. Only then can a test say
// that a message arrived once, not merely that no second copy came yet.
func waitDrained(t *testing.T, d *db.DB) {
	t.Helper()
	waitFor(t, "the job queue to drain", func() bool {
		var n int
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job
			WHERE kind = 'mail_send' AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n); err != nil {
			t.Fatalf("count unfinished jobs: %v", err)
		}
		return n == 0
	})
}

func stored(t *testing.T, d *db.DB, id int64) mail.Stored {
	t.Helper()
	m, err := mail.Get(context.Background(), d, id)
	if err != nil {
		t.Fatalf("get mail %d: %v", id, err)
	}
	return m
}

// checkDelivered decodes what the server got and compares it with m.
func checkDelivered(t *testing.T, got received, m mail.Message) {
	t.Helper()
	if got.from != "shop@kaede.example" || got.to != "hanako@example.jp" {
		t.Fatalf("envelope from=%q to=%q, want shop@kaede.example and hanako@example.jp", got.from, got.to)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	if subject != m.Subject {
		t.Fatalf("subject=%q, want %q", subject, m.Subject)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "楓" || from[0].Address != "shop@kaede.example" {
		t.Fatalf("From=%v (%v), want 楓 <shop@kaede.example>", from, err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "花子" || to[0].Address != "hanako@example.jp" {
		t.Fatalf("To=%v (%v), want 花子 <hanako@example.jp>", to, err)
	}
	if date, err := msg.Header.Date(); err != nil || !date.Equal(testNow) {
		t.Fatalf("Date=%v (%v), want %v", date, err, testNow)
	}
	if id := msg.Header.Get("Message-Id"); !strings.HasPrefix(id, "<kaede.") || !strings.HasSuffix(id, "@kaede.example>") {
		t.Fatalf("Message-ID=%q, want <kaede.…@kaede.example>", id)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Fatalf("Content-Type=%q, want text/plain; charset=UTF-8", ct)
	}
	if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "base64" {
		t.Fatalf("Content-Transfer-Encoding=%q, want base64", cte)
	}
	for i, line := range strings.Split(string(got.data), "\r\n") {
		if len(line) > 78 {
			t.Fatalf("line %d is %d bytes long, want at most 78", i+1, len(line))
		}
	}
	raw, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if want := strings.ReplaceAll(m.Body, "\n", "\r\n"); string(raw) != want {
		t.Fatalf("body=%q, want %q", raw, want)
	}
}

func TestCommittedMailArrivesOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, "127.0.0.1:0")
		h := start(t, d, "smtp://shop:p%40ss%20word@"+srv.addr)
		id := h.enqueue(t, order, true)
		waitFor(t, "the message to arrive", func() bool { return len(srv.got()) > 0 })
		checkDelivered(t, srv.got()[0], order)
		waitFor(t, "status sent", func() bool { return stored(t, d, id).Status == mail.StatusSent })
		waitDrained(t, d)
		if n := len(srv.got()); n != 1 {
			t.Fatalf("server got %d messages, want 1", n)
		}
		m := stored(t, d, id)
		if m.Attempts != 1 || !m.SentAt.Equal(testNow) || m.LastError != "" {
			t.Fatalf("stored attempts=%d sent_at=%v last_error=%q, want 1, %v, empty", m.Attempts, m.SentAt, m.LastError, testNow)
		}
	})
}

func TestRolledBackMailIsNeverSent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, "127.0.0.1:0")
		h := start(t, d, "smtp://"+srv.addr)
		rolledBack := order
		rolledBack.Subject = "取り消された注文"
		h.enqueue(t, rolledBack, false)
		h.enqueue(t, order, true)
		waitFor(t, "the committed message", func() bool { return len(srv.got()) > 0 })
		waitDrained(t, d)
		got := srv.got()
		if len(got) != 1 {
			t.Fatalf("server got %d messages, want 1", len(got))
		}
		checkDelivered(t, got[0], order)
		all, err := mail.List(context.Background(), d, mail.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 {
			t.Fatalf("outbox holds %d messages, want 1", len(all))
		}
	})
}

func TestTemporaryRefusalIsRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, "127.0.0.1:0")
		srv.refuse = 2
		h := start(t, d, "smtp://"+srv.addr)
		id := h.enqueue(t, order, true)
		waitFor(t, "status sent", func() bool { return stored(t, d, id).Status == mail.StatusSent })
		waitDrained(t, d)
		if n := len(srv.got()); n != 1 {
			t.Fatalf("server got %d messages, want 1", n)
		}
		checkDelivered(t, srv.got()[0], order)
		if m := stored(t, d, id); m.Attempts != 3 {
			t.Fatalf("attempts=%d, want 3", m.Attempts)
		}
	})
}

func TestServerDownThenUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// Take a free port and let it go: nothing listens there yet.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		h := start(t, d, "smtp://"+addr)
		id := h.enqueue(t, order, true)
		waitFor(t, "a failed attempt", func() bool {
			m := stored(t, d, id)
			return m.Attempts >= 2 && m.LastError != ""
		})
		if m := stored(t, d, id); m.Status != mail.StatusQueued || !strings.Contains(m.LastError, "connect") {
			t.Fatalf("while down: status=%q last_error=%q, want queued and a connect error", m.Status, m.LastError)
		}
		srv := newSMTPServer(t, addr)
		waitFor(t, "status sent", func() bool { return stored(t, d, id).Status == mail.StatusSent })
		waitDrained(t, d)
		if n := len(srv.got()); n != 1 {
			t.Fatalf("server got %d messages, want 1", n)
		}
		checkDelivered(t, srv.got()[0], order)
	})
}

func TestWithoutSMTPMailStaysInOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := start(t, d, "")
		id := h.enqueue(t, order, true)
		waitFor(t, "status outbox", func() bool { return stored(t, d, id).Status == mail.StatusOutbox })
		m := stored(t, d, id)
		if m.Subject != order.Subject || m.Body != order.Body || m.To != order.To || m.Kind != order.Kind {
			t.Fatalf("stored %+v, want the enqueued message", m)
		}
		if m.Attempts != 0 || !m.SentAt.IsZero() {
			t.Fatalf("attempts=%d sent_at=%v, want 0 and zero", m.Attempts, m.SentAt)
		}
	})
}

func TestAlreadySentIsNotSentAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, "127.0.0.1:0")
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		// Enqueue while nothing runs, mark the row sent as a first run of
		// the job would have, then let a runner work the job.
		inserter, err := jobs.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		q := mail.NewQueue(inserter, testClock)
		var id int64
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			id, err = q.Enqueue(ctx, tx, order)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE mail_messages SET status = 'sent' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		start(t, d, "smtp://"+srv.addr)
		waitFor(t, "the job to finish", func() bool {
			var n int
			err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'mail_send' AND state = 'completed'`).Scan(&n)
			return err == nil && n == 1
		})
		if n := len(srv.got()); n != 0 {
			t.Fatalf("server got %d messages, want 0", n)
		}
	})
}

func TestListAndGet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := mail.NewTestQueue(testClock)
		var ids []int64
		for _, to := range []string{"a@example.jp", "b@example.jp", "c@example.jp"} {
			m := order
			m.To = to
			err := d.Tx(ctx, func(tx *sql.Tx) error {
				id, err := q.Enqueue(ctx, tx, m)
				ids = append(ids, id)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.ExecContext(ctx, `UPDATE mail_messages SET status = 'outbox' WHERE id = $1`, ids[0]); err != nil {
			t.Fatal(err)
		}
		queued, err := mail.List(ctx, d, mail.Filter{Status: mail.StatusQueued, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(queued) != 1 || queued[0].ID != ids[2] {
			t.Fatalf("queued (limit 1)=%v, want the newest, id %d", queued, ids[2])
		}
		all, err := mail.List(ctx, d, mail.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || all[2].ID != ids[0] || all[2].Status != mail.StatusOutbox {
			t.Fatalf("all=%v, want 3 newest first, the oldest in the outbox", all)
		}
		got, err := mail.Get(ctx, d, ids[1])
		if err != nil {
			t.Fatal(err)
		}
		if got.To != "b@example.jp" || got.Subject != order.Subject || got.Body != order.Body || !got.CreatedAt.Equal(testNow) || got.Status != mail.StatusQueued {
			t.Fatalf("get=%+v, want the second message, queued, created %v", got, testNow)
		}
		if _, err := mail.Get(ctx, d, 999999); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("get missing: %v, want not found", err)
		}
		if _, err := mail.List(ctx, d, mail.Filter{Status: "lost"}); shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("list status lost: %v, want invalid", err)
		}
	})
}

func TestGivesUpAsFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, "127.0.0.1:0")
		srv.refuse = 1000
		h := start(t, d, "smtp://"+srv.addr)
		id := h.enqueue(t, order, true)
		waitFor(t, "status failed", func() bool { return stored(t, d, id).Status == mail.StatusFailed })
		m := stored(t, d, id)
		if m.Attempts != 13 || !strings.Contains(m.LastError, "451") {
			t.Fatalf("attempts=%d last_error=%q, want 13 and the server's 451", m.Attempts, m.LastError)
		}
		waitFor(t, "the job to be discarded", func() bool {
			var n int
			err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = 'mail_send' AND state = 'discarded'`).Scan(&n)
			return err == nil && n == 1
		})
		if n := len(srv.got()); n != 0 {
			t.Fatalf("server got %d messages, want 0", n)
		}
	})
}

// TestOneJobForSeveral delivers an order's confirmation and the shop's
// notice of it, written by one EnqueueAll, with one job. The server turns
// the first away once: the job's retry sends it, and not the second again.
// A job written before jobs carried several ids is still delivered.
func TestOneJobForSeveral(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := newSMTPServer(t, "127.0.0.1:0")
		srv.refuse = 1
		h := start(t, d, "smtp://"+srv.addr)
		notice := order
		notice.Kind, notice.To = "shop_new_order", "shop@kaede.example"
		tx, err := d.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := h.queue.EnqueueAll(ctx, tx, order, notice)
		if err != nil || len(ids) != 2 || ids[0] == 0 || ids[1] == 0 {
			t.Fatalf("enqueue all: %v, %v", ids, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		waitDrained(t, d)
		var jobs int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'mail_send'`).Scan(&jobs); err != nil || jobs != 1 {
			t.Fatalf("%d delivery jobs (%v), want 1 for both messages", jobs, err)
		}
		got := srv.got()
		if len(got) != 2 || got[0].to != "shop@kaede.example" || got[1].to != "hanako@example.jp" {
			t.Fatalf("server got %d messages %+v, want the notice then, on the retry, the confirmation, once each", len(got), got)
		}
		if a, b := stored(t, d, ids[0]), stored(t, d, ids[1]); a.Status != mail.StatusSent || a.Attempts != 2 ||
			b.Status != mail.StatusSent || b.Attempts != 1 {
			t.Fatalf("confirmation %s after %d attempts, notice %s after %d; want sent after 2 and 1",
				a.Status, a.Attempts, b.Status, b.Attempts)
		}

		// A job of the earlier form: one message_id.
		tx, err = d.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		id, err := mail.NewTestQueue(testClock).Enqueue(ctx, tx, order)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.runner.InsertTx(ctx, tx, mail.SendArgs{MessageID: id}, nil); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the earlier job's message sent", func() bool { return stored(t, d, id).Status == mail.StatusSent })
		waitDrained(t, d)
		if n := len(srv.got()); n != 3 {
			t.Fatalf("server got %d messages, want 3", n)
		}
	})
}

// TestSentButNotRecorded makes the record of a delivery fail after the
// server accepted the message (a trigger refuses the row's move to sent).
// The job's retries record it instead of sending it again: once the
// trigger is gone the message is sent, and the server got it once.
func TestSentButNotRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := newSMTPServer(t, "127.0.0.1:0")
		h := start(t, d, "smtp://"+srv.addr)
		block := []string{`CREATE TRIGGER no_sent BEFORE UPDATE ON mail_messages
			FOR EACH ROW WHEN (NEW.status = 'sent') BEGIN SELECT RAISE(ABORT, 'test: record refused'); END`}
		unblock := `DROP TRIGGER no_sent`
		if d.Dialect == db.Postgres {
			block = []string{`CREATE FUNCTION no_sent() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN RAISE EXCEPTION 'test: record refused'; END $$`,
				`CREATE TRIGGER no_sent BEFORE UPDATE ON mail_messages
				FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION no_sent()`}
			unblock = `DROP TRIGGER no_sent ON mail_messages`
		}
		for _, q := range block {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatalf("block the record: %v", err)
			}
		}
		id := h.enqueue(t, order, true)
		waitFor(t, "the server to accept the message", func() bool { return len(srv.got()) == 1 })
		// Several retries come and go while the record is refused.
		time.Sleep(500 * time.Millisecond)
		if m := stored(t, d, id); m.Status != mail.StatusQueued {
			t.Fatalf("status %s while its record is refused, want queued", m.Status)
		}
		if _, err := d.ExecContext(ctx, unblock); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the message recorded as sent", func() bool { return stored(t, d, id).Status == mail.StatusSent })
		waitDrained(t, d)
		if n := len(srv.got()); n != 1 {
			t.Fatalf("server got the message %d times, want once", n)
		}
	})
}
