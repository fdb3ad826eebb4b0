package staff_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/mail"
	pwhash "kaede/internal/password"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// fastHash keeps tests quick; production uses pwhash.Default.
var fastHash = pwhash.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var testKey = bytes.Repeat([]byte{7}, staff.KeySize)

const (
	password = "a long staff passphrase"
	ipHome   = "192.0.2.10"
	browser  = "Mozilla/5.0 (Macintosh) Firefox/140.0"
)

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

type harness struct {
	t     *testing.T
	d     *db.DB
	s     *staff.Service
	clock *testClock
	ctx   context.Context
}

func newHarness(t *testing.T, d *db.DB) *harness {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	s, err := staff.New(d, mail.NewTestQueue(clock.Now), clock.Now, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, d: d, s: s, clock: clock, ctx: context.Background()}
}

// account is an enrolled member of staff and their second factors.
type account struct {
	Email    string
	Secret   string
	Recovery []string
}

// enrol adds and fully enrols a member of staff, acting as the command line.
func (h *harness) enrol(email string, role staff.Role) account {
	h.t.Helper()
	token, err := h.s.Add(h.ctx, email, role, staff.CLI)
	if err != nil {
		h.t.Fatalf("add %s: %v", email, err)
	}
	e, err := h.s.Enrol(h.ctx, token, password)
	if err != nil {
		h.t.Fatalf("enrol %s: %v", email, err)
	}
	codes, err := h.s.ConfirmTOTP(h.ctx, token, h.code(e.Secret))
	if err != nil {
		h.t.Fatalf("confirm %s: %v", email, err)
	}
	return account{Email: email, Secret: e.Secret, Recovery: codes}
}

// code returns the TOTP code of the secret at the test clock's time.
func (h *harness) code(secret string) string {
	h.t.Helper()
	c, err := totp.GenerateCode(secret, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// login logs the account in from ip. It first moves the clock to the next
// TOTP step, since a step's code is accepted once.
func (h *harness) login(a account, ip string) *staff.Session {
	h.t.Helper()
	h.clock.Advance(30 * time.Second)
	pending, err := h.s.Authenticate(h.ctx, a.Email, password, ip)
	if err != nil {
		h.t.Fatalf("authenticate %s: %v", a.Email, err)
	}
	sess, err := h.s.VerifySecondFactor(h.ctx, pending, h.code(a.Secret), ip, browser)
	if err != nil {
		h.t.Fatalf("second factor of %s: %v", a.Email, err)
	}
	return sess
}

// actor returns the account acting, as the admin edge builds it.
func (h *harness) actor(email string) staff.Principal {
	h.t.Helper()
	for _, m := range h.list() {
		if m.Email == email {
			return m.Principal(ipHome)
		}
	}
	h.t.Fatalf("no staff %s", email)
	return staff.Principal{}
}

func (h *harness) list() []staff.Staff {
	h.t.Helper()
	all, err := h.s.List(h.ctx, staff.CLI)
	if err != nil {
		h.t.Fatal(err)
	}
	return all
}

// mailCount returns how many messages of the kind went to the address.
func (h *harness) mailCount(to, kind string) int {
	h.t.Helper()
	var n int
	if err := h.d.QueryRowContext(h.ctx, `SELECT COUNT(*) FROM mail_messages WHERE to_addr = $1 AND kind = $2`,
		to, kind).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// actions returns the audit log's actions for the actor, oldest first.
func (h *harness) actions(actor string) []string {
	h.t.Helper()
	es, err := audit.List(h.ctx, h.d, audit.Filter{Actor: actor, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Action)
	}
	return out
}

// wantActions fails unless the actor's audit actions contain want in order.
func (h *harness) wantActions(actor string, want ...string) {
	h.t.Helper()
	got := h.actions(actor)
	i := 0
	for _, a := range got {
		if i < len(want) && a == want[i] {
			i++
		}
	}
	if i < len(want) {
		h.t.Fatalf("audit actions of %s: %v, want %v in order", actor, got, want)
	}
}

// verifyChain fails unless the audit chain verifies, and returns its length.
func (h *harness) verifyChain() int {
	h.t.Helper()
	n, err := audit.Verify(h.ctx, h.d)
	if err != nil {
		h.t.Fatalf("audit chain: %v", err)
	}
	return n
}

// wantCode fails unless err is a *shop.Error with the code.
func wantCode(t *testing.T, err error, code shop.Code) {
	t.Helper()
	if got := shop.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %s, want %s", err, got, code)
	}
}

// noSecretIn fails if any audit entry holds the text.
func (h *harness) noSecretIn(secret string) {
	h.t.Helper()
	var n int
	err := h.d.QueryRowContext(h.ctx, `SELECT COUNT(*) FROM audit_log
		WHERE before_json LIKE $1 OR after_json LIKE $1 OR target LIKE $1`, "%"+secret+"%").Scan(&n)
	if err != nil {
		h.t.Fatal(err)
	}
	if n > 0 || strings.TrimSpace(secret) == "" {
		h.t.Fatalf("%d audit entries hold the secret %q", n, secret)
	}
}

// codeAt returns the TOTP code of the secret at t.
func (h *harness) codeAt(secret string, t time.Time) string {
	h.t.Helper()
	c, err := totp.GenerateCode(secret, t)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}
