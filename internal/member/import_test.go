package member_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/password"
	"kaede/internal/shop"
)

// Imported accounts log in with their password, keep their address book
// and licence, and are checked as registration checks them.
func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clock := newService(t, d)
		ctx := context.Background()
		hash, err := password.Hash("correct horse battery", fastHash)
		if err != nil {
			t.Fatal(err)
		}
		since := clock.Now().AddDate(-1, 0, 0)
		home := shop.Address{Name: "鈴木 花子", NameKana: "スズキ ハナコ", PostalCode: "5300001", Prefecture: 27, City: "大阪市北区",
			Line1: "梅田1-2-3", Phone: "090-1111-2222"}
		clinic := home
		clinic.Line2 = "鈴木鍼灸院"
		ms := []member.Imported{
			{Email: " Hanako@Example.JP ", PasswordHash: hash, Name: "鈴木 花子", NameKana: "すずき はなこ", Locale: "ja",
				VerifiedAt: since, CreatedAt: since, Addresses: []shop.Address{home, clinic},
				Licence: &member.ImportedLicence{Type: "hari", Number: "第123456号", Status: member.LicenceApproved,
					SubmittedAt: since, ReviewedAt: since.Add(time.Hour), Reviewer: "staff@kaede.example"}},
			{Email: "guest-turned-member@example.jp", PasswordHash: hash, Name: "田中 一郎", NameKana: "タナカ イチロウ", CreatedAt: since},
		}
		var ids map[string]int64
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			ids, err = s.Import(ctx, tx, ms)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Authenticate(ctx, "hanako@example.jp", "correct horse battery", "")
		if err != nil || m.ID != ids["hanako@example.jp"] || m.Practitioner != member.PractitionerApproved || !m.Verified() {
			t.Fatalf("imported member logs in as %+v, err %v (ids %v)", m, err, ids)
		}
		book, err := s.ListAddresses(ctx, m.ID)
		if err != nil || len(book) != 2 || !book[0].Default || book[0].PostalCode != "530-0001" || book[1].Line2 != "鈴木鍼灸院" {
			t.Fatalf("address book %+v, err %v", book, err)
		}
		if ls, err := s.LicencesFor(ctx, m.ID); err != nil || len(ls) != 1 || ls[0].Number != "123456" {
			t.Fatalf("licences %+v, err %v", ls, err)
		}
		if o, err := s.ByEmail(ctx, "guest-turned-member@example.jp"); err != nil || o.Verified() || o.Practitioner != member.PractitionerNone {
			t.Fatalf("second member %+v, err %v", o, err)
		}

		// Registered already, a bad hash, a bad reading: each named.
		bad := []member.Imported{
			{Email: "hanako@example.jp", PasswordHash: hash, Name: "x", NameKana: "エックス", CreatedAt: since},
			{Email: "new@example.jp", PasswordHash: "plain", Name: "x", NameKana: "x", CreatedAt: since},
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error { _, err := s.Import(ctx, tx, bad); return err })
		fields := shop.ErrorFields(err)
		if shop.ErrorCode(err) != shop.Invalid || fields["members.1.password_hash"] == "" || fields["members.1.name_kana"] == "" {
			t.Fatalf("bad accounts: err=%v, fields %v", err, fields)
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error { _, err := s.Import(ctx, tx, bad[:1]); return err })
		if shop.ErrorCode(err) != shop.Invalid || shop.ErrorFields(err)["members.email"] != shop.ReasonTaken {
			t.Fatalf("an address already registered: err=%v", err)
		}
	})
}
