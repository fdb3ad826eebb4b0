package inquiry_test

import (
	"strings"
	"testing"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/inquiry"
	"kaede/internal/member"
	"kaede/internal/shop"
)

// A bad form names every bad field and creates nothing.
func TestSubmitValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		for _, c := range []struct {
			name   string
			change func(*inquiry.Submission)
			want   map[string]string
		}{
			{"empty", func(s *inquiry.Submission) { *s = inquiry.Submission{} },
				map[string]string{"name": shop.ReasonRequired, "email": shop.ReasonRequired,
					"topic": shop.ReasonRequired, "message": shop.ReasonRequired}},
			{"bad values", func(s *inquiry.Submission) {
				s.Email, s.Phone, s.Topic, s.OrderNumber = "hanako@", "12345", "complaint", "注文"
			}, map[string]string{"email": shop.ReasonFormat, "phone": shop.ReasonFormat,
				"topic": shop.ReasonChoice, "order_number": shop.ReasonFormat}},
			{"too long", func(s *inquiry.Submission) {
				s.Name, s.Subject, s.Message = strings.Repeat("名", 61), strings.Repeat("件", 101), strings.Repeat("あ", 4001)
			}, map[string]string{"name": shop.ReasonLength, "subject": shop.ReasonLength, "message": shop.ReasonLength}},
			{"a link as the name", func(s *inquiry.Submission) { s.Name = "https://spam.example/ 様" },
				map[string]string{"name": shop.ReasonFormat}},
			{"control characters", func(s *inquiry.Submission) { s.Message, s.Subject = "a\x00b", "x\ny" },
				map[string]string{"message": shop.ReasonFormat, "subject": shop.ReasonFormat}},
			{"incident without one", func(s *inquiry.Submission) { s.Topic = "incident" },
				map[string]string{"incident": shop.ReasonRequired}},
			{"a card number as the order number", func(s *inquiry.Submission) { s.OrderNumber = "4111111111111111" },
				map[string]string{"order_number": shop.ReasonFormat}},
		} {
			in := form("hanako@example.jp")
			c.change(&in)
			_, err := e.desk.Submit(ctx, in)
			got := shop.ErrorFields(err)
			if shop.ErrorCode(err) != shop.Invalid || len(got) != len(c.want) {
				t.Errorf("%s: err=%v, want fields %v", c.name, err, c.want)
				continue
			}
			for f, reason := range c.want {
				if got[f] != reason {
					t.Errorf("%s: %s=%q, want %q", c.name, f, got[f], reason)
				}
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM inquiry_tickets`); n != 0 {
			t.Fatalf("%d tickets from bad forms", n)
		}
	})
}

// A good form makes a ticket due after the desk's hours, linked to the
// member with its e-mail address, with card numbers masked, and one
// acknowledgement e-mail in 敬語 that repeats neither the subject nor the
// message.
func TestSubmit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		m, err := e.members.Register(ctx, member.RegisterInput{Email: "hanako@example.jp", Password: "correct horse battery",
			Name: "山田 花子", NameKana: "ヤマダ ハナコ"})
		if err != nil {
			t.Fatal(err)
		}
		in := form("Hanako@Example.JP")
		in.Message = "カード 4111 1111 1111 1111 が不正利用されました。\r\n有効期限 12/27"
		r := e.submit(in)
		if r.Duplicate || !r.Acknowledged || r.Number != "Q-000001" {
			t.Fatalf("receipt %+v", r)
		}
		tk := e.get(r.Number)
		if tk.Email != "hanako@example.jp" || tk.MemberID != m.ID || tk.State != inquiry.StateNew || tk.OrderNumber != "K20261120-0003" {
			t.Fatalf("ticket %+v", tk)
		}
		if want := "カード **** **** **** 1111 が不正利用されました。\n有効期限 12/27"; tk.Body != want {
			t.Fatalf("stored body %q, want %q", tk.Body, want)
		}
		if want := jst(t, "2026-11-26 11:00"); !tk.DueAt.Equal(want) || !r.DueAt.Equal(want) {
			t.Fatalf("due %s, receipt %s; want %s", tk.DueAt, r.DueAt, want)
		}
		if !tk.AckedAt.Equal(t0) || tk.Overdue(t0.Add(23*time.Hour)) || !tk.Overdue(t0.Add(24*time.Hour)) {
			t.Fatalf("acked %s, overdue wrong around %s", tk.AckedAt, tk.DueAt)
		}
		if n := e.count(`SELECT COUNT(*) FROM inquiry_tickets WHERE client_ip = '203.0.113.7'`); n != 1 {
			t.Fatalf("client address kept on %d tickets", n)
		}
		acks := e.mails("inquiry_ack")
		if len(acks) != 1 || acks[0].To != "hanako@example.jp" {
			t.Fatalf("acknowledgements %+v", acks)
		}
		wantPoliteMail(t, acks[0], "Q-000001")
		for _, want := range []string{"山田 花子 様", "ご注文について", "K20261120-0003", "2026年11月26日（木）11:00", "03-0000-0000"} {
			if !strings.Contains(acks[0].Body, want) {
				t.Errorf("acknowledgement has no %q:\n%s", want, acks[0].Body)
			}
		}
		for _, echo := range []string{"届いた商品", "不正利用", "1111"} {
			if strings.Contains(acks[0].Subject+acks[0].Body, echo) {
				t.Errorf("acknowledgement repeats %q", echo)
			}
		}

		// An English page gets an English e-mail; a guest stays unlinked.
		en := form("guest@example.com")
		en.Locale, en.Topic, en.Subject = "en", "product", ""
		r = e.submit(en)
		tk = e.get(r.Number)
		if tk.MemberID != 0 || tk.Locale != "en" || tk.Subject != "" {
			t.Fatalf("english ticket %+v", tk)
		}
		if ack := e.mails("inquiry_ack")[1]; !strings.HasPrefix(ack.Subject, "[") || !strings.Contains(ack.Subject, r.Number) ||
			!strings.Contains(ack.Body, "Dear 山田 花子") {
			t.Fatalf("english acknowledgement %q\n%s", ack.Subject, ack.Body)
		}

		// A logged-in member is linked whatever address they type.
		in = form("other@example.jp")
		in.MemberID = m.ID
		if tk = e.get(e.submit(in).Number); tk.MemberID != m.ID {
			t.Fatalf("logged-in member not linked: %+v", tk)
		}
		// An incident's ticket keeps its id; another topic drops it.
		in = form("c@example.jp")
		in.Topic, in.IncidentID = "incident", 7
		if tk = e.get(e.submit(in).Number); tk.IncidentID != 7 || tk.Topic != inquiry.TopicIncident {
			t.Fatalf("incident ticket %+v", tk)
		}
		in = form("d@example.jp")
		in.IncidentID = 7
		if tk = e.get(e.submit(in).Number); tk.IncidentID != 0 {
			t.Fatalf("incident kept with topic %s", tk.Topic)
		}
	})
}

// The same form sent twice (a double click, a reload) gives the first
// ticket back: one ticket, one e-mail. The same words later, or other
// words at once, are new tickets.
func TestSubmitDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		first := e.submit(form("hanako@example.jp"))
		e.clock.Advance(time.Minute)
		again := e.submit(form("hanako@example.jp"))
		if !again.Duplicate || again.Number != first.Number || !again.Acknowledged || !again.DueAt.Equal(first.DueAt) {
			t.Fatalf("second send %+v, first %+v", again, first)
		}
		other := form("hanako@example.jp")
		other.Message = "もう一件あります。"
		if r := e.submit(other); r.Duplicate {
			t.Fatal("another message counted as a duplicate")
		}
		e.clock.Advance(10 * time.Minute)
		if r := e.submit(form("hanako@example.jp")); r.Duplicate {
			t.Fatal("the same message eleven minutes later counted as a duplicate")
		}
		if n := e.count(`SELECT COUNT(*) FROM inquiry_tickets`); n != 3 {
			t.Fatalf("%d tickets, want 3", n)
		}
		if n := len(e.mails("inquiry_ack")); n != 3 {
			t.Fatalf("%d acknowledgements, want 3", n)
		}
	})
}

// One client address and one e-mail address may send only so many forms;
// the others are not held back by them. Past the shop-wide cap a ticket is
// still made, with no e-mail.
func TestSubmitLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		limits := inquiry.DefaultLimits()
		limits.Acks = []inquiry.Window{{Max: 4, Per: time.Hour}}
		e := newEnv(t, d, limits)
		send := func(addr, email, msg string) error {
			in := form(email)
			in.ClientAddr, in.Message = addr, msg
			_, err := e.desk.Submit(ctx, in)
			return err
		}
		// Five from one address an hour, each to a new e-mail address.
		for i := range 5 {
			if err := send("198.51.100.1", "a"+string(rune('0'+i))+"@example.jp", "質問"); err != nil {
				t.Fatalf("form %d from the address: %v", i+1, err)
			}
		}
		if err := send("198.51.100.1", "z@example.jp", "質問"); shop.ErrorCode(err) != shop.TooMany {
			t.Fatalf("sixth form from the address: err=%v, want too many", err)
		}
		// Three from one e-mail address an hour, from new addresses.
		for i := range 3 {
			if err := send("198.51.100."+string(rune('2'+i)), "same@example.jp", "質問"+string(rune('0'+i))); err != nil {
				t.Fatalf("form %d from the e-mail address: %v", i+1, err)
			}
		}
		if err := send("198.51.100.9", "SAME@example.jp", "もう一度"); shop.ErrorCode(err) != shop.TooMany {
			t.Fatalf("fourth form from the e-mail address: err=%v, want too many", err)
		}
		// 8 tickets, 4 acknowledged: the cap held back the rest.
		if n := e.count(`SELECT COUNT(*) FROM inquiry_tickets`); n != 8 {
			t.Fatalf("%d tickets, want 8", n)
		}
		if n := len(e.mails("inquiry_ack")); n != 4 {
			t.Fatalf("%d acknowledgements, want the cap of 4", n)
		}
		r := e.submit(form("late@example.jp"))
		if r.Acknowledged || e.get(r.Number).AckedAt != (time.Time{}) {
			t.Fatalf("ticket past the cap acknowledged: %+v", r)
		}
		// An hour later the windows have passed.
		e.clock.Advance(time.Hour)
		if err := send("198.51.100.1", "z@example.jp", "質問"); err != nil {
			t.Fatalf("an hour later: %v", err)
		}
		if n := len(e.mails("inquiry_ack")); n != 5 {
			t.Fatalf("%d acknowledgements an hour later, want 5", n)
		}
	})
}

// The shop's own closing day moves the reply deadline, and the desk keeps
// the new-year break though the shop's calendar does not list it.
func TestSubmitShopClosingDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		if err := calendar.NewClosings(d, e.clock.Now).Close(ctx, "2026-11-26", "棚卸し", support); err != nil {
			t.Fatal(err)
		}
		r := e.submit(form("hanako@example.jp"))
		if want := jst(t, "2026-11-27 11:00"); !r.DueAt.Equal(want) {
			t.Fatalf("due %s, want %s (past the closing day)", r.DueAt.In(want.Location()), want)
		}
		cal, err := inquiry.DeskCalendar(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, day := range []string{"2026-12-30 12:00", "2027-01-04 12:00"} {
			open, err := cal.IsBusinessDay(jst(t, day))
			if err != nil {
				t.Fatal(err)
			}
			if want := day[:10] == "2027-01-04"; open != want {
				t.Errorf("desk open on %s: %v, want %v", day, open, want)
			}
		}
	})
}
