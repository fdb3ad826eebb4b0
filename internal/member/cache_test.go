package member_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cart"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/shop"
	"kaede/internal/testenv"
)

// instance is one process's members and sessions.
type instance struct {
	name     string
	members  *member.Service
	sessions *member.Sessions
}

// newInstance builds the services of a process on d.
func newInstance(t *testing.T, name string, d *db.DB, clock *testClock) instance {
	t.Helper()
	s := member.New(d, mail.NewTestQueue(clock.Now), clock.Now, baseURL)
	if err := s.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	return instance{name: name, members: s, sessions: member.NewSessions(d, clock.Now)}
}

// instances are the services of this process on d and, on PostgreSQL, of
// a second process on another connection, listening for changes as every
// served instance does. Their clock stands still: whatever they stop
// trusting, they heard of through the change notifications, not because
// their cache's time ran out.
func instances(t *testing.T, d *db.DB) ([]instance, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	insts := []instance{newInstance(t, "the writing instance", d, clock)}
	if d.Dialect == db.Postgres {
		other := openAgain(t, d)
		l, err := other.ListenForChanges(context.Background(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		insts = append(insts, newInstance(t, "another instance", other, clock))
	}
	return insts, clock
}

// openAgain opens d's database again, as another process would.
func openAgain(t *testing.T, d *db.DB) *db.DB {
	t.Helper()
	other, err := db.Open(context.Background(), d.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// seeOnEvery waits until cond holds on every instance: on the writing one
// at once, on another within a second.
func seeOnEvery(t *testing.T, insts []instance, what string, cond func(instance) bool) {
	t.Helper()
	if !cond(insts[0]) {
		t.Fatalf("%s does not see %s as soon as the change committed", insts[0].name, what)
	}
	for _, in := range insts[1:] {
		testenv.WaitFor(t, time.Second, in.name+" to see "+what, func() bool { return cond(in) })
	}
}

// resumeTwice resumes the session on the instance twice, the second time
// from its cache, and fails unless it is the member's.
func resumeTwice(t *testing.T, in instance, id string, memberID int64) {
	t.Helper()
	for range 2 {
		got, _, err := in.sessions.Resume(context.Background(), id)
		if err != nil || got.MemberID != memberID {
			t.Fatalf("%s: Resume = %+v, %v; want member %d", in.name, got, err, memberID)
		}
	}
}

// TestEndedSessionsEndOnEveryInstance: however a session ends, no
// instance that read it before serves it afterwards.
func TestEndedSessionsEndOnEveryInstance(t *testing.T) {
	staff := audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.9"}
	password := validInput("").Password
	for _, c := range []struct {
		name string
		end  func(ctx context.Context, d *db.DB, in instance, m *member.Member, id string) error
	}{
		{"logout", func(ctx context.Context, _ *db.DB, in instance, _ *member.Member, id string) error {
			return in.sessions.Delete(ctx, id)
		}},
		{"login from the session", func(ctx context.Context, _ *db.DB, in instance, m *member.Member, id string) error {
			_, err := in.sessions.LogIn(ctx, id, "a-fresh-id-for-the-same-browser", m.ID, "")
			return err
		}},
		{"password change", func(ctx context.Context, _ *db.DB, in instance, m *member.Member, _ string) error {
			return in.members.ChangePassword(ctx, m.ID, password, "another long secret")
		}},
		{"password reset", func(ctx context.Context, d *db.DB, in instance, m *member.Member, _ string) error {
			if err := in.members.RequestPasswordReset(ctx, m.Email, ""); err != nil {
				return err
			}
			token := tokenIn(t, lastMail(t, d, m.Email, "password_reset").Body, "/account/reset")
			return in.members.ResetPassword(ctx, token, "another long secret")
		}},
		{"account closed by the member", func(ctx context.Context, _ *db.DB, in instance, m *member.Member, _ string) error {
			return in.members.Close(ctx, m.ID, password, "192.0.2.1")
		}},
		{"account erased by staff", func(ctx context.Context, _ *db.DB, in instance, m *member.Member, _ string) error {
			return in.members.Erase(ctx, m.ID, "ご本人からの削除請求", staff)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				insts, _ := instances(t, d)
				m := register(t, insts[0].members, "hanako@example.jp")
				const id, otherID = "the-browser-of-the-member", "the-browser-of-someone-else"
				someone := register(t, insts[0].members, "someone@example.jp")
				for _, sid := range []struct {
					id string
					m  int64
				}{{id, m.ID}, {otherID, someone.ID}} {
					if _, err := insts[0].sessions.LogIn(ctx, "", sid.id, sid.m, ""); err != nil {
						t.Fatal(err)
					}
				}
				for _, in := range insts {
					resumeTwice(t, in, id, m.ID)
					resumeTwice(t, in, otherID, someone.ID)
				}
				if err := c.end(ctx, d, insts[0], m, id); err != nil {
					t.Fatal(err)
				}
				seeOnEvery(t, insts, "the session ended", func(in instance) bool {
					_, _, err := in.sessions.Resume(ctx, id)
					return shop.ErrorCode(err) == shop.NotFound
				})
				for _, in := range insts {
					resumeTwice(t, in, otherID, someone.ID) // another member's session lives on
				}
			})
		})
	}
}

// TestNewCartReachesEveryInstance: a session given another cart shows it
// on every instance that had read the session.
func TestNewCartReachesEveryInstance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insts, clock := instances(t, d)
		const id = "a-guest-browser"
		carts := cart.New(d, clock.Now)
		first, err := carts.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		second, err := carts.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		cartOn := func(in instance) string {
			sess, _, err := in.sessions.Resume(ctx, id)
			if err != nil {
				t.Fatalf("%s: %v", in.name, err)
			}
			return sess.CartID
		}
		if _, err := insts[0].sessions.SetCart(ctx, id, 0, first.ID); err != nil {
			t.Fatal(err)
		}
		for _, in := range insts {
			for range 2 {
				if got := cartOn(in); got != first.ID {
					t.Fatalf("%s: cart %q, want the first, %q", in.name, got, first.ID)
				}
			}
		}
		if _, err := insts[0].sessions.SetCart(ctx, id, 0, second.ID); err != nil {
			t.Fatal(err)
		}
		seeOnEvery(t, insts, "the second cart", func(in instance) bool { return cartOn(in) == second.ID })
	})
}

// TestMemberChangesReachEveryInstance: what a member's row says (their
// practitioner state, which sets their prices; their name; their address
// verified; their account closed) shows on every instance that had read
// it, as soon as the change commits.
func TestMemberChangesReachEveryInstance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insts, _ := instances(t, d)
		s := insts[0].members
		m := register(t, s, "pro@example.jp")
		get := func(in instance) *member.Member {
			got, err := in.members.Get(ctx, m.ID)
			if err != nil {
				t.Fatalf("%s: %v", in.name, err)
			}
			return got
		}
		for _, in := range insts {
			for range 2 {
				if got := get(in); got.Practitioner != member.PractitionerNone {
					t.Fatalf("%s: practitioner %q before any licence", in.name, got.Practitioner)
				}
			}
		}
		steps := []struct {
			what   string
			change func() error
			see    func(*member.Member) bool
		}{
			{"the licence pending", func() error {
				_, err := s.SubmitLicence(ctx, m.ID, "hari", "第123456号")
				return err
			}, func(g *member.Member) bool { return g.Practitioner == member.PractitionerPending }},
			{"member prices", func() error { return s.ApproveLicenceByEmail(ctx, m.Email, "operator") },
				func(g *member.Member) bool { return g.Viewer().Practitioner }},
			{"the new name", func() error {
				return s.UpdateProfile(ctx, m.ID, member.ProfileInput{Name: "山田 花子", NameKana: "ヤマダ ハナコ"})
			}, func(g *member.Member) bool { return g.Name == "山田 花子" }},
			{"the address verified", func() error {
				_, err := s.VerifyEmail(ctx, tokenIn(t, lastMail(t, d, m.Email, "verify_email").Body, "/account/verify"))
				return err
			}, func(g *member.Member) bool { return g.Verified() }},
			{"the account closed, with no member prices", func() error {
				return s.Close(ctx, m.ID, validInput("").Password, "192.0.2.1")
			}, func(g *member.Member) bool { return g.Closed() && !g.Viewer().Practitioner }},
		}
		for _, st := range steps {
			if err := st.change(); err != nil {
				t.Fatalf("%s: %v", st.what, err)
			}
			seeOnEvery(t, insts, st.what, func(in instance) bool { return st.see(get(in)) })
		}
	})
}

// TestCachedReadsEndWithinCacheFor is two processes on one database, the
// second one not listening for changes (the command line on SQLite, or a
// PostgreSQL listener reconnecting): it trusts what it read for
// member.CacheFor, and no longer.
func TestCachedReadsEndWithinCacheFor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
		a := newInstance(t, "the writing process", d, clock)
		b := newInstance(t, "a process not listening", openAgain(t, d), clock)
		m := register(t, a.members, "pro@example.jp")
		const id = "the-browser-of-the-member"
		if _, err := a.sessions.LogIn(ctx, "", id, m.ID, ""); err != nil {
			t.Fatal(err)
		}
		resumeTwice(t, b, id, m.ID)
		if got, err := b.members.Get(ctx, m.ID); err != nil || got.Practitioner != member.PractitionerNone {
			t.Fatalf("b before: %+v, %v", got, err)
		}
		if _, err := a.members.SubmitLicence(ctx, m.ID, "hari", "第123456号"); err != nil {
			t.Fatal(err)
		}
		if err := a.sessions.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		clock.Advance(member.CacheFor - time.Millisecond)
		if _, _, err := b.sessions.Resume(ctx, id); err != nil {
			t.Fatalf("b read the database before member.CacheFor ended (the session cache is not used): %v", err)
		}
		if got, _ := b.members.Get(ctx, m.ID); got.Practitioner != member.PractitionerNone {
			t.Fatal("b read the database before member.CacheFor ended: the member cache is not used")
		}
		clock.Advance(time.Millisecond)
		if _, _, err := b.sessions.Resume(ctx, id); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("b after member.CacheFor: err=%v, want the session gone", err)
		}
		if got, _ := b.members.Get(ctx, m.ID); got.Practitioner != member.PractitionerPending {
			t.Fatalf("b after member.CacheFor: practitioner %q, want %q", got.Practitioner, member.PractitionerPending)
		}
	})
}

// TestCachedMemberIsACopy: a caller changing the member it got changes
// nobody else's.
func TestCachedMemberIsACopy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")
		for i := range 3 {
			got, err := s.Get(context.Background(), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != m.Name {
				t.Fatalf("read %d: name %q, want %q", i, got.Name, m.Name)
			}
			got.Name = fmt.Sprintf("changed by caller %d", i)
		}
	})
}
