package checkout

import (
	"fmt"
	"strings"
	"text/template"

	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/settings"
)

// confirmationData is what the confirmation templates show.
type confirmationData struct {
	Order *order.Order
	Quote *Quote
	Shop  settings.Settings
	Link  string // guests only: the order page with the access token
	Date  string // the order's day in Tokyo, in the mail's language
}

var funcs = template.FuncMap{"yen": yen, "fee": order.FeeLabel}

// The confirmation e-mail doubles as the simplified qualified invoice:
// seller, registration number, date, items with reduced-rate items marked,
// and the total and tax per rate.
var confirmationJa = template.Must(template.New("ja").Funcs(funcs).Parse(
	`{{.Order.Address.Name}} 様

このたびは{{.Shop.ShopName}}をご利用いただき、誠にありがとうございます。
以下の内容でご注文を承りました。

■ご注文番号：{{.Order.Number}}
■ご注文日：{{.Date}}

■ご注文内容
{{range .Order.Lines}}{{.Name}}{{if eq .TaxRate 8}} ※{{end}}
  {{yen .UnitPrice}} × {{.Quantity}} = {{yen .LineTotal}}
{{end}}
小計：{{yen .Order.Subtotal}}
送料：{{yen .Order.ShippingFee}}
{{if .Order.CODFee}}{{fee .Order.PaymentMethod false}}：{{yen .Order.CODFee}}
{{end}}合計（税込）：{{yen .Order.Total}}
{{range .Order.Taxes}}  {{.Rate}}%対象 {{yen .Total}}（うち消費税 {{yen .Tax}}）
{{end}}{{if .HasReduced}}※は軽減税率（8%）対象商品です。
{{end}}適格請求書発行事業者登録番号：{{.Order.InvoiceNumber}}（{{.Shop.Company}}）

■お支払い方法
{{.Quote.PaymentTime}}
{{with .Quote.BankAccount}}振込先：{{.Bank}} {{.Branch}} {{.Type}} {{.Number}} {{.HolderKana}}
{{end}}
■お届け先
〒{{.Order.Address.PostalCode}} {{.Order.Address.PrefectureName}}{{.Order.Address.City}}{{.Order.Address.Line1}}{{with .Order.Address.Line2}} {{.}}{{end}}
{{.Order.Address.Name}} 様（{{.Order.Address.Phone}}）

■お届け予定
{{.Quote.DeliveryTime}}

■キャンセル・返品について
{{.Shop.ReturnPolicy}}
{{if .Link}}
ご注文内容は次のページからご確認いただけます（このメールの受信者のみがご覧いただけるリンクです）。
{{.Link}}
{{else}}
ご注文内容はマイページの注文履歴からご確認いただけます。
{{end}}
ご不明な点がございましたら、お気軽にお問い合わせくださいませ。
今後とも{{.Shop.ShopName}}をよろしくお願い申し上げます。

{{.Shop.ShopName}}（{{.Shop.Company}}）
{{.Shop.Address}}
TEL {{.Shop.Phone}} / {{.Shop.Email}}
`))

var confirmationEn = template.Must(template.New("en").Funcs(funcs).Parse(
	`Dear {{.Order.Address.Name}},

Thank you for shopping at {{.Shop.ShopNameEn}}. We have received your order.

Order number: {{.Order.Number}}
Order date: {{.Date}}

Items
{{range .Order.Lines}}{{if .NameEn}}{{.NameEn}}{{else}}{{.Name}}{{end}}{{if eq .TaxRate 8}} *{{end}}
  {{yen .UnitPrice}} x {{.Quantity}} = {{yen .LineTotal}}
{{end}}
Subtotal: {{yen .Order.Subtotal}}
Shipping: {{yen .Order.ShippingFee}}
{{if .Order.CODFee}}{{fee .Order.PaymentMethod true}}: {{yen .Order.CODFee}}
{{end}}Total (tax included): {{yen .Order.Total}}
{{range .Order.Taxes}}  {{.Rate}}% items {{yen .Total}} (consumption tax {{yen .Tax}})
{{end}}{{if .HasReduced}}* reduced tax rate (8%)
{{end}}Qualified invoice registration number: {{.Order.InvoiceNumber}} ({{.Shop.Company}})

Payment
{{.Quote.PaymentTime}}
{{with .Quote.BankAccount}}Pay to: {{.Bank}} {{.Branch}} {{.Type}} {{.Number}} {{.HolderKana}}
{{end}}
Delivery address
〒{{.Order.Address.PostalCode}} {{.Order.Address.PrefectureName}}{{.Order.Address.City}}{{.Order.Address.Line1}}{{with .Order.Address.Line2}} {{.}}{{end}}
{{.Order.Address.Name}} ({{.Order.Address.Phone}})

Delivery
{{.Quote.DeliveryTime}}

Cancellation and returns
{{.Shop.ReturnPolicy}}
{{if .Link}}
You can see your order here (the link is for you only):
{{.Link}}
{{else}}
You can see your order in your account's order history.
{{end}}
{{.Shop.ShopNameEn}} ({{.Shop.Company}})
{{.Shop.Address}}
TEL {{.Shop.Phone}} / {{.Shop.Email}}
`))

// confirmation renders the order-confirmation e-mail in the order's
// language. Guests get a link with the access token; members see their
// orders after logging in, so their mail carries no token.
func (s *Service) confirmation(o *order.Order, q *Quote, st settings.Settings, token string) (mail.Message, error) {
	day := tokyoDate(o.CreatedAt)
	data := confirmationData{Order: o, Quote: q, Shop: st, Date: jaDate(day)}
	if o.MemberID == 0 {
		data.Link = s.baseURL + "/orders/" + o.Number + "?token=" + token
	}
	m := mail.Message{Kind: "order_confirmation", To: o.Email, OrderID: o.ID}
	t := confirmationJa
	m.Subject = fmt.Sprintf("【%s】ご注文ありがとうございます（注文番号 %s）", st.ShopName, o.Number)
	if o.Locale == "en" {
		t = confirmationEn
		data.Date = day.Format("2 January 2006")
		m.Subject = fmt.Sprintf("[%s] Thank you for your order (%s)", st.ShopNameEn, o.Number)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return mail.Message{}, fmt.Errorf("order %s: render confirmation: %w", o.Number, err)
	}
	m.Body = b.String()
	return m, nil
}

// HasReduced reports whether a line is taxed at the reduced rate, which
// the invoice must then explain.
func (d confirmationData) HasReduced() bool {
	for _, l := range d.Order.Lines {
		if l.TaxRate == 8 {
			return true
		}
	}
	return false
}
