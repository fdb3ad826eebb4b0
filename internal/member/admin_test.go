package member_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/shop"
)

var staff = audit.Actor{Name: "hanako@kaede.example", IP: "192.0.2.10"}

func TestSearchMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		taro := register(t, s, "Taro.Yamada@example.jp") // 山田 太郎, 090-1234-5678
		clock.Advance(time.Minute)
		in := validInput("sato@example.com")
		in.Name, in.NameKana, in.Phone = "佐藤 花子", "サトウ ハナコ", "03-9876-5432"
		sato, err := s.Register(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		in = validInput("jiro@example.com")
		in.Name, in.NameKana, in.Phone = "山田 次郎", "ヤマダ ジロウ", ""
		jiro, err := s.Register(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SubmitLicence(ctx, sato.ID, "hari", "123456"); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name string
			q    member.MemberQuery
			want []int64 // newest first
		}{
			{"all", member.MemberQuery{}, []int64{jiro.ID, sato.ID, taro.ID}},
			{"e-mail in another case", member.MemberQuery{Q: "TARO.YAMADA"}, []int64{taro.ID}},
			{"family name", member.MemberQuery{Q: "山田"}, []int64{jiro.ID, taro.ID}},
			{"name without the space", member.MemberQuery{Q: "佐藤花子"}, []int64{sato.ID}},
			{"kana in hiragana", member.MemberQuery{Q: "やまだ じろう"}, []int64{jiro.ID}},
			{"phone without hyphens", member.MemberQuery{Q: "0398765432"}, []int64{sato.ID}},
			{"full-width phone digits", member.MemberQuery{Q: "１２３４－５６７８"}, []int64{taro.ID}},
			{"practitioner", member.MemberQuery{Practitioner: member.PractitionerPending}, []int64{sato.ID}},
			{"text and practitioner", member.MemberQuery{Q: "山田", Practitioner: member.PractitionerNone}, []int64{jiro.ID, taro.ID}},
			{"nobody", member.MemberQuery{Q: "鈴木"}, nil},
			{"wildcard is literal", member.MemberQuery{Q: "_"}, nil},
			{"page", member.MemberQuery{Limit: 1, Offset: 1}, []int64{sato.ID}},
		}
		for _, tt := range tests {
			got, total, err := s.SearchMembers(ctx, tt.q)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var ids []int64
			for _, m := range got {
				ids = append(ids, m.ID)
			}
			wantTotal := len(tt.want)
			if tt.name == "page" {
				wantTotal = 3
			}
			if len(ids) != len(tt.want) || total != wantTotal {
				t.Errorf("%s: got %v (total %d), want %v (total %d)", tt.name, ids, total, tt.want, wantTotal)
				continue
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
				}
			}
		}
		got, _, _ := s.SearchMembers(ctx, member.MemberQuery{Q: "sato@"})
		if len(got) != 1 || got[0].Name != "佐藤 花子" || got[0].Practitioner != member.PractitionerPending || got[0].Email != "sato@example.com" {
			t.Fatalf("found member %+v", got)
		}

		bad := []struct {
			q             member.MemberQuery
			field, reason string
		}{
			{member.MemberQuery{Practitioner: "doctor"}, "practitioner", shop.ReasonChoice},
			{member.MemberQuery{Limit: member.MaxMemberLimit + 1}, "limit", shop.ReasonRange},
			{member.MemberQuery{Offset: -1}, "offset", shop.ReasonRange},
			{member.MemberQuery{Q: strings.Repeat("a", 101)}, "q", shop.ReasonLength},
		}
		for _, tt := range bad {
			_, _, err := s.SearchMembers(ctx, tt.q)
			wantField(t, err, tt.field, tt.reason)
		}
	})
}

func TestMemberDetail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")
		if _, err := s.AddAddress(ctx, m.ID, shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001",
			Prefecture: 13, City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SubmitLicence(ctx, m.ID, "hari", "123456"); err != nil {
			t.Fatal(err)
		}
		got, err := s.MemberDetail(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Member.ID != m.ID || len(got.Addresses) != 1 || len(got.Licences) != 1 || got.Orders != 0 || !got.LastOrderAt.IsZero() {
			t.Fatalf("detail %+v", got)
		}
		// Orders written as checkout writes them, in plain SQL, so that
		// this test depends on the schema only.
		times := []time.Time{time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 3, 5, 0, 0, 0, time.UTC)}
		for i, at := range times {
			_, err := d.ExecContext(ctx, `INSERT INTO orders (number, member_id, email, status, payment_method,
					subtotal, shipping_fee, cod_fee, total, tax_basis, tax_rounding, invoice_number,
					ship_name, ship_name_kana, ship_postal_code, ship_prefecture, ship_city, ship_line1, ship_phone,
					access_token_hash, created_at, updated_at)
				VALUES ($1, $2, $3, 'placed', 'cod', 1000, 0, 0, 1000, 'included', 'floor', 'T1234567890123',
					'山田 太郎', 'ヤマダ タロウ', '100-0001', 13, '千代田区', '千代田1-1', '03-1234-5678', 'x', $4, $4)`,
				fmt.Sprintf("K2026040%d-0001", 2+i), m.ID, m.Email, at)
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err = s.MemberDetail(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Orders != 2 || !got.LastOrderAt.Equal(times[1]) {
			t.Fatalf("orders=%d last=%v, want 2 and %v", got.Orders, got.LastOrderAt, times[1])
		}
		_, err = s.MemberDetail(ctx, m.ID+100)
		wantCode(t, err, shop.NotFound)
	})
}

func TestReviewLicenceBy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		l, err := s.SubmitLicence(ctx, m.ID, "anma", "98765")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ReviewLicenceBy(ctx, l.ID, true, "確認いたしました。", staff)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != member.LicenceApproved || got.Reviewer != staff.Name || !got.ReviewedAt.Equal(clock.Now()) {
			t.Fatalf("reviewed %+v", got)
		}
		if mm, _ := s.Get(ctx, m.ID); mm.Practitioner != member.PractitionerApproved {
			t.Fatalf("practitioner %q after approval", mm.Practitioner)
		}
		lastMail(t, d, m.Email, "licence_approved")

		_, err = s.ReviewLicenceBy(ctx, l.ID, false, "", staff)
		wantCode(t, err, shop.Conflict)
		_, err = s.ReviewLicenceBy(ctx, l.ID+100, true, "", staff)
		wantCode(t, err, shop.NotFound)
		l2, _ := s.SubmitLicence(ctx, m.ID, "kyu", "1111")
		_, err = s.ReviewLicenceBy(ctx, l2.ID, true, "", audit.Actor{})
		wantField(t, err, "reviewer", shop.ReasonRequired)

		entries, err := audit.List(ctx, d, audit.Filter{Action: "licence.review"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d licence.review entries, want 1 (refused reviews leave none)", len(entries))
		}
		e := entries[0]
		var before, after struct {
			Status, Practitioner, Number string
		}
		if err := json.Unmarshal([]byte(e.Before), &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(e.After), &after); err != nil {
			t.Fatal(err)
		}
		if e.Actor != staff.Name || e.IP != staff.IP || e.Target != "licence:"+strconv.FormatInt(l.ID, 10) ||
			before.Status != "pending" || before.Practitioner != "pending" ||
			after.Status != "approved" || after.Practitioner != "approved" || after.Number != "98765" {
			t.Fatalf("entry %+v before %+v after %+v", e, before, after)
		}
		if n, err := audit.Verify(ctx, d); err != nil || n != 1 {
			t.Fatalf("audit.Verify = %d, %v", n, err)
		}
	})
}
