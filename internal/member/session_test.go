package member_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/shop"
)

func TestSessionsLogInResumeAndExpire(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, clock := newService(t, d)
		m := register(t, svc, "hanako@example.jp")
		sessions := member.NewSessions(d, clock.Now)
		const first, second, other = "id-planted-before-login", "id-issued-at-login", "id-of-another-browser"

		if _, _, err := sessions.Resume(ctx, first); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Resume of an id with no row: err=%v, want not found", err)
		}
		if _, err := sessions.LogIn(ctx, "", first, m.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := sessions.LogIn(ctx, first, second, m.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sessions.Resume(ctx, first); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Resume of the id replaced at login: err=%v, want not found", err)
		}
		got, touched, err := sessions.Resume(ctx, second)
		if err != nil || got.MemberID != m.ID || touched {
			t.Fatalf("Resume at once = %+v, touched %v, %v; want member %d, untouched", got, touched, err, m.ID)
		}
		clock.Advance(2 * time.Minute)
		if _, touched, err := sessions.Resume(ctx, second); err != nil || !touched {
			t.Fatalf("Resume two minutes later: touched %v, %v; want touched", touched, err)
		}

		// other starts a minute after second was last seen, so second
		// expires a minute before it.
		clock.Advance(time.Minute)
		if _, err := sessions.LogIn(ctx, "", other, m.ID, ""); err != nil {
			t.Fatal(err)
		}
		clock.Advance(member.MemberIdle - time.Minute)
		if _, _, err := sessions.Resume(ctx, second); !errors.Is(err, member.ErrSessionExpired) {
			t.Fatalf("Resume after the idle time: err=%v, want ErrSessionExpired", err)
		}
		if _, _, err := sessions.Resume(ctx, second); shop.ErrorCode(err) != shop.NotFound || errors.Is(err, member.ErrSessionExpired) {
			t.Fatalf("Resume of an expired id a second time: err=%v, want not found (the row is gone)", err)
		}
		if got, _, err := sessions.Resume(ctx, other); err != nil || got.MemberID != m.ID {
			t.Fatalf("Resume of the session started a minute later = %+v, %v; want it alive", got, err)
		}
	})
}
