package member_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/password"
	"kaede/internal/shop"
)

const baseURL = "http://127.0.0.1:8080"

// fastHash keeps tests quick; production uses password.Default.
var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// testClock is a clock the test moves forward by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newService(t *testing.T, d *db.DB) (*member.Service, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	s := member.New(d, mail.NewTestQueue(clock.Now), clock.Now, baseURL)
	if err := s.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	return s, clock
}

func validInput(email string) member.RegisterInput {
	return member.RegisterInput{
		Email:    email,
		Password: "correct horse battery",
		Name:     "山田 太郎",
		NameKana: "やまだ たろう",
		Phone:    "090-1234-5678",
	}
}

func register(t *testing.T, s *member.Service, email string) *member.Member {
	t.Helper()
	m, err := s.Register(context.Background(), validInput(email))
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return m
}

// sentMail is a row of mail_messages.
type sentMail struct {
	Kind, To, Subject, Body string
}

// mails returns the messages to the address of the kind, oldest first.
func mails(t *testing.T, d *db.DB, to, kind string) []sentMail {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT kind, to_addr, subject, body FROM mail_messages
		WHERE to_addr = $1 AND kind = $2 ORDER BY id`, to, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sentMail
	for rows.Next() {
		var m sentMail
		if err := rows.Scan(&m.Kind, &m.To, &m.Subject, &m.Body); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// lastMail returns the newest message of the kind to the address.
func lastMail(t *testing.T, d *db.DB, to, kind string) sentMail {
	t.Helper()
	ms := mails(t, d, to, kind)
	if len(ms) == 0 {
		t.Fatalf("no %s mail to %s", kind, to)
	}
	return ms[len(ms)-1]
}

// tokenIn returns the token of the link to path in the body.
func tokenIn(t *testing.T, body, path string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(baseURL+path+"?token=") + `([A-Za-z0-9_-]+)`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s link in:\n%s", path, body)
	}
	return m[1]
}

// wantCode fails unless err is a *shop.Error with the code.
func wantCode(t *testing.T, err error, code shop.Code) {
	t.Helper()
	if got := shop.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %s, want %s", err, got, code)
	}
}

// wantField fails unless err is Invalid with the reason on the field.
func wantField(t *testing.T, err error, field, reason string) {
	t.Helper()
	var e *shop.Error
	if !errors.As(err, &e) || e.Code != shop.Invalid {
		t.Fatalf("error %v, want invalid %s", err, field)
	}
	if got := e.Fields[field]; got != reason {
		t.Fatalf("reason for %s=%q, want %q (all: %v)", field, got, reason, e.Fields)
	}
}
