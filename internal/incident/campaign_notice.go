package incident

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"kaede/internal/inquiry"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// The notice to each affected person (APPI: 概要, the items leaked, the
// cause, the risk of secondary damage and what to do, where to ask) is
// written once per campaign as Facts, and rendered for each person twice:
// as the e-mail, from a template staff may edit, and as the letter, laid
// out from the same facts.

// templates/campaign_notice.ja.txt is the e-mail a campaign starts with: the first
// line is the subject, then a blank line, then the body (the layout of
// every Kaede e-mail template).
//
//go:embed templates/*.txt
var templateFiles embed.FS

// MailTemplates are the embedded e-mail templates, for the release
// manifest.
func MailTemplates() fs.FS { return templateFiles }

// defaultTemplate returns the subject and body a new campaign starts with.
func defaultTemplate() (subject, body string) {
	b, err := templateFiles.ReadFile("templates/campaign_notice.ja.txt")
	if err != nil {
		panic("incident: embedded notice template missing: " + err.Error())
	}
	subject, body, _ = strings.Cut(string(b), "\n\n")
	return strings.TrimSpace(subject), strings.TrimSpace(body) + "\n"
}

// Facts are what the shop tells every affected person, in the shop's own
// words: the e-mail's placeholders and the letter's paragraphs. Each is
// plain text in polite Japanese (敬語); a new campaign starts with drafts
// modelled on the 2020 notice, which staff correct to the investigation's
// findings.
type Facts struct {
	Title      string `json:"title"`       // the letter's title, such as 「…に関するお詫びとお知らせ」
	What       string `json:"what"`        // 概要: what happened, when the shop learned of it
	Leaked     string `json:"leaked"`      // 漏えいした可能性のある情報
	Cause      string `json:"cause"`       // 原因
	Risk       string `json:"risk"`        // 二次被害のおそれ
	Request    string `json:"request"`     // what the person should do (check statements, call the card company)
	ReissueFee string `json:"reissue_fee"` // how the card reissue fee is handled
	Measures   string `json:"measures"`    // 再発防止策
	// The inquiry desk (お問い合わせ窓口).
	DeskName    string `json:"desk_name"`
	DeskHours   string `json:"desk_hours"`
	DeskPhone   string `json:"desk_phone"`
	DeskEmail   string `json:"desk_email"`
	DeskAddress string `json:"desk_address"`
}

// FactFields are the facts' form names, in the order the admin shows them.
var FactFields = []string{"title", "what", "leaked", "cause", "risk", "request", "reissue_fee", "measures",
	"desk_name", "desk_hours", "desk_phone", "desk_email", "desk_address"}

// Field returns the fact named by its form name (FactFields).
func (f *Facts) Field(name string) *string {
	switch name {
	case "title":
		return &f.Title
	case "what":
		return &f.What
	case "leaked":
		return &f.Leaked
	case "cause":
		return &f.Cause
	case "risk":
		return &f.Risk
	case "request":
		return &f.Request
	case "reissue_fee":
		return &f.ReissueFee
	case "measures":
		return &f.Measures
	case "desk_name":
		return &f.DeskName
	case "desk_hours":
		return &f.DeskHours
	case "desk_phone":
		return &f.DeskPhone
	case "desk_email":
		return &f.DeskEmail
	case "desk_address":
		return &f.DeskAddress
	}
	return nil
}

// factLimits bound each fact, in characters: the letter has one page.
var factLimits = map[string]int{"title": 80, "what": 600, "leaked": 300, "cause": 300, "risk": 300,
	"request": 600, "reissue_fee": 300, "measures": 400, "desk_name": 60, "desk_hours": 60,
	"desk_phone": 30, "desk_email": 100, "desk_address": 120}

// requiredFacts are what a notice to individuals must say (APPI 規則10条:
// 概要, the items, the cause, the secondary damage, where to ask).
var requiredFacts = []string{"title", "what", "leaked", "cause", "risk", "desk_name", "desk_phone"}

// validate trims the facts and reports each bad one as "facts.NAME".
func (f *Facts) validate(p shop.Problems) {
	for _, name := range FactFields {
		v := f.Field(name)
		*v = strings.TrimSpace(strings.ReplaceAll(*v, "\r\n", "\n"))
		field := "facts." + name
		switch {
		case *v == "" && slices.Contains(requiredFacts, name):
			p.Add(field, shop.ReasonRequired)
		case utf8.RuneCountInString(*v) > factLimits[name]:
			p.Add(field, shop.ReasonLength)
		case !utf8.ValidString(*v) || strings.ContainsFunc(*v, func(r rune) bool { return shop.Disallowed(r, name != "title") }):
			p.Add(field, shop.ReasonFormat)
		case cardLike(*v):
			p.Add(field, ReasonCardNumber)
		}
	}
}

// ReasonCardNumber refuses text holding what looks like a whole card
// number (13 to 19 digits passing the Luhn check): no notice, letter or
// label ever carries one.
const ReasonCardNumber = "card_number"

// defaultFacts drafts the facts from the incident, its scope and the
// shop's settings, in the words of the 2020 notice.
func defaultFacts(inc Incident, sc Scope, st settings.Settings) Facts {
	period := ""
	if !sc.Query.From.IsZero() && !sc.Query.To.IsZero() {
		// To is exclusive: the last day of the window is the day before.
		period = fmt.Sprintf("%sから%sまでの期間に", japaneseDate(sc.Query.From), japaneseDate(sc.Query.To.Add(-time.Second)))
	}
	card := inc.Category == CardData || slices.Contains(sc.Query.Methods, string(order.Card))
	what := fmt.Sprintf("%s、弊社が運営する「%s」におきまして、第三者による不正アクセスを受け、%s当サイトでご注文いただいたお客様の個人情報が漏えいした可能性があることが判明いたしました。",
		japaneseDate(inc.DiscoveredAt), st.ShopName, period)
	f := Facts{
		Title:    "不正アクセスによる個人情報漏えいに関するお詫びとお知らせ",
		What:     what,
		Leaked:   "氏名、住所、電話番号、メールアドレス、ご注文内容",
		Cause:    "弊社が運営するサイトのシステムの一部の脆弱性をついた、第三者による不正アクセス",
		Risk:     "漏えいした可能性のある情報が第三者により不正に利用されるおそれがございます。",
		Request:  "不審なメールや電話などにご注意くださいますよう、お願い申し上げます。",
		Measures: "弊社では今回の事態を厳粛に受け止め、調査結果を踏まえてシステムのセキュリティ対策および監視体制の強化を行い、再発防止に努めてまいります。",

		DeskName:    fmt.Sprintf("「%s」お客様相談窓口", st.ShopName),
		DeskHours:   inquiry.DeskHours(st.Desk, "ja"),
		DeskPhone:   st.DeskPhone(),
		DeskEmail:   st.Email,
		DeskAddress: strings.TrimSpace("〒" + st.PostalCode + " " + st.Address),
	}
	if card {
		f.Title = "不正アクセスによるクレジットカード情報漏えいに関するお詫びとお知らせ"
		f.What = fmt.Sprintf("%s、弊社が運営する「%s」におきまして、第三者による不正アクセスを受け、%s当サイトでクレジットカード決済をご利用いただいたお客様のクレジットカード情報が漏えいした可能性があることが判明いたしました。",
			japaneseDate(inc.DiscoveredAt), st.ShopName, period)
		f.Leaked = "カード名義人名、クレジットカード番号、有効期限、セキュリティコード"
		f.Risk = "漏えいした可能性のあるクレジットカード情報が、第三者により不正に利用されるおそれがございます。弊社ではクレジットカード会社と連携し、該当するカードによる取引のモニタリングを継続して実施しております。"
		f.Request = "誠に恐縮ではございますが、クレジットカードのご利用明細書に身に覚えのない請求がないか、今一度ご確認をお願いいたします。万が一、身に覚えのない請求がございました場合は、たいへんお手数ですが、同クレジットカードの裏面に記載のカード会社にお問い合わせくださいますよう、併せてお願い申し上げます。"
		f.ReissueFee = "なお、お客様がクレジットカードの差し替え（再発行）をご希望される場合、再発行の手数料につきましてはお客様のご負担とならないよう、弊社よりクレジットカード会社に依頼しております。"
	}
	return f
}

// NoticeData is what the e-mail template may use: {{.Name}},
// {{range .Orders}}{{.Number}}{{end}} and so on. Every field is text,
// already formatted for a Japanese reader.
type NoticeData struct {
	Name   string // the customer's name, without 様
	Email  string
	Orders []NoticeOrder
	Date   string // the notice's date: 2020年11月10日

	ShopName       string
	Company        string
	Representative string
	ShopAddress    string // 〒 postcode and address
	ShopPhone      string
	ShopEmail      string

	Title, What, Leaked, Cause, Risk, Request, ReissueFee, Measures string

	DeskName, DeskHours, DeskPhone, DeskEmail, DeskAddress string
}

// NoticeOrder is one affected order as the notice names it.
type NoticeOrder struct {
	Number string
	Date   string // the day it was placed, in Japan: 2020年1月2日
	Method string // クレジットカード, 銀行振込, …
	Brand  string // VISA, Mastercard, …; empty for other methods
	Last4  string // the card's last four digits; empty for other methods
	Card   string // "VISA（カード番号末尾 4242）", or the method for other payments
	Total  string // ¥12,100
}

// Placeholders lists the names the subject and body may use, for the
// admin's help and for validation; OrderPlaceholders those inside
// {{range .Orders}}.
var (
	Placeholders      = fieldNames(reflect.TypeFor[NoticeData]())
	OrderPlaceholders = fieldNames(reflect.TypeFor[NoticeOrder]())
)

func fieldNames(t reflect.Type) []string {
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Name
	}
	return out
}

// noticeData fills the template's data for one person.
func noticeData(c Customer, f Facts, st settings.Settings, date time.Time) NoticeData {
	d := NoticeData{
		Name: c.Name, Email: c.Email, Date: japaneseDate(date),
		ShopName: st.ShopName, Company: st.Company, Representative: st.Responsible,
		ShopAddress: strings.TrimSpace("〒" + st.PostalCode + " " + st.Address),
		ShopPhone:   st.Phone, ShopEmail: st.Email,
		Title: f.Title, What: f.What, Leaked: f.Leaked, Cause: f.Cause, Risk: f.Risk, Request: f.Request,
		ReissueFee: f.ReissueFee, Measures: f.Measures,
		DeskName: f.DeskName, DeskHours: f.DeskHours, DeskPhone: f.DeskPhone, DeskEmail: f.DeskEmail,
		DeskAddress: f.DeskAddress,
	}
	for _, o := range c.Orders {
		d.Orders = append(d.Orders, noticeOrder(o))
	}
	return d
}

func noticeOrder(o AffectedOrder) NoticeOrder {
	n := NoticeOrder{Number: o.Number, Date: japaneseDate(o.PlacedAt),
		Method: order.PaymentLabel(order.PaymentMethod(o.Method)), Total: o.Total.String()}
	if o.Last4 != "" {
		n.Brand, n.Last4 = brandName(o.Brand), o.Last4
		n.Card = fmt.Sprintf("%s（カード番号末尾 %s）", n.Brand, o.Last4)
		if n.Brand == "" {
			n.Card = fmt.Sprintf("クレジットカード（カード番号末尾 %s）", o.Last4)
		}
	} else {
		n.Card = n.Method
	}
	return n
}

// brandName is a card brand as printed on the card.
func brandName(brand string) string {
	switch strings.ToLower(brand) {
	case "visa":
		return "VISA"
	case "mastercard":
		return "Mastercard"
	case "jcb":
		return "JCB"
	case "amex":
		return "American Express"
	case "diners":
		return "Diners Club"
	case "discover":
		return "Discover"
	}
	return brand
}

// japaneseDate writes t's day in Japan as 2020年11月10日.
func japaneseDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	j := t.In(shop.JST)
	return fmt.Sprintf("%d年%d月%d日", j.Year(), int(j.Month()), j.Day())
}

// Template limits, in characters.
const (
	maxSubject = 200
	maxBody    = 20000
)

// ReasonPlaceholder refuses a template that uses a placeholder the notice
// does not have ({{.Nmae}}).
const ReasonPlaceholder = "placeholder"

// TemplateError is an e-mail template that cannot be saved: for each
// field (subject, body), what is wrong with it. It unwraps to a
// shop.Invalid error naming the fields, so the edges treat it as any bad
// input; the admin also shows Detail.
type TemplateError struct {
	Problems map[string]TemplateProblem
}

// TemplateProblem is what is wrong with one field of a template.
type TemplateProblem struct {
	Reason string // ReasonPlaceholder, shop.ReasonFormat (syntax), shop.ReasonRequired, …
	Detail string // the unknown placeholder ("{{.Nmae}}") or the parser's message
}

func (e *TemplateError) Error() string {
	keys := make([]string, 0, len(e.Problems))
	for k := range e.Problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		p := e.Problems[k]
		parts = append(parts, fmt.Sprintf("%s: %s %s", k, p.Reason, p.Detail))
	}
	return "invalid notice template (" + strings.Join(parts, "; ") + ")"
}

// Unwrap returns the shop.Invalid error the edges map to a status.
func (e *TemplateError) Unwrap() error {
	f := map[string]string{}
	for k, p := range e.Problems {
		f[k] = p.Reason
	}
	return &shop.Error{Code: shop.Invalid, Message: e.Error(), Fields: f}
}

// noticeTemplate is a parsed subject and body.
type noticeTemplate struct {
	subject, body *template.Template
}

// parseNotice parses and checks the subject and body: the syntax, every
// placeholder against NoticeData's and NoticeOrder's fields, and a trial
// rendering for a sample person with two orders, which catches a field
// used where it does not exist ({{.Number}} outside the orders' range).
func parseNotice(subject, body string) (noticeTemplate, error) {
	e := &TemplateError{Problems: map[string]TemplateProblem{}}
	var t noticeTemplate
	for _, f := range []struct {
		name string
		text string
		max  int
		dst  **template.Template
	}{{"subject", subject, maxSubject, &t.subject}, {"body", body, maxBody, &t.body}} {
		switch {
		case strings.TrimSpace(f.text) == "":
			e.Problems[f.name] = TemplateProblem{Reason: shop.ReasonRequired}
			continue
		case utf8.RuneCountInString(f.text) > f.max:
			e.Problems[f.name] = TemplateProblem{Reason: shop.ReasonLength}
			continue
		case !utf8.ValidString(f.text) || strings.ContainsFunc(f.text, func(r rune) bool { return shop.Disallowed(r, f.name == "body") }):
			e.Problems[f.name] = TemplateProblem{Reason: shop.ReasonFormat}
			continue
		}
		tmpl, err := template.New(f.name).Option("missingkey=error").Parse(f.text)
		if err != nil {
			e.Problems[f.name] = TemplateProblem{Reason: shop.ReasonFormat, Detail: templateMessage(err)}
			continue
		}
		if bad := unknownPlaceholder(tmpl.Tree.Root); bad != "" {
			e.Problems[f.name] = TemplateProblem{Reason: ReasonPlaceholder, Detail: "{{." + bad + "}}"}
			continue
		}
		*f.dst = tmpl
	}
	if len(e.Problems) > 0 {
		return noticeTemplate{}, e
	}
	sample := noticeData(sampleCustomer, Facts{Title: "件名", What: "概要", Leaked: "項目", Cause: "原因",
		Risk: "おそれ", DeskName: "窓口", DeskPhone: "0120-000-000"}, settings.Default(), time.Unix(0, 0))
	for name, tmpl := range map[string]*template.Template{"subject": t.subject, "body": t.body} {
		if err := tmpl.Execute(&bytes.Buffer{}, sample); err != nil {
			e.Problems[name] = TemplateProblem{Reason: ReasonPlaceholder, Detail: templateMessage(err)}
		}
	}
	if len(e.Problems) > 0 {
		return noticeTemplate{}, e
	}
	return t, nil
}

// sampleCustomer is whom a template is tried on when it is saved.
var sampleCustomer = Customer{Key: "sample@example.jp", Email: "sample@example.jp", Name: "見本 花子",
	PostalCode: "1000001", Prefecture: "東京都", City: "千代田区", Line1: "千代田1-1", Line2: "楓ハイツ101",
	Orders: []AffectedOrder{
		{Number: "K-10001", PlacedAt: time.Date(2020, 1, 2, 3, 0, 0, 0, time.UTC), Total: 12100, Method: "card", Brand: "visa", Last4: "4242"},
		{Number: "K-10002", PlacedAt: time.Date(2020, 2, 3, 3, 0, 0, 0, time.UTC), Total: 5500, Method: "card", Brand: "jcb", Last4: "0000"},
	}}

// templateMessage is the part of a template error staff can act on,
// without the template's internal name.
func templateMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "template: ") && i >= 0 {
		msg = msg[i+2:]
	}
	if len(msg) > 300 {
		msg = strings.ToValidUTF8(msg[:300], "")
	}
	return msg
}

// unknownPlaceholder returns the first field name in the tree that is
// neither NoticeData's nor NoticeOrder's, or "".
func unknownPlaceholder(n parse.Node) string {
	known := func(name string) bool {
		return slices.Contains(Placeholders, name) || slices.Contains(OrderPlaceholders, name)
	}
	var bad string
	var visit func(parse.Node)
	check := func(idents []string) {
		for _, id := range idents {
			if bad == "" && !known(id) {
				bad = id
			}
		}
	}
	visit = func(n parse.Node) {
		if n == nil || bad != "" || reflect.ValueOf(n).IsNil() {
			return
		}
		switch x := n.(type) {
		case *parse.ListNode:
			for _, c := range x.Nodes {
				visit(c)
			}
		case *parse.ActionNode:
			visit(x.Pipe)
		case *parse.PipeNode:
			for _, c := range x.Cmds {
				visit(c)
			}
		case *parse.CommandNode:
			for _, a := range x.Args {
				visit(a)
			}
		case *parse.FieldNode:
			check(x.Ident)
		case *parse.ChainNode:
			visit(x.Node)
			check(x.Field)
		case *parse.VariableNode:
			if len(x.Ident) > 1 {
				check(x.Ident[1:])
			}
		case *parse.IfNode:
			visit(x.Pipe)
			visit(x.List)
			visit(x.ElseList)
		case *parse.RangeNode:
			visit(x.Pipe)
			visit(x.List)
			visit(x.ElseList)
		case *parse.WithNode:
			visit(x.Pipe)
			visit(x.List)
			visit(x.ElseList)
		case *parse.TemplateNode:
			visit(x.Pipe)
		}
	}
	visit(n)
	return bad
}

// errCardLike refuses a rendered notice that holds a card number.
var errCardLike = errors.New("the text holds what looks like a card number")

// render writes the notice for one person: subject and body.
func (t noticeTemplate) render(d NoticeData) (subject, body string, err error) {
	var s, b bytes.Buffer
	if err := t.subject.Execute(&s, d); err != nil {
		return "", "", fmt.Errorf("render notice subject: %w", err)
	}
	if err := t.body.Execute(&b, d); err != nil {
		return "", "", fmt.Errorf("render notice body: %w", err)
	}
	// A subject is one line: the person's data cannot break it.
	subject = strings.Join(strings.Fields(s.String()), " ")
	body = strings.TrimSpace(b.String()) + "\n"
	if cardLike(subject) || cardLike(body) {
		return "", "", errCardLike
	}
	return subject, body, nil
}

// cardLike reports whether s holds what looks like a whole card number,
// as shop.MaskCardNumbers finds them (13 to 19 digits passing the Luhn
// check, whole or in groups).
func cardLike(s string) bool {
	_, n := shop.MaskCardNumbers(s)
	return n > 0
}
