package fraud_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/fraud"
	"kaede/internal/shop"
)

func TestWindowLimits(t *testing.T) {
	tests := []struct {
		name    string
		max     int           // attempts allowed in the window
		window  time.Duration // the window being tested
		step    time.Duration // time between attempts, kept clear of shorter windows
		attempt func(i int) fraud.Attempt
		reason  fraud.Reason
	}{
		{"session 5 per 10 min", 5, 10 * time.Minute, time.Minute, func(i int) fraud.Attempt {
			a := stranger(i)
			a.SessionKey = "one-session"
			return a
		}, fraud.SessionLimit},
		{"ip 10 per hour", 10, time.Hour, time.Minute, func(i int) fraud.Attempt {
			a := stranger(i)
			a.IP = "203.0.113.7"
			return a
		}, fraud.IPLimit},
		// 7 minutes apart stays under 10 an hour, so the day's 30 is what refuses.
		{"ip 30 per day", 30, 24 * time.Hour, 7 * time.Minute, func(i int) fraud.Attempt {
			a := stranger(i)
			a.IP = "203.0.113.7"
			return a
		}, fraud.IPLimit},
		// The same address however it is typed.
		{"email 5 per hour", 5, time.Hour, time.Minute, func(i int) fraud.Attempt {
			a := stranger(i)
			a.Email = []string{"Taro@Example.JP", " taro@example.jp", "TARO@EXAMPLE.JP "}[i%3]
			return a
		}, fraud.EmailLimit},
		// Every address of one IPv6 /64 counts as one.
		{"ipv6 /64 counted as one", 10, time.Hour, time.Minute, func(i int) fraud.Attempt {
			a := stranger(i)
			a.IP = fmt.Sprintf("2001:db8:1:2::%x", i+1)
			return a
		}, fraud.IPLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				g, c, _ := newGuard(t, d, fraud.DefaultLimits())
				start := c.Now()
				for i := range tt.max {
					if dec := allow(t, g, tt.attempt(i)); !dec.Allowed {
						t.Fatalf("attempt %d refused (%s), want allowed", i+1, dec.Reason)
					}
					c.Advance(tt.step)
				}
				dec := allow(t, g, tt.attempt(tt.max))
				if dec.Allowed || dec.Reason != tt.reason {
					t.Fatalf("attempt %d: allowed=%v reason=%q, want refused with %q", tt.max+1, dec.Allowed, dec.Reason, tt.reason)
				}
				// The first attempt leaves the window at start+window.
				if want := start.Add(tt.window).Sub(c.Now()); dec.RetryAfter != want {
					t.Fatalf("RetryAfter=%v, want %v", dec.RetryAfter, want)
				}
				// Refused attempts do not count: retrying meanwhile changes nothing.
				if dec := allow(t, g, tt.attempt(tt.max+1)); dec.Allowed {
					t.Fatalf("retry before the window slid was allowed")
				}
				c.Advance(dec.RetryAfter - time.Second)
				if dec := allow(t, g, tt.attempt(tt.max+2)); dec.Allowed {
					t.Fatalf("attempt a second before the window slid was allowed")
				}
				c.Advance(time.Second)
				if dec := allow(t, g, tt.attempt(tt.max+3)); !dec.Allowed {
					t.Fatalf("attempt after the window slid refused (%s), want allowed", dec.Reason)
				}
			})
		})
	}
}

// Fifty attempts arriving together from one address against a limit of ten:
// the check and the record are one transaction, so exactly ten pass.
func TestConcurrentAttemptsFromOneIP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, _, _ := newGuard(t, d, fraud.DefaultLimits())
		const n = 50
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed, refused := 0, 0
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := stranger(i)
				a.IP = "203.0.113.50"
				dec, err := g.Allow(context.Background(), a)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if dec.Allowed {
					allowed++
				} else if dec.Reason == fraud.IPLimit {
					refused++
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Allow: %v", err)
		}
		if allowed != 10 || refused != n-10 {
			t.Fatalf("allowed=%d refused=%d, want 10 and %d", allowed, refused, n-10)
		}
		st, err := g.Status(context.Background())
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if w := st.Windows[0]; w.Started != 10 || w.Refused != n-10 {
			t.Fatalf("status started=%d refused=%d, want 10 and %d", w.Started, w.Refused, n-10)
		}
	})
}

func TestAllowRejectsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, _, _ := newGuard(t, d, fraud.DefaultLimits())
		_, err := g.Allow(context.Background(), fraud.Attempt{IP: "not-an-ip"})
		if shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("err=%v, want invalid", err)
		}
		want := map[string]string{"session_key": shop.ReasonRequired, "ip": shop.ReasonFormat, "email": shop.ReasonRequired}
		got := shop.ErrorFields(err)
		for f, r := range want {
			if got[f] != r {
				t.Errorf("field %s: %q, want %q", f, got[f], r)
			}
		}
	})
}

func TestRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, _, _ := newGuard(t, d, fraud.DefaultLimits())
		ctx := context.Background()
		if err := g.Record(ctx, 999, fraud.Declined); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("unknown attempt: err=%v, want not_found", err)
		}
		dec := allow(t, g, stranger(0))
		if err := g.Record(ctx, dec.AttemptID, "maybe"); shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("bad outcome: err=%v, want invalid", err)
		}
		record(t, g, dec.AttemptID, fraud.Declined)
		// A second report of the same attempt (webhook and return) changes nothing.
		record(t, g, dec.AttemptID, fraud.Succeeded)
		st, err := g.Status(ctx)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if w := st.Windows[0]; w.Declined != 1 || w.Succeeded != 0 {
			t.Fatalf("declined=%d succeeded=%d, want 1 and 0", w.Declined, w.Succeeded)
		}

		// A refused attempt never reached the provider.
		one := stranger(1)
		for range 5 {
			pay(t, g, one, fraud.Succeeded)
		}
		refusedDec := allow(t, g, one)
		if refusedDec.Allowed {
			t.Fatalf("sixth attempt of a session allowed")
		}
		// Its id is not handed out; find it as the latest row.
		var id int64
		if err := d.QueryRowContext(ctx, `SELECT MAX(id) FROM fraud_attempts`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := g.Record(ctx, id, fraud.Declined); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("refused attempt: err=%v, want conflict", err)
		}
	})
}

// Only hashes of the session key and the e-mail address are stored.
func TestStoresHashesOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, _, _ := newGuard(t, d, fraud.DefaultLimits())
		allow(t, g, fraud.Attempt{SessionKey: "secret-cookie", IP: "::ffff:192.0.2.1", Email: "Hanako@Example.JP"})
		var session, ip, email string
		err := d.QueryRowContext(context.Background(), `SELECT session_hash, ip, email_hash FROM fraud_attempts`).Scan(&session, &ip, &email)
		if err != nil {
			t.Fatal(err)
		}
		// sha256("hanako@example.jp"): the address lower-cased, then hashed.
		const wantEmail = "3aed607c43ded66fdc13201d8cfda8768e0da363a85458eb3d78d15c12bffbc8"
		if email != wantEmail {
			t.Fatalf("email_hash=%q, want %q", email, wantEmail)
		}
		if len(session) != 64 || session == "secret-cookie" {
			t.Fatalf("session_hash=%q, want SHA-256 hex", session)
		}
		if ip != "192.0.2.1" {
			t.Fatalf("ip=%q, want 192.0.2.1", ip)
		}
	})
}
