package incident_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

func TestCampaignFromScopeCountsEachPersonOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(5)
		// The scope's own dedupe is the scope's job; the campaign keeps
		// one row per key whatever it is given.
		dup := cs[2]
		dup.Email = strings.ToUpper(dup.Email)
		e := newCampaignEnv(t, d, nil, append(cs, dup))
		camp, res := e.prepare()
		if !res.Created || res.Added != 5 || res.Total != 5 || camp.ScopeID != 1 {
			t.Fatalf("first Prepare: %+v scope %d, want created with 5", res, camp.ScopeID)
		}
		if camp.Subject == "" || !strings.Contains(camp.Body, "{{.Name}}") || camp.Facts.DeskPhone == "" {
			t.Fatalf("new campaign has no default template: %+v", camp)
		}
		if !strings.Contains(camp.Facts.What, "2019年8月28日から2020年6月26日までの期間") {
			t.Errorf("facts.what=%q, want the scope's window", camp.Facts.What)
		}
		// The same scope again adds nobody.
		_, res = e.prepare()
		if res.Created || res.Added != 0 || res.Removed != 0 || res.Total != 5 {
			t.Fatalf("second Prepare: %+v, want nothing changed", res)
		}
		// A refined scope: one more person, one fewer. Queue everyone of
		// the first version but the one who leaves, then refine.
		e.tested()
		e.setScope(append(cs[:4:4], customers(7)[6]))
		_, res = e.prepare()
		if res.Added != 1 || res.Removed != 1 || res.Total != 5 {
			t.Fatalf("refined Prepare: %+v, want one added and one removed", res)
		}
		got, err := e.c.Get(e.ctx, e.id)
		if err != nil || got.ScopeID != 2 {
			t.Fatalf("Get: %+v %v, want scope 2", got, err)
		}
		// Someone already told stays on the record when they leave the
		// scope.
		if _, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner); err != nil {
			t.Fatal(err)
		}
		e.setScope(cs[:1])
		_, res = e.prepare()
		if res.Removed != 0 || res.Total != 5 {
			t.Fatalf("Prepare after sending: %+v, want nobody removed", res)
		}
		if n := len(campaignAudit(t, d, "incident.campaign.create")); n != 1 {
			t.Errorf("incident.campaign.create entries=%d, want 1", n)
		}
		if n := len(campaignAudit(t, d, "incident.campaign.recipients")); n != 3 {
			t.Errorf("incident.campaign.recipients entries=%d, want 3", n)
		}
	})
}

func TestCampaignNeedsAScopeWithCustomers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCampaignEnv(t, d, nil, nil)
		if _, _, err := e.c.Prepare(e.ctx, e.id, owner); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("Prepare with an empty scope: %v, want Conflict", err)
		}
		if _, err := e.c.Get(e.ctx, e.id); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Get: %v, want NotFound", err)
		}
		if _, _, err := e.c.Prepare(e.ctx, e.id+1, owner); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Prepare of another incident: %v, want NotFound", err)
		}
	})
}

func TestSendNeedsATestAfterTheLastEdit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCampaignEnv(t, d, nil, customers(3))
		camp, _ := e.prepare()
		if _, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner); !errors.Is(err, incident.ErrNotTested) {
			t.Fatalf("Send before a test: %v, want ErrNotTested", err)
		}
		e.tested()
		in := incident.TemplateInput{Subject: camp.Subject + "（第2版）", Body: camp.Body, Facts: camp.Facts}
		camp, err := e.c.SaveTemplate(e.ctx, e.id, in, owner)
		if err != nil {
			t.Fatal(err)
		}
		if camp.Tested() || camp.Revision != 2 {
			t.Fatalf("after an edit: revision %d tested %v, want 2 and untested", camp.Revision, camp.Tested())
		}
		if _, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner); !errors.Is(err, incident.ErrNotTested) {
			t.Fatalf("Send after an edit: %v, want ErrNotTested", err)
		}
		e.tested()
		res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
		if err != nil || res.Queued != 3 || res.Skipped != 0 {
			t.Fatalf("Send: %+v %v, want 3 queued", res, err)
		}
		tests := bodies(t, d, incident.MailKindTest)
		// Newest first.
		if len(tests) != 2 || tests[0].To != owner.Name || !strings.HasPrefix(tests[0].Subject, "【テスト送信】") || !strings.Contains(tests[0].Subject, "（第2版）") {
			t.Fatalf("test e-mails: %+v", tests)
		}
		// Sending froze the text.
		if _, err := e.c.SaveTemplate(e.ctx, e.id, in, owner); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("SaveTemplate after sending: %v, want Conflict", err)
		}
		tl, err := e.inc.Timeline(e.ctx, e.id)
		if err != nil {
			t.Fatal(err)
		}
		var events []string
		for _, ev := range tl {
			if ev.Kind == incident.EventNotification {
				events = append(events, ev.Text)
			}
		}
		if len(events) != 1 || !strings.Contains(events[0], "3 名") {
			t.Fatalf("notification events: %q, want one for 3 people", events)
		}
		for _, action := range []string{"incident.campaign.test", "incident.campaign.template", "incident.campaign.send"} {
			if len(campaignAudit(t, d, action)) == 0 {
				t.Errorf("no %s audit entry", action)
			}
		}
		if n := len(campaignAudit(t, d, "incident.campaign.test")); n != 2 {
			t.Errorf("incident.campaign.test entries=%d, want 2", n)
		}
	})
}

// TestRerunAfterACrashSendsOnlyToTheRest stops a run after its first
// batch, as a crash would, runs it again, then runs it twice at once: every
// person gets exactly one e-mail.
func TestRerunAfterACrashSendsOnlyToTheRest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(25)
		e := newCampaignEnv(t, d, nil, cs)
		e.prepare()
		e.tested()
		crash := errors.New("power cut")
		e.c.SetBatch(10, func(queued int) error {
			if queued >= 10 {
				return crash
			}
			return nil
		})
		res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
		if !errors.Is(err, crash) || res.Queued != 10 {
			t.Fatalf("first run: %+v %v, want 10 queued then the crash", res, err)
		}
		p, err := e.c.Progress(e.ctx, e.id)
		if err != nil || p.Queued != 10 || p.Pending != 15 {
			t.Fatalf("progress after the crash: %+v %v", p, err)
		}
		e.c.SetBatch(7, nil)
		res, err = e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
		if err != nil || res.Queued != 15 || res.Skipped != 10 {
			t.Fatalf("second run: %+v %v, want 15 queued and 10 skipped", res, err)
		}
		// Two more runs at once, and one more after: nothing left to send.
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for range 2 {
			wg.Go(func() {
				res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
				if err == nil && res.Queued != 0 {
					err = errors.New("a run after everyone was queued queued again")
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got := countMail(t, d, incident.MailKindNotice)
		if len(got) != len(cs) {
			t.Fatalf("e-mails went to %d people, want %d", len(got), len(cs))
		}
		for to, n := range got {
			if n != 1 {
				t.Errorf("%s got %d e-mails, want 1", to, n)
			}
		}
		if n := len(campaignAudit(t, d, "incident.campaign.send")); n != 2 {
			t.Errorf("incident.campaign.send entries=%d, want one per run that queued (2)", n)
		}
	})
}

// TestConcurrentRunsNeverDuplicate starts two runs at the same moment on a
// fresh campaign.
func TestConcurrentRunsNeverDuplicate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(40)
		e := newCampaignEnv(t, d, nil, cs)
		e.prepare()
		e.tested()
		e.c.SetBatch(5, nil)
		var wg sync.WaitGroup
		results := make(chan incident.SendResult, 2)
		for range 2 {
			wg.Go(func() {
				res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
				// A run may find the other one holding the batch it read:
				// it stops, and the other goes on.
				if err != nil && shop.ErrorCode(err) != shop.Conflict {
					t.Errorf("Send: %v", err)
				}
				results <- res
			})
		}
		wg.Wait()
		close(results)
		total := 0
		for r := range results {
			total += r.Queued
		}
		// A run that stopped on the other's batch left nothing pending that
		// a last run would not finish.
		res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
		if err != nil {
			t.Fatal(err)
		}
		total += res.Queued
		got := countMail(t, d, incident.MailKindNotice)
		if total != len(cs) || len(got) != len(cs) {
			t.Fatalf("queued %d, outbox has %d people, want %d", total, len(got), len(cs))
		}
		for to, n := range got {
			if n != 1 {
				t.Errorf("%s got %d e-mails, want 1", to, n)
			}
		}
	})
}

func TestCLISkipTest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCampaignEnv(t, d, nil, customers(2))
		e.prepare()
		res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{SkipTest: true}, owner)
		if err != nil || res.Queued != 2 {
			t.Fatalf("Send with SkipTest: %+v %v", res, err)
		}
		entries := campaignAudit(t, d, "incident.campaign.send")
		if len(entries) != 1 || !strings.Contains(entries[0].After, `"skip_test":true`) {
			t.Fatalf("audit %+v, want skip_test recorded", entries)
		}
	})
}

func TestInvalidAddressFailsThatPersonOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(3)
		cs[1].Email = "not an address"
		e := newCampaignEnv(t, d, nil, cs)
		e.prepare()
		e.tested()
		res, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner)
		if err != nil || res.Queued != 2 || res.Failed != 1 {
			t.Fatalf("Send: %+v %v, want 2 queued and 1 failed", res, err)
		}
		failed, n, err := e.c.Recipients(e.ctx, e.id, incident.RecipientFilter{State: incident.EmailFailed})
		if err != nil || n != 1 || failed[0].Name != cs[1].Name || failed[0].EmailError == "" || !failed[0].Letter {
			t.Fatalf("failed recipients: %+v (%d) %v", failed, n, err)
		}
	})
}

func TestRecipientsPagedAndFiltered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCampaignEnv(t, d, nil, customers(12))
		e.prepare()
		page, n, err := e.c.Recipients(e.ctx, e.id, incident.RecipientFilter{Limit: 5, Offset: 10})
		if err != nil || n != 12 || len(page) != 2 || page[0].Email != "customer00010@example.jp" {
			t.Fatalf("page 3: %d of %d %v", len(page), n, err)
		}
		if len(page[0].Orders) == 0 || page[0].Orders[0].Last4 == "" || page[0].Orders[0].ProviderPaymentID != "" {
			t.Fatalf("recipient orders %+v: want brand and last four, never the provider's ID", page[0].Orders)
		}
		for _, f := range []incident.RecipientFilter{{State: "lost"}, {Limit: 501}, {Offset: -1}} {
			if _, _, err := e.c.Recipients(e.ctx, e.id, f); shop.ErrorCode(err) != shop.Invalid {
				t.Errorf("Recipients(%+v): %v, want Invalid", f, err)
			}
		}
		if err := e.c.SetLetter(e.ctx, e.id, page[0].ID, false, owner); err != nil {
			t.Fatal(err)
		}
		p, err := e.c.Progress(e.ctx, e.id)
		if err != nil || p.Letters != 11 || p.Pending != 12 || p.Done() {
			t.Fatalf("progress %+v %v, want 11 letters and 12 pending", p, err)
		}
		if len(campaignAudit(t, d, "incident.campaign.letter")) != 1 {
			t.Errorf("no incident.campaign.letter audit entry")
		}
	})
}
