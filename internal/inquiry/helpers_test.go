package inquiry_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/inquiry"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/password"
	"kaede/internal/shop"
)

// t0 is Wednesday 25 November 2026, 11:00 in Tokyo: the desk is open.
var t0 = time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)

var (
	support = audit.Actor{Name: "support@kaede.example", IP: "192.0.2.10"}
	ctx     = context.Background()
)

// clock is a clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is the desk on a fresh database, with the member service it links
// tickets through.
type env struct {
	t       *testing.T
	d       *db.DB
	clock   *clock
	desk    *inquiry.Service
	members *member.Service
}

func newEnv(t *testing.T, d *db.DB, limits inquiry.Limits) *env {
	t.Helper()
	c := &clock{now: t0}
	q := mail.NewTestQueue(c.Now)
	members := member.New(d, q, c.Now, "https://shop.example")
	if err := members.SetHashParams(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, d: d, clock: c, desk: inquiry.New(d, q, members, c.Now, limits), members: members}
}

// form is a valid contact form from a guest.
func form(email string) inquiry.Submission {
	return inquiry.Submission{Name: "山田 花子", Email: email, Phone: "090-1234-5678", Topic: "order",
		Subject: "届いた商品について", Message: "注文した鍼が届きません。\r\n確認をお願いします。",
		OrderNumber: "k20261120-0003", ClientAddr: "203.0.113.7"}
}

func (e *env) submit(in inquiry.Submission) inquiry.Receipt {
	e.t.Helper()
	r, err := e.desk.Submit(ctx, in)
	if err != nil {
		e.t.Fatalf("submit: %v", err)
	}
	return r
}

func (e *env) get(number string) *inquiry.Ticket {
	e.t.Helper()
	tk, err := e.desk.Get(ctx, number)
	if err != nil {
		e.t.Fatalf("get %s: %v", number, err)
	}
	return tk
}

// mails returns the outbox's messages of a kind, oldest first.
func (e *env) mails(kind string) []mail.Stored {
	e.t.Helper()
	list, err := mail.List(ctx, e.d, mail.Filter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []mail.Stored
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Kind == kind {
			out = append(out, list[i])
		}
	}
	return out
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// actions lists the audit log's actions, oldest first, after checking the
// chain.
func (e *env) actions() []string {
	e.t.Helper()
	if _, err := audit.Verify(ctx, e.d); err != nil {
		e.t.Fatalf("audit chain: %v", err)
	}
	list, err := audit.List(ctx, e.d, audit.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(list))
	for i, en := range list {
		out[len(list)-1-i] = en.Action
	}
	return out
}

// wantPoliteMail checks an e-mail to the customer: in 敬語, with the
// ticket number in the subject, and without a card number.
func wantPoliteMail(t *testing.T, m mail.Stored, number string) {
	t.Helper()
	if !strings.Contains(m.Subject, number) {
		t.Errorf("subject %q has no ticket number %s", m.Subject, number)
	}
	for _, polite := range []string{"様", "誠にありがとうございます", "申し上げます"} {
		if !strings.Contains(m.Body, polite) {
			t.Errorf("e-mail has no %q:\n%s", polite, m.Body)
		}
	}
	if _, n := shop.MaskCardNumbers(m.Subject + "\n" + m.Body); n > 0 {
		t.Errorf("e-mail holds a card number:\n%s", m.Body)
	}
}
