package incident

import (
	"fmt"
	"strings"
	"time"

	"kaede/internal/shop"
)

// NoticeFacts are what a notice is drafted from: the incident, its
// timeline, the scope staff saved (nil before one is), and the inquiry
// desk.
type NoticeFacts struct {
	Incident Incident
	Events   []Event
	Scope    *Scope
	Contact  Contact
}

// Default hours of the inquiry desk, when the shop has not written its
// own: the seed's desk kept these.
const (
	defaultHoursJa = "平日10:00〜17:00（土・日・祝日を除く）"
	defaultHoursEn = "weekdays 10:00–17:00 JST (closed on weekends and national holidays)"
)

// DraftNotice writes a notice from the facts, in the tone of the notices
// Japanese shops publish (the seed's is the model): every section the law
// asks for is filled, from the record where it holds the answer and with
// a sentence saying the matter is still being investigated where it does
// not. Staff read and edit each section before publishing; nothing typed
// in the record's free-text fields but the investigation's findings is
// copied, since the rest (who called, internal names) was written for
// staff, not for the public.
func DraftNotice(f NoticeFacts) NoticeText {
	d := newDrafter(f)
	t := NoticeText{Ja: map[Section]string{}, En: map[Section]string{}}
	t.TitleJa, t.TitleEn = d.title()
	t.Ja[SectionSummary], t.En[SectionSummary] = d.summary()
	t.Ja[SectionItems], t.En[SectionItems] = d.items()
	t.Ja[SectionCause], t.En[SectionCause] = d.cause()
	t.Ja[SectionRisk], t.En[SectionRisk] = d.risk()
	t.Ja[SectionMeasures], t.En[SectionMeasures] = d.measures()
	t.Ja[SectionContact], t.En[SectionContact] = d.contact()
	return t
}

// drafter holds what the sentences are made of.
type drafter struct {
	f            NoticeFacts
	shopJa       string // 「…」 quoted in the Japanese text
	shopEn       string
	card         bool // card data may have leaked (a card breach or a tampered payment page)
	unauthorised bool
}

func newDrafter(f NoticeFacts) drafter {
	d := drafter{f: f, shopJa: f.Contact.ShopName, shopEn: f.Contact.ShopNameEn}
	if d.shopJa == "" {
		d.shopJa = "当店"
	} else {
		d.shopJa = "「" + d.shopJa + "」"
	}
	if d.shopEn == "" {
		d.shopEn = f.Contact.ShopName
	}
	if d.shopEn == "" {
		d.shopEn = "our shop"
	}
	c := f.Incident.Category
	d.card = c == CardData || c == Tampering
	d.unauthorised = f.Incident.Unauthorised || c == UnauthorisedAccess || c == Tampering
	return d
}

// first returns the earliest event of the kind.
func (d drafter) first(kind EventKind) (Event, bool) {
	for _, e := range d.f.Events {
		if e.Kind == kind {
			return e, true
		}
	}
	return Event{}, false
}

// dateJa is a day as the notice writes it: 2020年6月26日.
func dateJa(t time.Time) string {
	t = t.In(shop.JST)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// dateEn is a day in English: June 26, 2020.
func dateEn(t time.Time) string { return t.In(shop.JST).Format("January 2, 2006") }

func sameDay(a, b time.Time) bool { return dateJa(a) == dateJa(b) }

// sentenceJa makes a staff-written text end as a sentence.
func sentenceJa(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, "。") || strings.HasSuffix(s, "」") {
		return s
	}
	return s + "。"
}

func paragraphs(ps ...string) string {
	var out []string
	for _, p := range ps {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

func (d drafter) subject() (ja, en string) {
	if d.card {
		return "クレジットカード情報", "credit card information"
	}
	return "個人情報", "personal information"
}

func (d drafter) title() (ja, en string) {
	sj, se := d.subject()
	if d.unauthorised {
		return fmt.Sprintf("%sへの不正アクセスによる%s漏えいに関するお詫びとお知らせ", d.shopJa, sj),
			fmt.Sprintf("Apology and notice: %s may have leaked through unauthorised access to %s", capital(se), d.shopEn)
	}
	return fmt.Sprintf("%sにおける%s漏えいに関するお詫びとお知らせ", d.shopJa, sj),
		fmt.Sprintf("Apology and notice: %s may have leaked at %s", capital(se), d.shopEn)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// people is the number of people concerned, when the scope is known.
func (d drafter) people() (ja, en string) {
	if d.f.Scope == nil || d.f.Scope.Customers == 0 {
		return "", ""
	}
	n := d.f.Scope.Customers
	return fmt.Sprintf("（%d名分）", n), fmt.Sprintf(" of %d customer%s", n, plural(n))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (d drafter) summary() (ja, en string) {
	sj, se := d.subject()
	pj, pe := d.people()
	how, howEn := "", ""
	if d.unauthorised {
		how, howEn = "第三者による不正アクセスを受け、", " through unauthorised access by a third party"
	}
	openJa := fmt.Sprintf("このたび、弊社が運営する%sにおきまして、%sお客様の%s%sが漏えいした可能性があることが判明いたしました。", d.shopJa, how, sj, pj)
	openEn := fmt.Sprintf("We have found that the %s%s may have leaked from %s%s.", se, pe, d.shopEn, howEn)
	sorryJa := "お客様をはじめ、関係者の皆様に多大なるご迷惑およびご心配をおかけする事態となりましたこと、深くお詫び申し上げます。"
	sorryEn := "We sincerely apologise to our customers and everyone concerned for the trouble and worry this causes."

	// What happened when, from the timeline.
	var histJa, histEn []string
	discovered := d.f.Incident.DiscoveredAt
	histJa = append(histJa, fmt.Sprintf("%s、本件の可能性を把握いたしました。", dateJa(discovered)))
	histEn = append(histEn, fmt.Sprintf("On %s we learned that this may have happened.", dateEn(discovered)))
	if e, ok := d.first(EventCardStopped); ok {
		day, dayEn := dateJa(e.OccurredAt), "On "+dateEn(e.OccurredAt)
		if sameDay(e.OccurredAt, discovered) {
			day, dayEn = "同日", "The same day"
		}
		histJa = append(histJa, fmt.Sprintf("%s、%sでのクレジットカード決済を停止いたしました。", day, d.shopJa))
		histEn = append(histEn, fmt.Sprintf("%s we stopped card payments at %s.", dayEn, d.shopEn))
	}
	if e, ok := d.first(EventInvestigators); ok {
		histJa = append(histJa, fmt.Sprintf("%s、第三者調査機関による調査を開始いたしました。", dateJa(e.OccurredAt)))
		histEn = append(histEn, fmt.Sprintf("On %s an independent forensic investigator began an investigation.", dateEn(e.OccurredAt)))
	}
	for _, e := range d.f.Events {
		if e.Kind == EventFinding && e.Text != "" {
			histJa = append(histJa, fmt.Sprintf("%s、調査の結果、%s", dateJa(e.OccurredAt), sentenceJa(e.Text)))
			histEn = append(histEn, fmt.Sprintf("On %s the investigation found: %s", dateEn(e.OccurredAt), e.Text))
		}
	}
	tellJa := "対象となるお客様には、別途、電子メールおよび書状にて個別にご連絡申し上げます。"
	tellEn := "We are writing to each customer concerned by e-mail and by post."
	if e, ok := d.first(EventNotification); ok {
		tellJa = fmt.Sprintf("対象となるお客様には、%sより、電子メールおよび書状にて個別にご連絡を差し上げております。", dateJa(e.OccurredAt))
		tellEn = fmt.Sprintf("Since %s we have been writing to each customer concerned by e-mail and by post.", dateEn(e.OccurredAt))
	}
	return paragraphs(openJa, sorryJa, strings.Join(histJa, ""), tellJa),
		paragraphs(openEn, sorryEn, strings.Join(histEn, " "), tellEn)
}

// window is the scope's period and who is in it, when the scope is known.
func (d drafter) window() (ja, en string) {
	sc := d.f.Scope
	if sc == nil || sc.Customers == 0 || sc.Query.From.IsZero() || sc.Query.To.IsZero() {
		return "対象となるお客様の範囲は、現在調査中です。判明し次第、本ページにてお知らせいたします。",
			"We are still establishing which customers are concerned, and will announce it on this page."
	}
	last := sc.Query.To.Add(-time.Nanosecond) // To is exclusive
	what, whatEn := "ご注文をされたお客様", "placed an order"
	if len(sc.Query.Methods) == 1 && sc.Query.Methods[0] == "card" {
		what, whatEn = "クレジットカード決済をされたお客様", "paid by credit card"
	}
	return fmt.Sprintf("%s～%sの期間中に%sにおいて%s%d名が対象です。", dateJa(sc.Query.From), dateJa(last), d.shopJa, what, sc.Customers),
		fmt.Sprintf("The %d customer%s who %s at %s between %s and %s.", sc.Customers, plural(sc.Customers), whatEn, d.shopEn,
			dateEn(sc.Query.From), dateEn(last))
}

func (d drafter) items() (ja, en string) {
	wj, we := d.window()
	switch {
	case d.card:
		return paragraphs(wj, "漏えいした可能性のある情報は以下のとおりです。\n・カード名義人名\n・クレジットカード番号\n・有効期限\n・セキュリティコード"),
			paragraphs(we, "The information that may have leaked:\n- the card holder's name\n- the card number\n- the expiry date\n- the security code")
	case d.f.Incident.Category == PersonalData:
		return paragraphs(wj, "漏えいした可能性のある情報は以下のとおりです。\n・氏名\n・ご住所\n・電話番号\n・メールアドレス\n・ご注文内容"),
			paragraphs(we, "The information that may have leaked:\n- name\n- postal address\n- phone number\n- e-mail address\n- what was ordered")
	}
	return paragraphs(wj, "漏えいした可能性のある情報の項目は、現在調査中です。判明し次第、本ページにてお知らせいたします。"),
		paragraphs(we, "We are still establishing which information may have leaked, and will announce it on this page.")
}

func (d drafter) cause() (ja, en string) {
	later, laterEn := "", ""
	if _, ok := d.first(EventFinding); !ok {
		later, laterEn = "詳細は、調査の結果を踏まえ、本ページにてお知らせいたします。", "We will give the details on this page when the investigation ends."
	}
	switch {
	case d.f.Incident.Category == Tampering:
		return paragraphs(fmt.Sprintf("第三者による不正アクセスにより、%sの決済画面が改ざんされたことによるものです。", d.shopJa), later),
			paragraphs(fmt.Sprintf("A third party gained unauthorised access and altered the payment page of %s.", d.shopEn), laterEn)
	case d.unauthorised:
		return paragraphs(fmt.Sprintf("%sのシステムに対する、第三者による不正アクセスによるものです。", d.shopJa), later),
			paragraphs(fmt.Sprintf("Unauthorised access by a third party to the systems of %s.", d.shopEn), laterEn)
	}
	return "原因は現在調査中です。判明し次第、本ページにてお知らせいたします。",
		"The cause is still being investigated; we will announce it on this page."
}

func (d drafter) risk() (ja, en string) {
	if d.card {
		return paragraphs(
				"漏えいした可能性のあるクレジットカード情報が、第三者により不正に利用されるおそれがあります。",
				"既に弊社では、クレジットカード会社と連携し、漏えいした可能性のあるクレジットカードによる取引のモニタリングを継続して実施し、不正利用の防止に努めております。",
				"お客様におかれましても、誠に恐縮ではございますが、クレジットカードのご利用明細書に身に覚えのない請求項目がないか、今一度ご確認をお願いいたします。万が一、身に覚えのない請求項目の記載があった場合は、たいへんお手数ですが、同クレジットカードの裏面に記載のカード会社にお問い合わせいただきますよう、併せてお願い申し上げます。",
				"なお、お客様がクレジットカードの差し替えをご希望される場合、カード再発行の手数料につきましてはお客様にご負担をお掛けしないよう、弊社よりクレジットカード会社に依頼しております。"),
			paragraphs(
				"The card information may be used fraudulently by a third party.",
				"We are working with the card companies, which are monitoring transactions on the cards concerned to prevent fraudulent use.",
				"We ask you to check your card statements for any charge you do not recognise. If you find one, please contact the card company whose number is on the back of your card.",
				"If you wish to have your card replaced, we have asked the card companies not to charge you for reissuing it.")
	}
	return paragraphs(
			"漏えいした可能性のある情報を悪用した、なりすましメール（フィッシングメール）や不審な電話が届くおそれがあります。",
			"弊社を装った不審な連絡にはご注意いただき、メールに記載されたリンクを開いたり、個人情報を入力したりなさらないようお願いいたします。不審な連絡を受けられた場合は、下記のお問い合わせ窓口までご連絡ください。"),
		paragraphs(
			"The information may be misused for phishing e-mails or suspicious phone calls.",
			"Please be wary of messages claiming to come from us: do not open links in them or enter personal information. If you receive one, please contact us at the desk below.")
}

func (d drafter) measures() (ja, en string) {
	pj := []string{"弊社はこのたびの事態を厳粛に受け止め、調査結果を踏まえてシステムのセキュリティ対策および監視体制の強化を行い、再発防止を図ってまいります。"}
	pe := []string{"We take this matter very seriously. Based on the investigation's findings we are strengthening the security of our systems and their monitoring to prevent it from happening again."}
	if _, stopped := d.first(EventCardStopped); stopped {
		if _, resumed := d.first(EventCardResumed); !resumed {
			pj = append(pj, "クレジットカード決済の再開につきましては、決定次第、改めて本ページにてお知らせいたします。")
			pe = append(pe, "We will announce on this page when card payments resume.")
		}
	}
	ppc, reported := d.first(EventPPCPrelim)
	if final, ok := d.first(EventPPCFinal); ok && (!reported || final.OccurredAt.Before(ppc.OccurredAt)) {
		ppc, reported = final, true
	}
	police, toldPolice := d.first(EventPolice)
	switch {
	case reported && toldPolice:
		pj = append(pj, fmt.Sprintf("また、本件につきましては、監督官庁である個人情報保護委員会に%sに報告済みであり、所轄警察署にも%sに被害を申告しております。今後、捜査にも全面的に協力してまいります。",
			dateJa(ppc.OccurredAt), dateJa(police.OccurredAt)))
		pe = append(pe, fmt.Sprintf("We reported the matter to the Personal Information Protection Commission on %s and to the police on %s, and will cooperate fully with their investigation.",
			dateEn(ppc.OccurredAt), dateEn(police.OccurredAt)))
	case reported:
		pj = append(pj, fmt.Sprintf("また、本件につきましては、監督官庁である個人情報保護委員会に%sに報告済みです。", dateJa(ppc.OccurredAt)))
		pe = append(pe, fmt.Sprintf("We reported the matter to the Personal Information Protection Commission on %s.", dateEn(ppc.OccurredAt)))
	case toldPolice:
		pj = append(pj, fmt.Sprintf("また、所轄警察署に%sに被害を申告しており、今後、捜査にも全面的に協力してまいります。", dateJa(police.OccurredAt)))
		pe = append(pe, fmt.Sprintf("We reported the matter to the police on %s and will cooperate fully with their investigation.", dateEn(police.OccurredAt)))
	}
	return paragraphs(pj...), paragraphs(pe...)
}

func (d drafter) contact() (ja, en string) {
	c := d.f.Contact
	hours, hoursEn := c.Hours, c.HoursEn
	if hours == "" {
		hours = defaultHoursJa
	}
	if hoursEn == "" {
		hoursEn = defaultHoursEn
	}
	linesJa := []string{fmt.Sprintf("《%s お客様相談窓口》", strings.Trim(d.shopJa, "「」")), "・受付時間：" + hours}
	linesEn := []string{"Customer desk of " + d.shopEn, "- Hours: " + hoursEn}
	if c.Phone != "" {
		linesJa, linesEn = append(linesJa, "・電話番号："+c.Phone), append(linesEn, "- Phone: "+c.Phone)
	}
	if c.Email != "" {
		linesJa, linesEn = append(linesJa, "・メールアドレス："+c.Email), append(linesEn, "- E-mail: "+c.Email)
	}
	return paragraphs(strings.Join(linesJa, "\n"), "本件に関するお問い合わせは、下記のお問い合わせフォームからも承っております。"),
		paragraphs(strings.Join(linesEn, "\n"), "You can also write to us through the inquiry form below.")
}
