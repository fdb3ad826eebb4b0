package member_test

import (
	"context"
	"strings"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/shop"
)

// TestCloseErasesTheAccount: 退会 needs the password; afterwards nothing in
// the member's rows names them, they cannot log in, their sessions are
// gone, the address can register again, and the audit log (which is never
// rewritten) holds no personal data of theirs.
func TestCloseErasesTheAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clock := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "close@example.jp")
		if _, err := s.AddAddress(ctx, m.ID, shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001",
			Prefecture: 13, City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SubmitLicence(ctx, m.ID, "hari", "第123456号"); err != nil {
			t.Fatal(err)
		}
		if _, err := member.NewSessions(d, clock.Now).LogIn(ctx, "", "session-of-the-member", m.ID, ""); err != nil {
			t.Fatal(err)
		}

		if err := s.Close(ctx, m.ID, "wrong password here", "192.0.2.1"); shop.ErrorFields(err)["password"] != shop.ReasonMismatch {
			t.Fatalf("wrong password: %v", err)
		}
		if err := s.Close(ctx, m.ID, validInput("").Password, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		var email, name, kana, phone, hash string
		if err := d.QueryRowContext(ctx, `SELECT email, name, name_kana, phone, password_hash FROM members WHERE id = $1`, m.ID).
			Scan(&email, &name, &kana, &phone, &hash); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(email, "close@") || name != member.ClosedName || kana != "" || phone != "" || hash != "" {
			t.Errorf("after closing: email=%q name=%q kana=%q phone=%q hash=%q", email, name, kana, phone, hash)
		}
		for _, table := range []string{"addresses", "licences", "member_tokens", "sessions"} {
			var n int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE member_id = $1`, m.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d rows of %s left", n, table)
			}
		}
		if _, err := s.Authenticate(ctx, "close@example.jp", validInput("").Password, "192.0.2.1"); err == nil {
			t.Error("a closed account still logs in")
		}
		if err := s.Close(ctx, m.ID, validInput("").Password, ""); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("closing twice: %v", err)
		}
		// The address is free again: a new account, not the "you already
		// have one" mail.
		if again := register(t, s, "close@example.jp"); again == nil || again.ID == m.ID {
			t.Errorf("registering the closed address again gave %+v", again)
		}

		entries, err := audit.List(ctx, d, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			all := e.Actor + e.Target + e.Before + e.After
			if strings.Contains(all, "close@example.jp") || strings.Contains(all, "山田") || strings.Contains(all, "千代田") {
				t.Errorf("audit entry %s keeps personal data: %s", e.Action, all)
			}
			if e.Action == "member.close" && e.Actor == member.MemberActor(m.ID) && e.IP == "192.0.2.1" {
				found = true
			}
		}
		if !found {
			t.Error("no member.close audit entry by the member")
		}
	})
}

func TestEraseNeedsAReasonAndDiscloseIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "erase@example.jp")
		staff := audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.9"}

		got, err := s.Disclose(ctx, m.ID, staff)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "erase@example.jp" || got.Name != "山田 太郎" || got.Addresses == nil || got.Licences == nil {
			t.Errorf("disclosure = %+v", got)
		}
		if err := s.Erase(ctx, m.ID, "  ", staff); shop.ErrorFields(err)["reason"] != shop.ReasonRequired {
			t.Fatalf("erase without a reason: %v", err)
		}
		if err := s.Erase(ctx, m.ID, "ご本人からの削除請求（電話 12/6）", staff); err != nil {
			t.Fatal(err)
		}
		if err := s.Erase(ctx, 999999, "x", staff); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("erasing nobody: %v", err)
		}
		entries, err := audit.List(ctx, d, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		for _, e := range entries {
			if e.Actor == staff.Name {
				actions[e.Action] = true
			}
		}
		if !actions["member.disclose"] || !actions["member.erase"] {
			t.Errorf("audited actions by staff: %v", actions)
		}
	})
}
