package checkout

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"

	"kaede/internal/mail"
	"kaede/internal/mailtext"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
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
//
// templates/order_confirmation.LOCALE.txt: the subject line, a blank
// line, the body; the shop may word them its own way (internal/mailtext).
//
//go:embed templates/*.txt
var templateFiles embed.FS

var mailTemplates = template.Must(template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.txt"))

// confirmation renders the order-confirmation e-mail in the order's
// language, in the shop's own wording where it has one. Guests get a link
// with the access token; members see their orders after logging in, so
// their mail carries no token.
func (s *Service) confirmation(ctx context.Context, o *order.Order, q *Quote, st settings.Settings, token string) (mail.Message, error) {
	day := tokyoDate(o.CreatedAt)
	data := confirmationData{Order: o, Quote: q, Shop: st, Date: jaDate(day)}
	if o.MemberID == 0 {
		data.Link = s.baseURL + "/orders/" + o.Number + "?token=" + token
	}
	locale := "ja"
	if o.Locale == "en" {
		locale, data.Date = "en", day.Format("2 January 2006")
	}
	out, err := s.texts.Render(ctx, mailTemplates, "order_confirmation", locale, data)
	if err != nil {
		return mail.Message{}, fmt.Errorf("order %s: render confirmation: %w", o.Number, err)
	}
	subject, body, ok := strings.Cut(out, "\n\n")
	if !ok || strings.TrimSpace(subject) == "" {
		return mail.Message{}, fmt.Errorf("order %s: render confirmation: no subject line", o.Number)
	}
	return mail.Message{Kind: "order_confirmation", To: o.Email, OrderID: o.ID, Subject: strings.TrimSpace(subject), Body: body}, nil
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

// MailTemplates are the embedded e-mail templates, for the release
// manifest.
func MailTemplates() fs.FS { return templateFiles }

// UseTexts sends the confirmation in the shop's own wording where it has
// one (internal/mailtext).
func (s *Service) UseTexts(t *mailtext.Service) { s.texts = t }

// MailKinds is the order confirmation, whose wording the shop may change.
// Its preview uses the sample: the confirmation shows the quote of the
// checkout that placed the order, which is not kept.
func MailKinds() []mailtext.Kind {
	st := settings.Default()
	o := &order.Order{Number: "K20261125-0007", Email: "hanako@example.jp", PaymentMethod: order.BankTransfer,
		Address: shop.Address{Name: "山田 花子", NameKana: "ヤマダ ハナコ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Line2: "楓ハイツ101", Phone: "03-1234-5678"},
		Lines: []order.Line{{SKU: "N-018", Name: "はり 0.18mm 100本入", NameEn: "Needles 0.18 mm, 100", TaxRate: 10,
			UnitPrice: 1980, Quantity: 2, LineTotal: 3960}},
		Subtotal: 3960, ShippingFee: 660, Total: 4620, InvoiceNumber: "T1234567890123",
		Taxes: []shop.TaxSummary{{Rate: 10, Taxable: 4200, Tax: 420}}}
	q := &Quote{PaymentTime: "ご注文日から7日以内にお振込みください。", DeliveryTime: "ご入金確認後、2営業日以内に発送いたします。",
		BankAccount: &settings.BankAccount{Bank: "楓銀行", Branch: "本店", Type: "普通", Number: "1234567", HolderKana: "カ）カエデ"}}
	sample := confirmationData{Order: o, Quote: q, Shop: st, Link: "https://shop.example.jp/orders/K20261125-0007?token=sample", Date: "2026年11月25日"}
	return []mailtext.Kind{{Key: "order_confirmation", Label: "ご注文確認", LabelEn: "Order confirmation",
		Locales: []string{"ja", "en"}, Files: templateFiles, Base: mailTemplates, Sample: sample}}
}
