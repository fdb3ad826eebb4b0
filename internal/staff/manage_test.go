package staff_test

import (
	"encoding/json"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

func TestOnlyOwnersManageStaff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.enrol("owner@example.jp", staff.Owner)
		h.enrol("mgr@example.jp", staff.Manager)
		mgr := h.actor("mgr@example.jp")
		_, err := h.s.Add(h.ctx, "new@example.jp", staff.Owner, mgr)
		wantCode(t, err, shop.Forbidden)
		err = h.s.ChangeRole(h.ctx, mgr.StaffID, staff.Owner, mgr)
		wantCode(t, err, shop.Forbidden)
		err = h.s.Disable(h.ctx, mgr.StaffID, mgr)
		wantCode(t, err, shop.Forbidden)
		_, err = h.s.List(h.ctx, mgr)
		wantCode(t, err, shop.Forbidden)
		if _, err := h.s.List(h.ctx, h.actor("owner@example.jp")); err != nil {
			t.Fatal(err)
		}

		_, err = h.s.Add(h.ctx, "mgr@example.jp", staff.Support, staff.CLI)
		wantCode(t, err, shop.Invalid)
		_, err = h.s.Add(h.ctx, "not an address", staff.Support, staff.CLI)
		wantCode(t, err, shop.Invalid)
		_, err = h.s.Add(h.ctx, "x@example.jp", staff.Role("root"), staff.CLI)
		wantCode(t, err, shop.Invalid)
	})
}

func TestChangeRoleAndDisable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		o := h.enrol("owner@example.jp", staff.Owner)
		a := h.enrol("taro@example.jp", staff.Support)
		owner := h.actor(o.Email)
		id := h.actor(a.Email).StaffID
		sess := h.login(a, ipHome)

		if err := h.s.ChangeRole(h.ctx, id, staff.Shipping, owner); err != nil {
			t.Fatal(err)
		}
		_, m, err := h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		if err != nil || m.Role != staff.Shipping {
			t.Fatalf("role seen by the session=%v, %v; want shipping at once", m, err)
		}
		es, err := audit.List(h.ctx, d, audit.Filter{Action: "staff.role"})
		if err != nil || len(es) != 1 {
			t.Fatalf("role entries %v, %v", es, err)
		}
		var before, after struct{ Role string }
		if json.Unmarshal([]byte(es[0].Before), &before) != nil || json.Unmarshal([]byte(es[0].After), &after) != nil ||
			before.Role != "support" || after.Role != "shipping" || es[0].Actor != o.Email || es[0].IP != ipHome {
			t.Fatalf("role entry %+v", es[0])
		}

		if err := h.s.Disable(h.ctx, id, owner); err != nil {
			t.Fatal(err)
		}
		_, _, err = h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		_, err = h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		wantCode(t, err, shop.Unauthorized)
		if err := h.s.Enable(h.ctx, id, owner); err != nil {
			t.Fatal(err)
		}
		h.login(a, ipHome)

		// The last owner can be neither demoted nor disabled nor reset.
		oid := owner.StaffID
		wantCode(t, h.s.ChangeRole(h.ctx, oid, staff.Manager, owner), shop.Conflict)
		wantCode(t, h.s.Disable(h.ctx, oid, owner), shop.Conflict)
		_, err = h.s.ResetEnrolment(h.ctx, oid, owner)
		wantCode(t, err, shop.Conflict)
		if err := h.s.ChangeRole(h.ctx, id, staff.Owner, owner); err != nil {
			t.Fatal(err)
		}
		if err := h.s.ChangeRole(h.ctx, oid, staff.Manager, owner); err != nil {
			t.Fatalf("demote with another owner: %v", err)
		}
		h.wantActions(o.Email, "staff.role", "staff.disable", "staff.enable", "staff.role", "staff.role")
		h.verifyChain()
	})
}

func TestResetEnrolment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Support)
		id := h.actor(a.Email).StaffID
		sess := h.login(a, ipHome)
		token, err := h.s.ResetEnrolment(h.ctx, id, staff.CLI)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = h.s.Touch(h.ctx, sess.ID, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		_, err = h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		wantCode(t, err, shop.Unauthorized)
		e, err := h.s.Enrol(h.ctx, token, password)
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(30 * time.Second)
		if _, err := h.s.ConfirmTOTP(h.ctx, token, h.code(e.Secret)); err != nil {
			t.Fatal(err)
		}
		h.login(account{Email: a.Email, Secret: e.Secret}, ipHome)
		// The old recovery codes went with the old authenticator.
		p, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.s.VerifySecondFactor(h.ctx, p, a.Recovery[0], ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
	})
}

func TestUnlock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Support)
		for i := 0; i < 5; i++ {
			h.s.Authenticate(h.ctx, a.Email, "wrong password!", ipHome)
		}
		_, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome)
		wantCode(t, err, shop.TooMany)
		if err := h.s.Unlock(h.ctx, h.actor(a.Email).StaffID, staff.CLI); err != nil {
			t.Fatal(err)
		}
		if _, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome); err != nil {
			t.Fatal(err)
		}
		h.wantActions("cli", "staff.unlock")
	})
}

func TestNewNeedsAKey(t *testing.T) {
	if _, err := staff.New(nil, nil, nil, []byte("short")); err == nil {
		t.Fatal("New accepted a 5-byte key")
	}
}
