package incident_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

func TestTemplateValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCampaignEnv(t, d, nil, customers(1))
		camp, _ := e.prepare()
		long := strings.Repeat("お客様には大変ご迷惑をおかけしております。", 28)
		for _, tc := range []struct {
			name    string
			edit    func(*incident.TemplateInput)
			field   string
			reason  string
			problem string // the placeholder named, if any
		}{
			{"unknown placeholder in the body", func(in *incident.TemplateInput) { in.Body += "{{.Nmae}} 様" }, "body", incident.ReasonPlaceholder, "{{.Nmae}}"},
			{"unknown placeholder in the subject", func(in *incident.TemplateInput) { in.Subject = "{{.Shop}}より" }, "subject", incident.ReasonPlaceholder, "{{.Shop}}"},
			{"unknown field of an order", func(in *incident.TemplateInput) { in.Body += "{{range .Orders}}{{.CardNumber}}{{end}}" }, "body", incident.ReasonPlaceholder, "{{.CardNumber}}"},
			{"order field outside the orders", func(in *incident.TemplateInput) { in.Body += "{{.Last4}}" }, "body", incident.ReasonPlaceholder, ""},
			{"unknown placeholder in a branch never taken", func(in *incident.TemplateInput) { in.Body += "{{if false}}{{.Secret}}{{end}}" }, "body", incident.ReasonPlaceholder, "{{.Secret}}"},
			{"syntax", func(in *incident.TemplateInput) { in.Body += "{{.Name" }, "body", shop.ReasonFormat, ""},
			{"empty subject", func(in *incident.TemplateInput) { in.Subject = "  " }, "subject", shop.ReasonRequired, ""},
			{"missing fact", func(in *incident.TemplateInput) { in.Facts.What = "" }, "facts.what", shop.ReasonRequired, ""},
			{"card number in a fact", func(in *incident.TemplateInput) { in.Facts.Request = "例：4242 4242 4242 4242 のカード" }, "facts.request", incident.ReasonCardNumber, ""},
			{"facts too long for the letter", func(in *incident.TemplateInput) { in.Facts.What = long; in.Facts.Request = string([]rune(long)[:580]) }, "letter", shop.ReasonLength, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := incident.TemplateInput{Subject: camp.Subject, Body: camp.Body, Facts: camp.Facts}
				tc.edit(&in)
				_, err := e.c.SaveTemplate(e.ctx, e.id, in, owner)
				if got := shop.ErrorFields(err)[tc.field]; got != tc.reason {
					t.Fatalf("SaveTemplate: %v; %s=%q, want %q", err, tc.field, got, tc.reason)
				}
				var te *incident.TemplateError
				if tc.problem != "" && (!errors.As(err, &te) || te.Problems[tc.field].Detail != tc.problem) {
					t.Fatalf("SaveTemplate: %v, want %s naming %s", err, tc.field, tc.problem)
				}
			})
		}
		got, err := e.c.Get(e.ctx, e.id)
		if err != nil || got.Revision != 1 {
			t.Fatalf("after refused edits: revision %d %v, want 1", got.Revision, err)
		}
		// Every placeholder the admin lists is accepted.
		var all strings.Builder
		for _, p := range incident.Placeholders {
			if p != "Orders" {
				all.WriteString("{{." + p + "}}")
			}
		}
		all.WriteString("{{range .Orders}}")
		for _, p := range incident.OrderPlaceholders {
			all.WriteString("{{." + p + "}}")
		}
		all.WriteString("{{end}}")
		if _, err := e.c.SaveTemplate(e.ctx, e.id, incident.TemplateInput{Subject: "{{.Title}}", Body: all.String(), Facts: camp.Facts}, owner); err != nil {
			t.Fatalf("every placeholder: %v", err)
		}
	})
}

func TestNoticeSaysWhatTheSeedSaid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(3)
		cs[2].Orders[0].Brand = "visa"
		cs[2].Orders[0].Last4 = "4242"
		e := newCampaignEnv(t, d, nil, cs)
		e.prepare()
		list, _, err := e.c.Recipients(e.ctx, e.id, incident.RecipientFilter{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.c.Preview(e.ctx, e.id, list[2].ID)
		if err != nil {
			t.Fatal(err)
		}
		c := cs[2]
		if !strings.HasPrefix(p.Body, c.Name+" 様\n") {
			t.Errorf("body starts %q, want the name with 様", p.Body[:40])
		}
		want := []string{
			"【楓 鍼灸マッサージ用品店】", // subject
			"深くお詫び申し上げます", "漏えいした可能性があることが判明いたしました", "2020年6月26日",
			"2019年8月28日から2020年6月26日までの期間",
			"カード名義人名、クレジットカード番号、有効期限、セキュリティコード",
			"■ 原因", "■ 二次被害のおそれとお客様へのお願い", "ご利用明細書に身に覚えのない請求がないか",
			"カード会社にお問い合わせくださいますよう", "再発行の手数料", "お客様のご負担とならないよう",
			"■ 本件に関するお問い合わせ窓口", "受付時間：平日10:00〜17:00（土日祝・年末年始を除く）", "電話番号：03-0000-0000",
			"所在地　：〒100-0001 東京都千代田区千代田1-1 楓ビル3階", "株式会社楓商会", "代表　楓 太郎",
			"VISA（カード番号末尾 4242）", "Dear " + c.Name,
		}
		for _, o := range c.Orders {
			want = append(want, "ご注文番号 "+o.Number)
			j := o.PlacedAt.In(shop.JST)
			want = append(want, "・"+dateJa(j.Year(), int(j.Month()), j.Day()))
		}
		text := p.Subject + "\n" + p.Body
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("notice lacks %q:\n%s", w, text)
			}
		}
		for _, other := range cs[:2] {
			if strings.Contains(text, other.Orders[0].Number) {
				t.Errorf("notice to %s names %s's order", c.Name, other.Name)
			}
		}
		if run := panRun(text); run != "" {
			t.Fatalf("notice holds a card number %q", run)
		}
		// Sent: the outbox holds the same text for each person.
		e.tested()
		if _, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner); err != nil {
			t.Fatal(err)
		}
		for _, m := range bodies(t, d, incident.MailKindNotice) {
			if run := panRun(m.Subject + m.Body); run != "" {
				t.Errorf("e-mail to %s holds a card number %q", m.To, run)
			}
			if m.To == c.Email && (m.Body != p.Body || m.Subject != p.Subject) {
				t.Errorf("sent e-mail differs from the preview")
			}
		}
	})
}

func dateJa(y, m, d int) string { return fmt.Sprintf("%d年%d月%d日", y, m, d) }

func TestCardLike(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"4242424242424242", true},
		{"4242 4242 4242 4242", true},
		{"4242-4242-4242-4242", true},
		{"４２４２４２４２４２４２４２４２", true},
		{"378282246310005", true}, // American Express, 15 digits
		{"カード番号末尾 4242", false},
		{"電話番号：0120-80-3126", false},
		{"ご注文番号 K-000010　2019年8月28日", false},
		{"4242  4242 4242 4242", false}, // two spaces end a number
		{"", false},
	} {
		if got := incident.CardLike(tc.s); got != tc.want {
			t.Errorf("cardLike(%q)=%v, want %v", tc.s, got, tc.want)
		}
	}
}
