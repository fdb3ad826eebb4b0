package incident_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

// seedCase is the seed's breach as the record holds it: discovered on
// 2020-06-26 when a card company called, card payments stopped the same
// day, investigators engaged, a finding, the police and the regulator
// told, 59 customers in scope.
func seedCase() incident.NoticeFacts {
	day := func(m time.Month, d int) time.Time { return time.Date(2020, m, d, 10, 0, 0, 0, shop.JST).UTC() }
	inc := incident.Incident{ID: 7, Title: "カード情報流出の疑い", Noticed: "カード会社の山田様から電話（内線 123）",
		Category: incident.CardData, DiscoveredAt: day(6, 26), Unauthorised: true, State: incident.Open}
	events := []incident.Event{
		{Kind: incident.EventDetected, OccurredAt: day(6, 26), Text: inc.Noticed},
		{Kind: incident.EventCardStopped, OccurredAt: day(6, 26).Add(2 * time.Hour)},
		{Kind: incident.EventInvestigators, OccurredAt: day(6, 29)},
		{Kind: incident.EventFinding, OccurredAt: day(8, 26), Text: "2019年8月28日～2020年6月26日の期間に購入されたお客様のクレジットカード情報が流出し、一部のお客様のクレジットカード情報が不正利用された可能性があることを確認いたしました"},
		{Kind: incident.EventPolice, OccurredAt: day(9, 10)},
		{Kind: incident.EventPPCPrelim, OccurredAt: day(10, 5)},
	}
	scope := &incident.Scope{Version: 1, Orders: 71, Customers: 59, Query: incident.Query{
		From: time.Date(2019, 8, 28, 0, 0, 0, 0, shop.JST).UTC(), To: time.Date(2020, 6, 27, 0, 0, 0, 0, shop.JST).UTC(),
		Methods: []string{"card"}}}
	contact := incident.Contact{ShopName: "全国鍼灸マッサージ協会オンラインストア", ShopNameEn: "Acupuncture Supply Store",
		Company: "株式会社メイプル", Phone: "0120-80-3126", Email: "customer@maiple.example"}
	return incident.NoticeFacts{Incident: inc, Events: events, Scope: scope, Contact: contact}
}

// TestDraftNoticeFromFacts: every item a notice to the people concerned
// must carry is drafted from the record, in Japanese and in English, and
// the record's internal notes stay out of it.
func TestDraftNoticeFromFacts(t *testing.T) {
	f := seedCase()
	d := incident.DraftNotice(f)
	want := map[incident.Section][]string{
		incident.SectionSummary: {"2020年6月26日、本件の可能性を把握", "同日、「全国鍼灸マッサージ協会オンラインストア」でのクレジットカード決済を停止",
			"2020年6月29日、第三者調査機関による調査を開始", "2020年8月26日、調査の結果、2019年8月28日～2020年6月26日", "不正利用された可能性があることを確認いたしました。",
			"（59名分）", "深くお詫び申し上げます", "電子メールおよび書状にて個別にご連絡申し上げます"},
		incident.SectionItems:    {"2019年8月28日～2020年6月26日の期間中", "クレジットカード決済をされたお客様59名", "・クレジットカード番号", "・有効期限", "・セキュリティコード", "・カード名義人名"},
		incident.SectionCause:    {"第三者による不正アクセス"},
		incident.SectionRisk:     {"不正に利用されるおそれ", "ご利用明細書", "カード会社にお問い合わせ", "再発行の手数料"},
		incident.SectionMeasures: {"再発防止", "個人情報保護委員会に2020年10月5日に報告済み", "所轄警察署にも2020年9月10日に被害を申告", "クレジットカード決済の再開につきましては"},
		incident.SectionContact:  {"《全国鍼灸マッサージ協会オンラインストア お客様相談窓口》", "・受付時間：平日10:00〜17:00", "・電話番号：0120-80-3126", "・メールアドレス：customer@maiple.example"},
	}
	if !strings.Contains(d.TitleJa, "お詫びとお知らせ") || !strings.Contains(d.TitleJa, "不正アクセス") || !strings.Contains(d.TitleJa, "クレジットカード情報") {
		t.Errorf("title %q", d.TitleJa)
	}
	if d.TitleEn == "" {
		t.Error("no English title")
	}
	for _, s := range incident.Sections {
		for _, w := range want[s] {
			if !strings.Contains(d.Ja[s], w) {
				t.Errorf("%s lacks %q:\n%s", s, w, d.Ja[s])
			}
		}
		if d.En[s] == "" {
			t.Errorf("%s has no English draft", s)
		}
		if strings.Contains(d.Ja[s], "山田") || strings.Contains(d.Ja[s], "内線") {
			t.Errorf("%s copies the record's internal note:\n%s", s, d.Ja[s])
		}
	}
	if !strings.Contains(d.En[incident.SectionItems], "59 customers") || !strings.Contains(d.En[incident.SectionItems], "card number") {
		t.Errorf("English items:\n%s", d.En[incident.SectionItems])
	}

	// Later facts change the draft: the customers told, card payments
	// back on.
	f.Events = append(f.Events, incident.Event{Kind: incident.EventNotification, OccurredAt: time.Date(2020, 11, 10, 9, 0, 0, 0, shop.JST)},
		incident.Event{Kind: incident.EventCardResumed, OccurredAt: time.Date(2020, 12, 1, 9, 0, 0, 0, shop.JST)})
	d = incident.DraftNotice(f)
	if !strings.Contains(d.Ja[incident.SectionSummary], "2020年11月10日より、電子メールおよび書状にて個別にご連絡を差し上げております") {
		t.Errorf("summary after the notification:\n%s", d.Ja[incident.SectionSummary])
	}
	if strings.Contains(d.Ja[incident.SectionMeasures], "再開につきましては") {
		t.Errorf("measures still promise a reopening:\n%s", d.Ja[incident.SectionMeasures])
	}
}

// TestDraftNoticeWithLittleKnown: with no scope, no finding and no desk
// details, every required section still says something true (the matter
// is being investigated) rather than nothing.
func TestDraftNoticeWithLittleKnown(t *testing.T) {
	for _, c := range []incident.Category{incident.PersonalData, incident.Other, incident.Tampering} {
		d := incident.DraftNotice(incident.NoticeFacts{Incident: incident.Incident{Category: c,
			DiscoveredAt: time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)}})
		for _, s := range incident.Sections {
			if d.Ja[s] == "" || d.En[s] == "" {
				t.Errorf("%s: %s is empty", c, s)
			}
		}
		if !strings.Contains(d.Ja[incident.SectionItems], "調査中") {
			t.Errorf("%s: items without a scope:\n%s", c, d.Ja[incident.SectionItems])
		}
		if !strings.Contains(d.Ja[incident.SectionContact], "当店 お客様相談窓口") {
			t.Errorf("%s: contact:\n%s", c, d.Ja[incident.SectionContact])
		}
	}
	d := incident.DraftNotice(incident.NoticeFacts{Incident: incident.Incident{Category: incident.PersonalData}})
	if strings.Contains(d.Ja[incident.SectionItems], "クレジットカード") || !strings.Contains(d.Ja[incident.SectionRisk], "フィッシング") {
		t.Errorf("a personal-data notice drafted as a card one:\n%s\n%s", d.Ja[incident.SectionItems], d.Ja[incident.SectionRisk])
	}
	if d := incident.DraftNotice(incident.NoticeFacts{Incident: incident.Incident{Category: incident.Tampering}}); !strings.Contains(d.Ja[incident.SectionCause], "決済画面が改ざん") {
		t.Errorf("tampering cause:\n%s", d.Ja[incident.SectionCause])
	}
}

// noticeEnv is an incident on a real database with its notices, at a
// clock the test moves.
type noticeEnv struct {
	t       *testing.T
	d       *db.DB
	now     time.Time
	svc     *incident.Service
	notices *incident.Notices
	inc     incident.Incident
}

func newNoticeEnv(t *testing.T, d *db.DB) *noticeEnv {
	t.Helper()
	e := &noticeEnv{t: t, d: d, now: time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)}
	e.svc = incident.New(d, func() time.Time { return e.now })
	e.notices = incident.NewNotices(e.svc)
	e.notices.Contact = func(context.Context) (incident.Contact, error) {
		return incident.Contact{ShopName: "かえで鍼灸用品店", Phone: "03-0000-0000", Email: "desk@kaede.example"}, nil
	}
	var err error
	e.inc, err = e.svc.Open(context.Background(), incident.OpenInput{Title: "決済画面の改ざん", Noticed: "監視が差分を検知",
		Category: incident.CardData, DiscoveredAt: e.now.Add(-time.Hour), Unauthorised: true}, owner)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *noticeEnv) kinds() map[incident.EventKind]int {
	e.t.Helper()
	tl, err := e.svc.Timeline(context.Background(), e.inc.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[incident.EventKind]int{}
	for _, ev := range tl {
		out[ev.Kind]++
	}
	return out
}

func auditActions(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	entries, err := audit.List(context.Background(), d, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range entries {
		out[e.Action]++
	}
	if _, err := audit.Verify(context.Background(), d); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	return out
}

// TestNoticeLifecycle: draft, edit, publish, correct, update, withdraw and
// publish again — the store sees only what was published, every version
// and update is kept, and each step is on the timeline and in the audit
// log.
func TestNoticeLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newNoticeEnv(t, d)
		n := e.notices
		id := e.inc.ID

		if _, err := n.Get(ctx, id); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Get before a draft: %v, want NotFound", err)
		}
		if _, err := n.Publish(ctx, id, owner); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Publish before a draft: %v, want NotFound", err)
		}
		if _, err := n.Draft(ctx, 999, owner); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Draft of a missing incident: %v, want NotFound", err)
		}
		e.now = e.now.Add(time.Hour)
		no, err := n.Draft(ctx, id, owner)
		if err != nil {
			t.Fatal(err)
		}
		if no.State != incident.NoticeDraft || no.Latest.Version != 1 || no.Live != nil ||
			!strings.Contains(no.Latest.Ja[incident.SectionContact], "desk@kaede.example") {
			t.Fatalf("draft %+v", no)
		}
		if _, err := n.Public(ctx, id); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("a draft is public: %v", err)
		}
		if pins, err := n.Pinned(ctx); err != nil || len(pins) != 0 {
			t.Fatalf("pinned before publication: %v, %v", pins, err)
		}

		// Staff edit the summary; version 2, still a draft.
		text := no.Latest.NoticeText
		text.Ja[incident.SectionSummary] = "このたび、当店の決済画面が改ざんされていたことが判明いたしました。\r\n\r\n深くお詫び申し上げます。"
		no, err = n.Save(ctx, id, text, owner)
		if err != nil {
			t.Fatal(err)
		}
		if no.Latest.Version != 2 || strings.Contains(no.Latest.Ja[incident.SectionSummary], "\r") {
			t.Fatalf("saved %+v", no.Latest)
		}

		e.now = e.now.Add(time.Hour)
		published := e.now
		no, err = n.Publish(ctx, id, owner)
		if err != nil {
			t.Fatal(err)
		}
		if no.State != incident.NoticePublished || no.Live == nil || no.Live.Version != 2 || !no.FirstPublishedAt.Equal(published) {
			t.Fatalf("published %+v", no)
		}
		if _, err := n.Publish(ctx, id, owner); !errors.Is(err, incident.ErrNoticeLive) {
			t.Fatalf("publishing the live text again: %v", err)
		}
		pub, err := n.Public(ctx, id)
		if err != nil || pub.Live.Version != 2 || !strings.HasPrefix(pub.Live.Ja[incident.SectionSummary], "このたび、当店の決済画面") {
			t.Fatalf("public %+v, %v", pub, err)
		}
		pins, err := n.Pinned(ctx)
		if err != nil || len(pins) != 1 || pins[0].Path() != "/notices/"+itoa(id) || pins[0].TitleJa != text.TitleJa || !pins[0].PublishedAt.Equal(published) {
			t.Fatalf("pinned %+v, %v", pins, err)
		}

		// A correction saved is not shown until published.
		text.Ja[incident.SectionCause] = "決済画面の改ざんによるものです。"
		if _, err := n.Save(ctx, id, text, owner); err != nil {
			t.Fatal(err)
		}
		if pub, _ := n.Public(ctx, id); pub.Live.Version != 2 || !pub.Unpublished() {
			t.Fatalf("an unpublished correction shows: live %d", pub.Live.Version)
		}
		e.now = e.now.Add(24 * time.Hour)
		if no, err = n.Publish(ctx, id, owner); err != nil || no.Live.Version != 3 || !no.FirstPublishedAt.Equal(published) {
			t.Fatalf("republished %+v, %v", no, err)
		}

		// Dated updates: 第2報, 第3報.
		e.now = e.now.Add(24 * time.Hour)
		u, err := n.Append(ctx, id, incident.UpdateText{TitleJa: "調査結果のご報告", BodyJa: "調査が完了しました。"}, owner)
		if err != nil || u.Number != 2 || !u.PublishedAt.Equal(e.now) || u.Kind != incident.UpdateNews {
			t.Fatalf("update %+v, %v", u, err)
		}
		e.now = e.now.Add(24 * time.Hour)
		if u, err = n.Append(ctx, id, incident.UpdateText{BodyJa: "対象のお客様へのご連絡を完了しました。", BodyEn: "Every customer concerned has been told."}, owner); err != nil || u.Number != 3 {
			t.Fatalf("second update %+v, %v", u, err)
		}
		if pins, _ := n.Pinned(ctx); len(pins) != 1 || !pins[0].UpdatedAt.Equal(e.now) {
			t.Fatalf("pinned after updates %+v, want updated at %s", pins, e.now)
		}

		// Withdrawn: off the store and the top page; history kept.
		e.now = e.now.Add(30 * 24 * time.Hour)
		no, err = n.Withdraw(ctx, id, "対応完了のため", owner)
		if err != nil || no.State != incident.NoticeWithdrawn || !no.WithdrawnAt.Equal(e.now) {
			t.Fatalf("withdrawn %+v, %v", no, err)
		}
		if pins, _ := n.Pinned(ctx); len(pins) != 0 {
			t.Fatalf("a withdrawn notice is pinned: %+v", pins)
		}
		pub, err = n.Public(ctx, id)
		if err != nil || pub.State != incident.NoticeWithdrawn {
			t.Fatalf("public after withdrawal %+v, %v (the store answers 410 from it)", pub, err)
		}
		if _, err := n.Withdraw(ctx, id, "", owner); !errors.Is(err, incident.ErrNoticeNotPublished) {
			t.Fatalf("withdrawing twice: %v", err)
		}
		if _, err := n.Append(ctx, id, incident.UpdateText{BodyJa: "x"}, owner); !errors.Is(err, incident.ErrNoticeNotPublished) {
			t.Fatalf("an update to a withdrawn notice: %v", err)
		}
		versions, err := n.Versions(ctx, id)
		if err != nil || len(versions) != 3 || versions[0].Version != 3 || versions[2].Version != 1 ||
			versions[1].PublishedAt.IsZero() || !versions[2].PublishedAt.IsZero() {
			t.Fatalf("versions %+v, %v", versions, err)
		}
		if no, _ := n.Get(ctx, id); len(no.Updates) != 2 || no.Updates[1].BodyEn == "" {
			t.Fatalf("updates after withdrawal: %+v", no.Updates)
		}

		// Published again: the same address, the updates still there.
		if no, err = n.Publish(ctx, id, owner); err != nil || no.State != incident.NoticePublished || len(no.Updates) != 2 || !no.WithdrawnAt.IsZero() {
			t.Fatalf("published again %+v, %v", no, err)
		}

		kinds := e.kinds()
		if kinds[incident.EventPublicNotice] != 5 || kinds[incident.EventNoticeWithdrawn] != 1 {
			t.Errorf("timeline kinds %v, want 5 public_notice (3 publications, 2 updates) and 1 notice_withdrawn", kinds)
		}
		actions := auditActions(t, d)
		for action, want := range map[string]int{"incident.notice_draft": 1, "incident.notice_save": 2, "incident.notice_publish": 3,
			"incident.notice_update": 2, "incident.notice_withdraw": 1, "incident.event": 6} {
			if actions[action] != want {
				t.Errorf("audit %s: %d entries, want %d (all: %v)", action, actions[action], want, actions)
			}
		}
	})
}

// TestNoticeValidation: each bad field is named, and nothing is stored.
func TestNoticeValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newNoticeEnv(t, d)
		good := incident.DraftNotice(incident.NoticeFacts{Incident: e.inc})
		clone := func(edit func(*incident.NoticeText)) incident.NoticeText {
			c := incident.NoticeText{TitleJa: good.TitleJa, TitleEn: good.TitleEn, Ja: map[incident.Section]string{}, En: map[incident.Section]string{}}
			for k, v := range good.Ja {
				c.Ja[k] = v
			}
			for k, v := range good.En {
				c.En[k] = v
			}
			edit(&c)
			return c
		}
		cases := []struct {
			name   string
			text   incident.NoticeText
			field  string
			reason string
		}{
			{"no title", clone(func(c *incident.NoticeText) { c.TitleJa = "  " }), "notice_title_ja", shop.ReasonRequired},
			{"title on two lines", clone(func(c *incident.NoticeText) { c.TitleJa = "お詫び\nお知らせ" }), "notice_title_ja", shop.ReasonFormat},
			{"long English title", clone(func(c *incident.NoticeText) { c.TitleEn = strings.Repeat("a", 201) }), "notice_title_en", shop.ReasonLength},
			{"no summary", clone(func(c *incident.NoticeText) { c.Ja[incident.SectionSummary] = "" }), "notice_summary_ja", shop.ReasonRequired},
			{"no items", clone(func(c *incident.NoticeText) { delete(c.Ja, incident.SectionItems) }), "notice_items_ja", shop.ReasonRequired},
			{"no cause", clone(func(c *incident.NoticeText) { c.Ja[incident.SectionCause] = "\n" }), "notice_cause_ja", shop.ReasonRequired},
			{"no risk", clone(func(c *incident.NoticeText) { c.Ja[incident.SectionRisk] = "" }), "notice_risk_ja", shop.ReasonRequired},
			{"no contact", clone(func(c *incident.NoticeText) { c.Ja[incident.SectionContact] = "" }), "notice_contact_ja", shop.ReasonRequired},
			{"NUL", clone(func(c *incident.NoticeText) { c.En[incident.SectionRisk] = "a\x00b" }), "notice_risk_en", shop.ReasonFormat},
			{"escape code", clone(func(c *incident.NoticeText) { c.Ja[incident.SectionSummary] = "\x1b[31m赤" }), "notice_summary_ja", shop.ReasonFormat},
			{"too long", clone(func(c *incident.NoticeText) { c.Ja[incident.SectionMeasures] = strings.Repeat("あ", 8001) }), "notice_measures_ja", shop.ReasonLength},
			{"bad UTF-8", clone(func(c *incident.NoticeText) { c.Ja[incident.SectionCause] = "\xff" }), "notice_cause_ja", shop.ReasonFormat},
		}
		for _, c := range cases {
			_, err := e.notices.Save(ctx, e.inc.ID, c.text, owner)
			if got := fields(err)[c.field]; got != c.reason {
				t.Errorf("%s: fields %v (err %v), want %s=%s", c.name, fields(err), err, c.field, c.reason)
			}
		}
		if _, err := e.notices.Get(ctx, e.inc.ID); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("a refused text created the notice: %v", err)
		}
		// Without measures (optional) the text is saved.
		if _, err := e.notices.Save(ctx, e.inc.ID, clone(func(c *incident.NoticeText) { c.Ja[incident.SectionMeasures], c.En = "", nil }), owner); err != nil {
			t.Fatalf("a notice without measures or English: %v", err)
		}
		if _, err := e.notices.Publish(ctx, e.inc.ID, owner); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			u     incident.UpdateText
			field string
		}{
			{incident.UpdateText{TitleJa: "題"}, "update_body_ja"},
			{incident.UpdateText{BodyJa: "本文", TitleJa: "一行目\n二行目"}, "update_title_ja"},
			{incident.UpdateText{BodyJa: "本文", BodyEn: "\x07"}, "update_body_en"},
		} {
			if _, err := e.notices.Append(ctx, e.inc.ID, c.u, owner); fields(err)[c.field] == "" {
				t.Errorf("update %+v: %v, want a problem with %s", c.u, err, c.field)
			}
		}
		if _, err := e.notices.Withdraw(ctx, e.inc.ID, strings.Repeat("x", 1001), owner); fields(err)["withdraw_note"] != shop.ReasonLength {
			t.Errorf("long withdrawal note: %v", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// BenchmarkPinned is the top page's extra query: one published notice
// with two updates, on SQLite.
func BenchmarkPinned(b *testing.B) {
	ctx := context.Background()
	d := dbtest.SQLite(b)
	svc := incident.New(d, nil)
	n := incident.NewNotices(svc)
	inc, err := svc.Open(ctx, incident.OpenInput{Title: "改ざん", DiscoveredAt: time.Now().Add(-time.Hour)}, owner)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.Draft(ctx, inc.ID, owner); err != nil {
		b.Fatal(err)
	}
	if _, err := n.Publish(ctx, inc.ID, owner); err != nil {
		b.Fatal(err)
	}
	for range 2 {
		if _, err := n.Append(ctx, inc.ID, incident.UpdateText{BodyJa: "続報"}, owner); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if pins, err := n.Pinned(ctx); err != nil || len(pins) != 1 {
			b.Fatal(pins, err)
		}
	}
}
