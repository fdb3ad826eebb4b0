package member_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/password"
	"kaede/internal/shop"
)

const validPassword = "correct horse battery" // validInput's

func TestAuthenticate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")

		got, err := s.Authenticate(ctx, "Taro@Example.jp", validPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != m.ID || got.Verified() {
			t.Fatalf("authenticated member %d verified=%v, want %d unverified", got.ID, got.Verified(), m.ID)
		}
		_, errWrong := s.Authenticate(ctx, "taro@example.jp", validPassword+"!", "")
		wantCode(t, errWrong, shop.Unauthorized)
		_, errUnknown := s.Authenticate(ctx, "jiro@example.jp", validPassword, "")
		wantCode(t, errUnknown, shop.Unauthorized)
		if shop.ErrorMessage(errWrong) != shop.ErrorMessage(errUnknown) {
			t.Fatalf("messages differ: %q and %q; they must not tell which accounts exist",
				shop.ErrorMessage(errWrong), shop.ErrorMessage(errUnknown))
		}
		_, err = s.Authenticate(ctx, "", "", "")
		wantCode(t, err, shop.Unauthorized)
	})
}

func TestAuthenticateRehashesWithNewParams(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")
		stronger := fastHash
		stronger.Time = 2
		if err := s.SetHashParams(stronger); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, m.Email, validPassword, ""); err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := d.QueryRowContext(ctx, `SELECT password_hash FROM members WHERE id = $1`, m.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		h, err := password.Parse(stored)
		if err != nil {
			t.Fatal(err)
		}
		if h.Params != stronger {
			t.Fatalf("stored params %+v, want %+v", h.Params, stronger)
		}
		if _, err := s.Authenticate(ctx, m.Email, validPassword, ""); err != nil {
			t.Fatalf("login after rehash: %v", err)
		}
	})
}

func TestLoginLock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		for i := 0; i < 10; i++ {
			clock.Advance(time.Minute)
			_, err := s.Authenticate(ctx, m.Email, "wrong password", "")
			wantCode(t, err, shop.Unauthorized)
		}
		_, err := s.Authenticate(ctx, m.Email, validPassword, "")
		wantCode(t, err, shop.TooMany) // even the right validPassword
		clock.Advance(14 * time.Minute)
		_, err = s.Authenticate(ctx, "TARO@example.jp", validPassword, "")
		wantCode(t, err, shop.TooMany)

		// Other addresses are not affected.
		other := register(t, s, "jiro@example.jp")
		if _, err := s.Authenticate(ctx, other.Email, validPassword, ""); err != nil {
			t.Fatalf("other member: %v", err)
		}

		clock.Advance(time.Minute)
		if _, err := s.Authenticate(ctx, m.Email, validPassword, ""); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// A success clears the count.
		for i := 0; i < 9; i++ {
			_, err := s.Authenticate(ctx, m.Email, "wrong password", "")
			wantCode(t, err, shop.Unauthorized)
		}
		if _, err := s.Authenticate(ctx, m.Email, validPassword, ""); err != nil {
			t.Fatalf("after 9 failures: %v", err)
		}
	})
}

func TestLoginLockUnknownEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		for i := 0; i < 10; i++ {
			_, err := s.Authenticate(ctx, "nobody@example.jp", "whatever password", "")
			wantCode(t, err, shop.Unauthorized)
		}
		_, err := s.Authenticate(ctx, "nobody@example.jp", "whatever password", "")
		wantCode(t, err, shop.TooMany) // as for an account, so the lock reveals nothing
	})
}

func TestSlowFailuresDoNotLock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		for i := 0; i < 20; i++ {
			clock.Advance(2 * time.Minute) // ten failures span 18 minutes
			_, err := s.Authenticate(ctx, m.Email, "wrong password", "")
			wantCode(t, err, shop.Unauthorized)
		}
		if _, err := s.Authenticate(ctx, m.Email, validPassword, ""); err != nil {
			t.Fatalf("after slow failures: %v", err)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		_, err := d.ExecContext(ctx, `INSERT INTO sessions (id_hash, member_id, created_at, last_seen_at, expires_at)
			VALUES ('s1', $1, $2, $2, $3)`, m.ID, clock.Now(), clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}

		if err := s.RequestPasswordReset(ctx, "TARO@example.jp", ""); err != nil {
			t.Fatal(err)
		}
		first := tokenIn(t, lastMail(t, d, m.Email, "password_reset").Body, "/account/reset")
		if err := s.RequestPasswordReset(ctx, m.Email, "en"); err != nil {
			t.Fatal(err)
		}
		msg := lastMail(t, d, m.Email, "password_reset")
		if !strings.HasPrefix(msg.Body, "Dear ") {
			t.Fatalf("reset asked for in English, got:\n%s", msg.Body)
		}
		second := tokenIn(t, msg.Body, "/account/reset")

		// A bad validPassword leaves the token usable.
		err = s.ResetPassword(ctx, second, "short")
		wantField(t, err, "password", shop.ReasonLength)
		err = s.ResetPassword(ctx, second, "TARO@EXAMPLE.JP")
		wantField(t, err, "password", shop.ReasonFormat)

		const newPassword = "a brand new secret"
		clock.Advance(59 * time.Minute)
		if err := s.ResetPassword(ctx, second, newPassword); err != nil {
			t.Fatal(err)
		}
		err = s.ResetPassword(ctx, second, newPassword+"2")
		wantField(t, err, "token", shop.ReasonFormat) // single use
		err = s.ResetPassword(ctx, first, newPassword+"2")
		wantField(t, err, "token", shop.ReasonFormat) // the other link is revoked

		var sessions int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE member_id = $1`, m.ID).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if sessions != 0 {
			t.Fatalf("%d sessions after reset, want 0", sessions)
		}
		_, err = s.Authenticate(ctx, m.Email, validPassword, "")
		wantCode(t, err, shop.Unauthorized)
		got, err := s.Authenticate(ctx, m.Email, newPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		if !got.Verified() {
			t.Fatal("a reset by e-mail link should verify the address")
		}
		changed := lastMail(t, d, m.Email, "password_changed")
		if strings.Contains(changed.Body, newPassword) {
			t.Fatal("the validPassword is in the mail")
		}
	})
}

func TestPasswordResetExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		if err := s.RequestPasswordReset(ctx, m.Email, "ja"); err != nil {
			t.Fatal(err)
		}
		token := tokenIn(t, lastMail(t, d, m.Email, "password_reset").Body, "/account/reset")
		clock.Advance(time.Hour)
		err := s.ResetPassword(ctx, token, "a brand new secret")
		wantField(t, err, "token", shop.ReasonFormat)
		if _, err := s.Authenticate(ctx, m.Email, validPassword, ""); err != nil {
			t.Fatalf("old validPassword after failed reset: %v", err)
		}
	})
}

func TestPasswordResetNoEnumeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		register(t, s, "taro@example.jp")
		for _, email := range []string{"nobody@example.jp", "not an address", ""} {
			if err := s.RequestPasswordReset(ctx, email, "ja"); err != nil {
				t.Fatalf("RequestPasswordReset(%q)=%v, want nil", email, err)
			}
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_messages WHERE kind = 'password_reset'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d reset mails for unknown addresses, want 0", n)
		}
	})
}

func TestPasswordResetMailLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		for i := 0; i < 8; i++ {
			if err := s.RequestPasswordReset(ctx, m.Email, "ja"); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(mails(t, d, m.Email, "password_reset")); n != 5 {
			t.Fatalf("%d reset mails within an hour, want 5", n)
		}
		clock.Advance(time.Hour + time.Second)
		if err := s.RequestPasswordReset(ctx, m.Email, "ja"); err != nil {
			t.Fatal(err)
		}
		if n := len(mails(t, d, m.Email, "password_reset")); n != 6 {
			t.Fatalf("%d reset mails after an hour, want 6", n)
		}
	})
}

func TestChangePassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")
		err := s.ChangePassword(ctx, m.ID, "not my password", "another good secret")
		wantField(t, err, "current_password", shop.ReasonMismatch)
		err = s.ChangePassword(ctx, m.ID, validPassword, "short")
		wantField(t, err, "new_password", shop.ReasonLength)
		err = s.ChangePassword(ctx, m.ID, validPassword, "1234567890")
		wantField(t, err, "new_password", shop.ReasonCommon)
		// Someone else logged in with the old password (another browser).
		sessions := member.NewSessions(d, time.Now)
		if _, err := sessions.LogIn(ctx, "", "thief-session", m.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.ChangePassword(ctx, m.ID, validPassword, "another good secret"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sessions.Resume(ctx, "thief-session"); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("the other session survived the password change: %v", err)
		}
		if _, err := s.Authenticate(ctx, m.Email, "another good secret", ""); err != nil {
			t.Fatal(err)
		}
		_, err = s.Authenticate(ctx, m.Email, validPassword, "")
		wantCode(t, err, shop.Unauthorized)
		if n := len(mails(t, d, m.Email, "password_changed")); n != 1 {
			t.Fatalf("%d validPassword-changed mails, want 1", n)
		}
		err = s.ChangePassword(ctx, m.ID+100, validPassword, "another good secret")
		wantCode(t, err, shop.NotFound)
	})
}

// TestLoginThrottledPerAddress is password spraying: one common password
// tried against 25 accounts from one client address. The per-account lock
// never fires (one failure each); before the per-address throttle all 25
// were answered 401 and tried. Now the 21st and later are refused
// (TooMany) without checking, while another address is not affected.
func TestLoginThrottledPerAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		victim := register(t, s, "victim@example.jp")
		var unauthorized, tooMany int
		for i := range 25 {
			email := fmt.Sprintf("user%02d@example.jp", i)
			if i == 24 {
				email = victim.Email // the sprayed password is hers: it must not be checked
			}
			_, err := s.Authenticate(ctx, email, validPassword, "203.0.113.9")
			switch shop.ErrorCode(err) {
			case shop.Unauthorized:
				unauthorized++
			case shop.TooMany:
				tooMany++
			default:
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		t.Logf("spraying 25 accounts from one address: %d × 401, then %d × 429", unauthorized, tooMany)
		if unauthorized != 20 || tooMany != 5 {
			t.Fatalf("%d unauthorized, %d too many; want 20 then 5", unauthorized, tooMany)
		}
		if _, err := s.Authenticate(ctx, victim.Email, validPassword, "198.51.100.7"); err != nil {
			t.Fatalf("the owner from her own address: %v", err)
		}
	})
}
