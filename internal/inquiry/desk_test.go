package inquiry_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/inquiry"
	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// addStaff creates a member of staff from the command line and returns
// their id.
func (e *env) addStaff(email string, role staff.Role) int64 {
	e.t.Helper()
	s, err := staff.New(e.d, mail.NewTestQueue(e.clock.Now), e.clock.Now, bytes.Repeat([]byte{7}, staff.KeySize))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := s.Add(ctx, email, role, staff.CLI); err != nil {
		e.t.Fatal(err)
	}
	list, err := s.List(ctx, staff.CLI)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range list {
		if m.Email == email {
			return m.ID
		}
	}
	e.t.Fatalf("no staff %s", email)
	return 0
}

// A reply is e-mailed in 敬語 with the ticket number, recorded in the
// thread and audited; a note is recorded and audited but never e-mailed.
// The ticket's state follows.
func TestReplyAndNote(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		number := e.submit(form("hanako@example.jp")).Number
		e.clock.Advance(time.Hour)

		note, err := e.desk.AddNote(ctx, number, "お電話あり。配送業者に確認中。カード番号 4111111111111111 と言われた", support)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(note.Body, "************1111") || note.Author != support.Name || note.MailID != 0 {
			t.Fatalf("note %+v", note)
		}
		if tk := e.get(number); tk.State != inquiry.StateNew || !tk.RespondedAt.IsZero() {
			t.Fatalf("a note changed the ticket: %+v", tk)
		}

		reply, err := e.desk.Reply(ctx, number, "ご注文の商品は明日お届けの予定でございます。", false, support)
		if err != nil {
			t.Fatal(err)
		}
		replies := e.mails("inquiry_reply")
		if len(replies) != 1 || replies[0].ID != reply.MailID || replies[0].To != "hanako@example.jp" {
			t.Fatalf("reply e-mails %+v, reply %+v", replies, reply)
		}
		wantPoliteMail(t, replies[0], number)
		for _, want := range []string{"山田 花子 様", "ご注文の商品は明日お届けの予定でございます。", "ご回答申し上げます"} {
			if !strings.Contains(replies[0].Body, want) {
				t.Errorf("reply has no %q:\n%s", want, replies[0].Body)
			}
		}
		if strings.Contains(replies[0].Body, "お電話あり") {
			t.Fatal("the internal note went out in the reply")
		}
		// Every e-mail about the ticket: the acknowledgement and the
		// reply; the note in none.
		for _, m := range append(e.mails("inquiry_ack"), replies...) {
			if strings.Contains(m.Body, "配送業者に確認中") {
				t.Fatalf("note e-mailed in %s", m.Kind)
			}
		}
		tk := e.get(number)
		if tk.State != inquiry.StateWaiting || !tk.RespondedAt.Equal(t0.Add(time.Hour)) || tk.Overdue(t0.Add(48*time.Hour)) {
			t.Fatalf("after the reply: %+v", tk)
		}
		thread, err := e.desk.Thread(ctx, number)
		if err != nil || len(thread) != 2 || thread[0].Kind != inquiry.Note || thread[1].Kind != inquiry.Reply {
			t.Fatalf("thread %+v, %v", thread, err)
		}

		// A reply that closes; then replying needs a reopening.
		if _, err := e.desk.Reply(ctx, number, "ほかにご不明な点がございましたらお知らせください。", true, support); err != nil {
			t.Fatal(err)
		}
		if tk := e.get(number); tk.State != inquiry.StateClosed || tk.ClosedAt.IsZero() || !tk.RespondedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("after closing: %+v", tk)
		}
		if _, err := e.desk.Reply(ctx, number, "追伸", false, support); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("reply to a closed ticket: err=%v, want conflict", err)
		}
		if _, err := e.desk.AddNote(ctx, number, "閉じた後の電話", support); err != nil {
			t.Fatalf("note on a closed ticket: %v", err)
		}
		if _, err := e.desk.Reply(ctx, number, "  ", false, support); shop.ErrorFields(err)["text"] != shop.ReasonRequired {
			t.Fatalf("empty reply: err=%v", err)
		}
		if _, err := e.desk.AddNote(ctx, "Q-999999", "x", support); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("note on no ticket: err=%v", err)
		}

		want := []string{"inquiry.note", "inquiry.reply", "inquiry.reply", "inquiry.note"}
		if got := e.actions(); !slices.Equal(got, want) {
			t.Fatalf("audit %v, want %v", got, want)
		}
		entries, err := audit.List(ctx, d, audit.Filter{Action: "inquiry.reply"})
		if err != nil {
			t.Fatal(err)
		}
		last := entries[len(entries)-1]
		if last.Actor != support.Name || last.IP != support.IP || last.Target != "inquiry:"+number ||
			!strings.Contains(last.Before, `"state":"new"`) || !strings.Contains(last.After, `"state":"waiting_customer"`) {
			t.Fatalf("audit entry %+v", last)
		}
		// The audit log keeps no words of the customer or of staff: they
		// are pruned with the ticket, the log is not.
		all, _ := audit.List(ctx, d, audit.Filter{})
		for _, en := range all {
			if strings.Contains(en.Before+en.After, "お届け") || strings.Contains(en.Before+en.After, "お電話") {
				t.Fatalf("audit entry %s holds the text: %s", en.Action, en.After)
			}
		}
	})
}

// Assigning opens a new ticket; staff move states as the rules allow,
// each audited.
func TestAssignAndMove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		id := e.addStaff("support@kaede.example", staff.Support)
		number := e.submit(form("hanako@example.jp")).Number
		if err := e.desk.Assign(ctx, number, id, support); err != nil {
			t.Fatal(err)
		}
		if tk := e.get(number); tk.AssigneeID != id || tk.State != inquiry.StateOpen {
			t.Fatalf("after assigning: %+v", tk)
		}
		if err := e.desk.Move(ctx, number, inquiry.StateNew, support); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("back to new: err=%v, want conflict", err)
		}
		if err := e.desk.Move(ctx, number, "lost", support); shop.ErrorFields(err)["state"] != shop.ReasonChoice {
			t.Fatalf("unknown state: err=%v", err)
		}
		if err := e.desk.Move(ctx, number, inquiry.StateClosed, support); err != nil {
			t.Fatal(err)
		}
		if err := e.desk.Move(ctx, number, inquiry.StateOpen, support); err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if tk := e.get(number); tk.State != inquiry.StateOpen || !tk.ClosedAt.IsZero() {
			t.Fatalf("after reopening: %+v", tk)
		}
		if err := e.desk.Assign(ctx, number, 0, support); err != nil {
			t.Fatal(err)
		}
		if err := e.desk.SetIncident(ctx, number, 3, support); err != nil {
			t.Fatal(err)
		}
		if tk := e.get(number); tk.AssigneeID != 0 || tk.IncidentID != 3 || tk.State != inquiry.StateOpen {
			t.Fatalf("after unassigning: %+v", tk)
		}
		want := []string{"staff.add", "inquiry.assign", "inquiry.state", "inquiry.state", "inquiry.assign", "inquiry.incident"}
		if got := e.actions(); !slices.Equal(got, want) {
			t.Fatalf("audit %v, want %v", got, want)
		}
	})
}

// Counts and the overdue filter, overall and per incident, as the clock
// passes the due times.
func TestCountsAndSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		staffID := e.addStaff("support@kaede.example", staff.Support)
		var numbers []string
		for i, incident := range []int64{7, 7, 7, 0, 9} {
			in := form("c" + string(rune('a'+i)) + "@example.jp")
			if incident != 0 {
				in.Topic, in.IncidentID = "incident", incident
			}
			numbers = append(numbers, e.submit(in).Number)
		}
		// Incident 7: one answered, one assigned (open), one new.
		if _, err := e.desk.Reply(ctx, numbers[0], "ご連絡ありがとうございます。", false, support); err != nil {
			t.Fatal(err)
		}
		if err := e.desk.Assign(ctx, numbers[1], staffID, support); err != nil {
			t.Fatal(err)
		}
		if err := e.desk.Move(ctx, numbers[3], inquiry.StateClosed, support); err != nil {
			t.Fatal(err)
		}
		counts := func(incident int64) inquiry.Counts {
			t.Helper()
			c, err := e.desk.Counts(ctx, incident)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := counts(7); c != (inquiry.Counts{New: 1, Open: 1, Waiting: 1}) || c.Active() != 3 {
			t.Fatalf("incident 7 before due: %+v", c)
		}
		e.clock.Advance(24 * time.Hour) // past every due time (Thursday 11:00)
		if c := counts(7); c.Overdue != 2 || c.Active() != 3 {
			t.Fatalf("incident 7 after due: %+v", c)
		}
		if c := counts(0); c != (inquiry.Counts{New: 2, Open: 1, Waiting: 1, Closed: 1, Overdue: 3}) {
			t.Fatalf("every ticket after due: %+v", c)
		}
		if c := counts(8); c != (inquiry.Counts{}) {
			t.Fatalf("an incident with no tickets: %+v", c)
		}

		search := func(q inquiry.Query) string {
			t.Helper()
			list, total, err := e.desk.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, tk := range list {
				out = append(out, tk.Number)
			}
			if total != len(list) {
				t.Fatalf("total %d for %d listed", total, len(list))
			}
			return strings.Join(out, ",")
		}
		n := func(i ...int) string {
			var out []string
			for _, x := range i {
				out = append(out, numbers[x])
			}
			return strings.Join(out, ",")
		}
		for _, c := range []struct {
			q    inquiry.Query
			want string
		}{
			{inquiry.Query{}, n(4, 3, 2, 1, 0)},
			{inquiry.Query{State: inquiry.Active}, n(4, 2, 1, 0)},
			{inquiry.Query{State: "closed"}, n(3)},
			{inquiry.Query{IncidentID: 7}, n(2, 1, 0)},
			{inquiry.Query{IncidentID: 7, Overdue: true}, n(2, 1)},
			{inquiry.Query{Overdue: true}, n(4, 2, 1)},
			{inquiry.Query{Assignee: staffID}, n(1)},
			{inquiry.Query{Assignee: inquiry.Unassigned, State: inquiry.Active}, n(4, 2, 0)},
			{inquiry.Query{Q: "CB@EXAMPLE"}, n(1)},
			{inquiry.Query{Q: numbers[2]}, n(2)},
			{inquiry.Query{Q: "k20261120"}, n(4, 3, 2, 1, 0)},
			{inquiry.Query{Limit: 2, Offset: 4}, n(0)},
		} {
			if c.q.Limit == 0 {
				if got := search(c.q); got != c.want {
					t.Errorf("search %+v: %s, want %s", c.q, got, c.want)
				}
				continue
			}
			list, total, err := e.desk.Search(ctx, c.q)
			if err != nil || total != 5 || len(list) != 1 || list[0].Number != c.want {
				t.Errorf("page %+v: %v of %d, %v", c.q, list, total, err)
			}
		}
		_, _, err := e.desk.Search(ctx, inquiry.Query{State: "lost", Limit: 500, Assignee: -2})
		fields := shop.ErrorFields(err)
		if fields["state"] != shop.ReasonChoice || fields["limit"] != shop.ReasonRange || fields["assignee"] != shop.ReasonChoice {
			t.Fatalf("bad search: %v", err)
		}
	})
}

// Canned replies: created, edited and deleted with audit entries; a title
// is unique; placeholders are filled for a ticket.
func TestCannedReplies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		id, err := e.desk.CreateCanned(ctx, inquiry.Canned{Title: "お詫び（配送遅延）",
			Body: "{name}様\r\n受付番号 {number} の件、お届けが遅れ誠に申し訳ございません。"}, support)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.desk.CreateCanned(ctx, inquiry.Canned{Title: "お詫び（配送遅延）", Body: "x"}, support); shop.ErrorFields(err)["title"] != shop.ReasonTaken {
			t.Fatalf("same title again: err=%v", err)
		}
		if _, err := e.desk.CreateCanned(ctx, inquiry.Canned{}, support); len(shop.ErrorFields(err)) != 2 {
			t.Fatalf("empty canned reply: err=%v", err)
		}
		other, err := e.desk.CreateCanned(ctx, inquiry.Canned{Title: "返金のご案内", Body: "返金いたします。"}, support)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.desk.UpdateCanned(ctx, other, inquiry.Canned{Title: "お詫び（配送遅延）", Body: "y"}, support); shop.ErrorFields(err)["title"] != shop.ReasonTaken {
			t.Fatalf("renamed onto another: err=%v", err)
		}
		if err := e.desk.UpdateCanned(ctx, other, inquiry.Canned{Title: "返金について", Body: "返金を承りました。"}, support); err != nil {
			t.Fatal(err)
		}
		list, err := e.desk.CannedReplies(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("canned replies %+v, %v", list, err)
		}
		number := e.submit(form("hanako@example.jp")).Number
		c, err := e.desk.CannedReply(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Fill(e.get(number)); got != "山田 花子様\n受付番号 "+number+" の件、お届けが遅れ誠に申し訳ございません。" {
			t.Fatalf("filled %q", got)
		}
		if err := e.desk.DeleteCanned(ctx, other, support); err != nil {
			t.Fatal(err)
		}
		if _, err := e.desk.CannedReply(ctx, other); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("deleted canned reply: err=%v", err)
		}
		want := []string{"inquiry.canned.create", "inquiry.canned.create", "inquiry.canned.update", "inquiry.canned.delete"}
		if got := e.actions(); !slices.Equal(got, want) {
			t.Fatalf("audit %v, want %v", got, want)
		}
	})
}

// Prune deletes closed tickets past the retention period with their
// threads, keeps those about an incident under the hold, and blanks old
// client addresses.
func TestPrune(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, inquiry.DefaultLimits())
		old := e.submit(form("a@example.jp")).Number
		in := form("b@example.jp")
		in.Topic, in.IncidentID = "incident", 7
		held := e.submit(in).Number
		open := e.submit(form("c@example.jp")).Number
		for _, n := range []string{old, held} {
			if _, err := e.desk.Reply(ctx, n, "ご回答いたします。", true, support); err != nil {
				t.Fatal(err)
			}
		}
		set := settings.Default()
		set.Retention.IncidentHold = true
		if err := settings.NewService(d, e.clock.Now, 0).Save(ctx, set, support); err != nil {
			t.Fatal(err)
		}
		now := t0.AddDate(0, 0, set.Retention.InquiryDays)
		if n, err := e.desk.Prune(ctx, now); err != nil || n != 0 {
			t.Fatalf("prune on the last day: %d, %v", n, err)
		}
		if n := e.count(`SELECT COUNT(*) FROM inquiry_tickets WHERE client_ip <> ''`); n != 0 {
			t.Fatalf("%d client addresses kept past the retention of addresses", n)
		}
		n, err := e.desk.Prune(ctx, now.Add(time.Second))
		if err != nil || n != 1 {
			t.Fatalf("prune after the period: %d, %v", n, err)
		}
		if _, err := e.desk.Get(ctx, old); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("old closed ticket kept: %v", err)
		}
		for _, n := range []string{held, open} {
			e.get(n)
		}
		if c := e.count(`SELECT COUNT(*) FROM inquiry_messages`); c != 1 {
			t.Fatalf("%d messages left, want the held ticket's one", c)
		}
	})
}
