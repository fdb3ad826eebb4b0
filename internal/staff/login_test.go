package staff_test

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

func TestEnrolThenLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		const email = "hanako@example.jp"
		token, err := h.s.Add(h.ctx, " Hanako@Example.JP ", staff.Manager, staff.CLI)
		if err != nil {
			t.Fatal(err)
		}
		var hash string
		if err := d.QueryRowContext(h.ctx, `SELECT password_hash FROM staff WHERE email = $1`, email).Scan(&hash); err != nil || hash != "" {
			t.Fatalf("password hash after Add=%q, %v; want none", hash, err)
		}
		_, err = h.s.Authenticate(h.ctx, email, "", ipHome)
		wantCode(t, err, shop.Unauthorized)

		_, err = h.s.Enrol(h.ctx, token, "too short")
		wantCode(t, err, shop.Invalid)
		_, err = h.s.Enrol(h.ctx, token, "Qwerty123456")
		wantCode(t, err, shop.Invalid)
		if shop.ErrorFields(err)["password"] != shop.ReasonCommon {
			t.Fatalf("common password: %v", err)
		}
		_, err = h.s.Enrol(h.ctx, token, email)
		wantCode(t, err, shop.Invalid)
		_, err = h.s.Enrol(h.ctx, "not-a-token", password)
		wantCode(t, err, shop.Invalid)
		e, err := h.s.Enrol(h.ctx, token, password)
		if err != nil {
			t.Fatal(err)
		}
		key, err := otp.NewKeyFromURL(e.URL)
		if err != nil || key.Secret() != e.Secret || key.AccountName() != email {
			t.Fatalf("otpauth URL %s: %v", e.URL, err)
		}
		if img, err := png.Decode(bytes.NewReader(e.QRPNG)); err != nil || img.Bounds().Dx() < 100 {
			t.Fatalf("QR code: %v", err)
		}
		var sealed string
		if err := d.QueryRowContext(h.ctx, `SELECT totp_secret FROM staff WHERE email = $1`, email).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, e.Secret) {
			t.Fatal("the TOTP secret is stored in the clear")
		}

		// The link alone cannot start over once a password is set: a
		// stranger's password is refused, the staff member's own gives a
		// new secret (a QR code not scanned) and keeps the password.
		var before string
		if err := d.QueryRowContext(h.ctx, `SELECT password_hash FROM staff WHERE email = $1`, email).Scan(&before); err != nil {
			t.Fatal(err)
		}
		_, err = h.s.Enrol(h.ctx, token, "a stranger's new password")
		if f := shop.ErrorFields(err); f["password"] != shop.ReasonMismatch {
			t.Fatalf("restart with another password: %v, want a password mismatch", err)
		}
		again, err := h.s.Enrol(h.ctx, token, password)
		if err != nil || again.Secret == e.Secret {
			t.Fatalf("repeat with the same password: %v (same secret %v)", err, again != nil && again.Secret == e.Secret)
		}
		var after string
		if err := d.QueryRowContext(h.ctx, `SELECT password_hash FROM staff WHERE email = $1`, email).Scan(&after); err != nil || after != before {
			t.Fatalf("password hash changed on a repeat: %v", err)
		}
		e = again

		// Password set, second factor not confirmed: still no login.
		_, err = h.s.Authenticate(h.ctx, email, password, ipHome)
		wantCode(t, err, shop.Unauthorized)

		_, err = h.s.ConfirmTOTP(h.ctx, token, "000000")
		wantCode(t, err, shop.Invalid)
		codes, err := h.s.ConfirmTOTP(h.ctx, token, h.code(e.Secret))
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != 10 {
			t.Fatalf("%d recovery codes, want 10", len(codes))
		}
		_, err = h.s.ConfirmTOTP(h.ctx, token, h.code(e.Secret))
		wantCode(t, err, shop.Invalid)
		_, err = h.s.Enrol(h.ctx, token, password)
		wantCode(t, err, shop.Invalid)

		a := account{Email: email, Secret: e.Secret, Recovery: codes}
		sess := h.login(a, ipHome)
		if sess.ID == "" || sess.Ref == 0 || !sess.FreshSecondFactor(h.clock.Now()) {
			t.Fatalf("session %+v", sess)
		}
		got, m, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		if err != nil {
			t.Fatal(err)
		}
		if m.Email != email || m.Role != staff.Manager || got.Ref != sess.Ref || !m.Active() {
			t.Fatalf("Touch=%+v %+v", got, m)
		}
		h.wantActions("cli", "staff.add")
		h.wantActions(email, "staff.enrol_password", "staff.enrol", "staff.login_password", "staff.login")
		h.noSecretIn(e.Secret)
		h.noSecretIn(password)
		for _, c := range codes {
			h.noSecretIn(c)
		}
		h.verifyChain()
	})
}

func TestEnrolmentTokenExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		token, err := h.s.Add(h.ctx, "late@example.jp", staff.Support, staff.CLI)
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(72 * time.Hour)
		_, err = h.s.Enrol(h.ctx, token, password)
		wantCode(t, err, shop.Invalid)
	})
}

func TestTOTPCodeIsUsedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Shipping)
		h.clock.Advance(30 * time.Second)
		code := h.code(a.Secret)
		p1, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.s.VerifySecondFactor(h.ctx, p1, code, ipHome, browser); err != nil {
			t.Fatal(err)
		}
		p2, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.s.VerifySecondFactor(h.ctx, p2, code, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		// Nor the previous step's code, still inside the ±1 window.
		prev := h.codeAt(a.Secret, h.clock.Now().Add(-30*time.Second))
		_, err = h.s.VerifySecondFactor(h.ctx, p2, prev, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		// The next step's code works, with the same pending login.
		h.clock.Advance(30 * time.Second)
		if _, err := h.s.VerifySecondFactor(h.ctx, p2, h.code(a.Secret), ipHome, browser); err != nil {
			t.Fatal(err)
		}
		h.wantActions(a.Email, "staff.login", "staff.login_failed", "staff.login_failed", "staff.login")
		h.verifyChain()
	})
}

func TestTOTPSkew(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Shipping)
		h.clock.Advance(5 * time.Minute)
		for _, tt := range []struct {
			offset time.Duration
			ok     bool
		}{{-90 * time.Second, false}, {-30 * time.Second, true}, {30 * time.Second, true}, {120 * time.Second, false}} {
			p, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.s.VerifySecondFactor(h.ctx, p, h.codeAt(a.Secret, h.clock.Now().Add(tt.offset)), ipHome, browser)
			if (err == nil) != tt.ok {
				t.Fatalf("code from %v: err=%v, want ok=%v", tt.offset, err, tt.ok)
			}
		}
	})
}

func TestRecoveryCodeIsUsedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Support)
		// Typed the way people do: upper case, spaces instead of hyphens.
		typed := strings.ToUpper(strings.ReplaceAll(a.Recovery[3], "-", " "))
		p, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.s.VerifySecondFactor(h.ctx, p, typed, ipHome, browser); err != nil {
			t.Fatal(err)
		}
		p, err = h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.s.VerifySecondFactor(h.ctx, p, a.Recovery[3], ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		if _, err := h.s.VerifySecondFactor(h.ctx, p, a.Recovery[4], ipHome, browser); err != nil {
			t.Fatalf("another recovery code: %v", err)
		}
		es := h.actions(a.Email)
		if es[len(es)-1] != "staff.login" {
			t.Fatalf("actions %v", es)
		}
		h.verifyChain()
	})
}

func TestLockOutGrowsAndMails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		failFive := func() {
			t.Helper()
			for i := 1; i <= 5; i++ {
				_, err := h.s.Authenticate(h.ctx, a.Email, "wrong password!", ipHome)
				if i < 5 {
					wantCode(t, err, shop.Unauthorized)
				} else {
					wantCode(t, err, shop.TooMany)
				}
			}
		}
		failFive()
		if n := h.mailCount(a.Email, "staff_account_locked"); n != 1 {
			t.Fatalf("%d lock mails, want 1", n)
		}
		// Locked: even the right password is refused, unchecked.
		_, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		wantCode(t, err, shop.TooMany)
		h.clock.Advance(time.Minute)
		h.login(a, ipHome) // success resets the delay…

		failFive() // …so the next lock is a minute again
		h.clock.Advance(time.Minute)
		if _, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome); err != nil {
			t.Fatalf("after the first lock: %v", err)
		}
		failFive() // the second lock without a success between: 5 minutes
		h.clock.Advance(4 * time.Minute)
		_, err = h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		wantCode(t, err, shop.TooMany)
		h.clock.Advance(time.Minute)
		p, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		if err != nil {
			t.Fatalf("after the second lock: %v", err)
		}
		// Wrong codes count as well; the third lock lasts 15 minutes.
		for i := 1; i <= 5; i++ {
			_, err = h.s.VerifySecondFactor(h.ctx, p, "000000", ipHome, browser)
		}
		wantCode(t, err, shop.TooMany)
		h.clock.Advance(14 * time.Minute)
		_, err = h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		wantCode(t, err, shop.TooMany)
		if n := h.mailCount(a.Email, "staff_account_locked"); n != 4 {
			t.Fatalf("%d lock mails, want 4", n)
		}
		var body string
		if err := d.QueryRowContext(h.ctx, `SELECT body FROM mail_messages WHERE kind = 'staff_account_locked'
			ORDER BY id DESC LIMIT 1`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"様", "ロック", "locked", ipHome} {
			if !strings.Contains(body, want) {
				t.Fatalf("lock mail lacks %q:\n%s", want, body)
			}
		}
		h.wantActions(a.Email, "staff.login_failed", "staff.locked", "staff.login_refused", "staff.login")
		h.verifyChain()
	})
}

func TestUnknownAddressLocksAlike(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		var known, unknown []string
		for i := 0; i < 6; i++ {
			_, err := h.s.Authenticate(h.ctx, a.Email, "wrong password!", ipHome)
			known = append(known, shop.ErrorMessage(err))
			_, err = h.s.Authenticate(h.ctx, "nobody@example.jp", "wrong password!", ipHome)
			unknown = append(unknown, shop.ErrorMessage(err))
		}
		if strings.Join(known, "|") != strings.Join(unknown, "|") {
			t.Fatalf("known %q\nunknown %q\nmust read the same", known, unknown)
		}
		if n := h.mailCount("nobody@example.jp", "staff_account_locked"); n != 0 {
			t.Fatalf("%d lock mails to an unknown address", n)
		}
		h.wantActions("nobody@example.jp", "staff.login_failed", "staff.locked", "staff.login_refused")
	})
}

func TestIPThrottle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		// Spraying one password over many addresses from one IP address.
		for i := 0; i < 20; i++ {
			_, err := h.s.Authenticate(h.ctx, "user"+string(rune('a'+i))+"@example.jp", "Password123!", "198.51.100.7")
			wantCode(t, err, shop.Unauthorized)
		}
		_, err := h.s.Authenticate(h.ctx, a.Email, password, "198.51.100.7")
		wantCode(t, err, shop.TooMany)
		if _, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome); err != nil {
			t.Fatalf("from another address: %v", err)
		}
	})
}

func TestNewIPNotice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		h.login(a, ipHome)
		h.login(a, ipHome)
		if n := h.mailCount(a.Email, "staff_new_ip_login"); n != 1 {
			t.Fatalf("%d notices after two logins from one address, want 1", n)
		}
		h.login(a, "203.0.113.5")
		if n := h.mailCount(a.Email, "staff_new_ip_login"); n != 2 {
			t.Fatalf("%d notices after a new address, want 2", n)
		}
		var body string
		if err := d.QueryRowContext(h.ctx, `SELECT body FROM mail_messages WHERE kind = 'staff_new_ip_login'
			ORDER BY id DESC LIMIT 1`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, "203.0.113.5") || !strings.Contains(body, "様") || !strings.Contains(body, "Firefox") {
			t.Fatalf("notice:\n%s", body)
		}
	})
}

func TestPendingLoginIsBoundToIPAndExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		h.clock.Advance(30 * time.Second)
		p, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.s.VerifySecondFactor(h.ctx, p, h.code(a.Secret), "203.0.113.5", browser)
		wantCode(t, err, shop.Unauthorized)
		_, err = h.s.VerifySecondFactor(h.ctx, p, h.code(a.Secret), ipHome, browser)
		wantCode(t, err, shop.Unauthorized) // ended by the attempt from elsewhere

		p, err = h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(5 * time.Minute)
		_, err = h.s.VerifySecondFactor(h.ctx, p, h.code(a.Secret), ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
	})
}

// TestLoginSprayingThrottledPerAddress: one password against 25 staff
// addresses from one client address. No per-account lock sees it (one
// failure each); the per-address throttle stops it after 20.
func TestLoginSprayingThrottledPerAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		var unauthorized, tooMany int
		for i := range 25 {
			_, err := h.s.Authenticate(h.ctx, fmt.Sprintf("staff%02d@kaede.example", i), "Spring2026!", "203.0.113.9")
			switch shop.ErrorCode(err) {
			case shop.Unauthorized:
				unauthorized++
			case shop.TooMany:
				tooMany++
			default:
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		t.Logf("staff spraying from one address: %d × 401, then %d × 429", unauthorized, tooMany)
		if unauthorized != 20 || tooMany != 5 {
			t.Fatalf("%d unauthorized, %d too many; want 20 then 5", unauthorized, tooMany)
		}
	})
}
