package staff_test

import (
	"sync"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

func TestSessionIdleExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		sess := h.login(a, ipHome)
		h.clock.Advance(29 * time.Minute)
		if _, _, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser); err != nil {
			t.Fatalf("after 29 idle minutes: %v", err)
		}
		h.clock.Advance(30 * time.Minute)
		_, _, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		h.wantActions(a.Email, "staff.login", "staff.session_end")
	})
}

func TestSessionAbsoluteExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		sess := h.login(a, ipHome)
		for i := 0; i < 12*60/20-1; i++ {
			h.clock.Advance(20 * time.Minute)
			if _, _, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser); err != nil {
				t.Fatalf("after %d minutes of use: %v", (i+1)*20, err)
			}
		}
		h.clock.Advance(20 * time.Minute)
		_, _, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
	})
}

func TestSessionBoundToBrowser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		sess := h.login(a, ipHome)
		_, _, err := h.s.Touch(h.ctx, sess.ID, ipHome, "curl/8.0")
		wantCode(t, err, shop.Unauthorized)
		// Ended, not merely refused: the right browser is out too.
		_, _, err = h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)

		// A new IP address is allowed, recorded and audited.
		sess = h.login(a, ipHome)
		got, _, err := h.s.Touch(h.ctx, sess.ID, "203.0.113.9", browser)
		if err != nil || got.IP != "203.0.113.9" {
			t.Fatalf("Touch from a new address=%+v, %v", got, err)
		}
		h.wantActions(a.Email, "staff.session_end", "staff.login", "staff.session_ip")
		_, _, err = h.s.Touch(h.ctx, "junk", ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
	})
}

func TestSessionsAndRevoke(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		owner := h.enrol("owner@example.jp", staff.Owner)
		a := h.enrol("taro@example.jp", staff.Support)
		b := h.enrol("jiro@example.jp", staff.Support)
		s1 := h.login(a, ipHome)
		s2 := h.login(a, "203.0.113.9")
		sb := h.login(b, ipHome)
		m, err := h.s.Get(h.ctx, s1.StaffID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := h.s.Sessions(h.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Ref != s2.Ref || list[1].Ref != s1.Ref || list[0].ID != "" {
			t.Fatalf("sessions %+v", list)
		}
		// A support member cannot end a colleague's session…
		err = h.s.Revoke(h.ctx, sb.Ref, h.actor(a.Email))
		wantCode(t, err, shop.NotFound)
		// …but can end their own, and an owner can end anyone's.
		if err := h.s.Revoke(h.ctx, s2.Ref, h.actor(a.Email)); err != nil {
			t.Fatal(err)
		}
		if err := h.s.Revoke(h.ctx, sb.Ref, h.actor(owner.Email)); err != nil {
			t.Fatal(err)
		}
		for _, sess := range []*staff.Session{s2, sb} {
			_, _, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser)
			wantCode(t, err, shop.Unauthorized)
		}
		if _, _, err := h.s.Touch(h.ctx, s1.ID, ipHome, browser); err != nil {
			t.Fatalf("the other session: %v", err)
		}
		if err := h.s.Logout(h.ctx, s1.ID, ipHome); err != nil {
			t.Fatal(err)
		}
		_, _, err = h.s.Touch(h.ctx, s1.ID, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		h.wantActions(a.Email, "staff.session_revoke", "staff.logout")
		h.wantActions(owner.Email, "staff.session_revoke")
		h.verifyChain()
	})
}

func TestReauthenticate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Owner)
		sess := h.login(a, ipHome)
		h.clock.Advance(5*time.Minute + time.Second)
		got, _, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		if err != nil {
			t.Fatal(err)
		}
		if got.FreshSecondFactor(h.clock.Now()) {
			t.Fatal("second factor still fresh after 5 minutes")
		}
		_, err = h.s.Reauthenticate(h.ctx, sess.ID, "000000", ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		got, err = h.s.Reauthenticate(h.ctx, sess.ID, h.code(a.Secret), ipHome, browser)
		if err != nil {
			t.Fatal(err)
		}
		if !got.FreshSecondFactor(h.clock.Now()) {
			t.Fatal("not fresh after Reauthenticate")
		}
		got, _, err = h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		if err != nil || !got.FreshSecondFactor(h.clock.Now()) {
			t.Fatalf("Touch after Reauthenticate: fresh=%v, %v", got != nil && got.FreshSecondFactor(h.clock.Now()), err)
		}
		// The same code again is a replay.
		_, err = h.s.Reauthenticate(h.ctx, sess.ID, h.code(a.Secret), ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		h.wantActions(a.Email, "staff.login_failed", "staff.reauthenticate", "staff.login_failed")
		h.verifyChain()
	})
}

func TestChangePassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		other := h.login(a, "203.0.113.9")
		sess := h.login(a, ipHome)
		err := h.s.ChangePassword(h.ctx, sess.ID, "wrong", "another long passphrase", ipHome, browser)
		wantCode(t, err, shop.Invalid)
		h.clock.Advance(6 * time.Minute)
		err = h.s.ChangePassword(h.ctx, sess.ID, password, "another long passphrase", ipHome, browser)
		wantCode(t, err, shop.Forbidden)
		h.clock.Advance(30 * time.Second)
		if _, err := h.s.Reauthenticate(h.ctx, sess.ID, h.code(a.Secret), ipHome, browser); err != nil {
			t.Fatal(err)
		}
		if err := h.s.ChangePassword(h.ctx, sess.ID, password, "another long passphrase", ipHome, browser); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.Touch(h.ctx, other.ID, "203.0.113.9", browser); shop.ErrorCode(err) != shop.Unauthorized {
			t.Fatalf("other session after a password change: %v", err)
		}
		if _, _, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser); err != nil {
			t.Fatalf("own session after a password change: %v", err)
		}
		_, err = h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		wantCode(t, err, shop.Unauthorized)
		if _, err := h.s.Authenticate(h.ctx, a.Email, "another long passphrase", ipHome); err != nil {
			t.Fatal(err)
		}
		h.noSecretIn("another long passphrase")
	})
}

func TestConcurrentCodeReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		h.clock.Advance(30 * time.Second)
		code := h.code(a.Secret)
		const n = 4
		pending := make([]string, n)
		for i := range pending {
			p, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
			if err != nil {
				t.Fatal(err)
			}
			pending[i] = p
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for _, p := range pending {
			wg.Add(1)
			go func(p string) {
				defer wg.Done()
				if _, err := h.s.VerifySecondFactor(h.ctx, p, code, ipHome, browser); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}(p)
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("one code opened %d sessions, want 1", ok)
		}
		h.verifyChain()
	})
}
