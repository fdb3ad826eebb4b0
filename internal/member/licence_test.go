package member_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/shop"
)

func TestSubmitLicenceValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")
		tests := []struct {
			typ, number   string
			field, reason string
		}{
			{"", "123456", "licence_type", shop.ReasonRequired},
			{"dentist", "123456", "licence_type", shop.ReasonChoice},
			{"hari", " ", "licence_number", shop.ReasonRequired},
			{"hari", "百二十三", "licence_number", shop.ReasonFormat},
			{"hari", "12 34", "licence_number", shop.ReasonFormat},
			{"hari", strings.Repeat("1", 21), "licence_number", shop.ReasonFormat},
		}
		for _, tt := range tests {
			_, err := s.SubmitLicence(ctx, m.ID, tt.typ, tt.number)
			wantField(t, err, tt.field, tt.reason)
		}
		_, err := s.SubmitLicence(ctx, m.ID+100, "hari", "123456")
		wantCode(t, err, shop.NotFound)
		got, _ := s.Get(ctx, m.ID)
		if got.Practitioner != member.PractitionerNone {
			t.Fatalf("practitioner=%q after invalid submissions, want none", got.Practitioner)
		}
	})
}

func TestLicenceApproval(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		if m.Viewer() != (shop.Viewer{MemberID: m.ID}) {
			t.Fatalf("new member's viewer %+v", m.Viewer())
		}
		l, err := s.SubmitLicence(ctx, m.ID, "hari", "第１２３４５６号")
		if err != nil {
			t.Fatal(err)
		}
		if l.Number != "123456" || l.Status != member.LicencePending || l.MemberEmail != m.Email || !l.SubmittedAt.Equal(clock.Now()) {
			t.Fatalf("submitted %+v", l)
		}
		got, _ := s.Get(ctx, m.ID)
		if got.Practitioner != member.PractitionerPending || got.Viewer().Practitioner {
			t.Fatalf("after submitting: practitioner=%q viewer=%+v", got.Practitioner, got.Viewer())
		}
		pending, err := s.PendingLicences(ctx)
		if err != nil || len(pending) != 1 || pending[0].ID != l.ID {
			t.Fatalf("pending=%+v, %v; want licence %d", pending, err, l.ID)
		}

		wantField(t, s.ReviewLicence(ctx, l.ID, true, " ", ""), "reviewer", shop.ReasonRequired)
		wantCode(t, s.ReviewLicence(ctx, l.ID+100, true, "佐藤", ""), shop.NotFound)
		if err := s.ReviewLicence(ctx, l.ID, true, "佐藤", "ご提出ありがとうございました。"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.ReviewLicence(ctx, l.ID, false, "佐藤", ""), shop.Conflict)

		got, _ = s.Get(ctx, m.ID)
		if want := (shop.Viewer{MemberID: m.ID, Practitioner: true}); got.Viewer() != want {
			t.Fatalf("viewer after approval %+v, want %+v", got.Viewer(), want)
		}
		ls, err := s.LicencesFor(ctx, m.ID)
		if err != nil || len(ls) != 1 {
			t.Fatalf("licences=%+v, %v", ls, err)
		}
		if ls[0].Status != member.LicenceApproved || ls[0].Reviewer != "佐藤" || !ls[0].ReviewedAt.Equal(clock.Now()) {
			t.Fatalf("reviewed licence %+v", ls[0])
		}
		msg := lastMail(t, d, m.Email, "licence_approved")
		if !strings.Contains(msg.Body, "はり師") || !strings.Contains(msg.Body, "123456") || !strings.Contains(msg.Body, "ご提出ありがとうございました。") {
			t.Fatalf("approval mail:\n%s", msg.Body)
		}
		if pending, _ := s.PendingLicences(ctx); len(pending) != 0 {
			t.Fatalf("%d pending after review, want 0", len(pending))
		}

		// A further licence awaiting review keeps the approval.
		if _, err := s.SubmitLicence(ctx, m.ID, "kyu", "A-7890"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, m.ID); !got.Viewer().Practitioner {
			t.Fatal("a second submission took the approval away")
		}
	})
}

func TestLicenceRejection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		in := validInput("mary@example.com")
		in.Name, in.Locale = "Mary Smith", "en"
		m, err := s.Register(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.SubmitLicence(ctx, m.ID, "doctor", "98765")
		if err != nil {
			t.Fatal(err)
		}
		note := "The number does not match\nthe name on the register."
		if err := s.ReviewLicence(ctx, l.ID, false, "Sato", note); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(ctx, m.ID)
		if got.Practitioner != member.PractitionerRejected || got.Viewer().Practitioner {
			t.Fatalf("after rejection: practitioner=%q viewer=%+v", got.Practitioner, got.Viewer())
		}
		msg := lastMail(t, d, m.Email, "licence_rejected")
		if !strings.Contains(msg.Body, "Physician") || !strings.Contains(msg.Body, note) {
			t.Fatalf("rejection mail:\n%s", msg.Body)
		}
		// Resubmitting puts the member back in the queue.
		if _, err := s.SubmitLicence(ctx, m.ID, "doctor", "98766"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, m.ID); got.Practitioner != member.PractitionerPending {
			t.Fatalf("after resubmitting: practitioner=%q, want pending", got.Practitioner)
		}
	})
}

func TestApproveLicenceByEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newService(t, d)
		m := register(t, s, "taro@example.jp")
		wantCode(t, s.ApproveLicenceByEmail(ctx, m.Email, "operator"), shop.Invalid)
		wantCode(t, s.ApproveLicenceByEmail(ctx, "nobody@example.jp", "operator"), shop.NotFound)

		older, err := s.SubmitLicence(ctx, m.ID, "anma", "111")
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		newer, err := s.SubmitLicence(ctx, m.ID, "judo", "222")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ApproveLicenceByEmail(ctx, "TARO@example.jp", "operator"); err != nil {
			t.Fatal(err)
		}
		ls, err := s.LicencesFor(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		status := map[int64]string{}
		for _, l := range ls {
			status[l.ID] = l.Status
		}
		if status[newer.ID] != member.LicenceApproved || status[older.ID] != member.LicencePending {
			t.Fatalf("statuses %v: want the latest approved, the older pending", status)
		}
		if got, _ := s.Get(ctx, m.ID); !got.Viewer().Practitioner {
			t.Fatal("not a practitioner after approval by e-mail")
		}
	})
}
