package order

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
	"time"

	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// templates/KIND.LOCALE.txt: the first line is the subject, then a blank
// line, then the plain-text body (the same layout as the member package's).
//
//go:embed templates/*.txt
var templateFiles embed.FS

var mailTemplates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFiles, "templates/*.txt"))

// shippedData is what the shipping notice may use.
type shippedData struct {
	Name           string // the recipient on the order
	Number         string
	ShippedDate    string // in the message's language, in Tokyo
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	Slot           string // the requested delivery date and time, or ""
	Lines          []mailLine
	COD            bool   // cash on delivery: the driver collects Total
	Total          string // ¥1,234

	ShopName  string
	ShopEmail string
	ShopPhone string
}

type mailLine struct {
	Name     string
	Quantity int
}

// shippedMail renders the shipping notice for the order in its language.
func shippedMail(o *Order, sh Shipment, st settings.Settings) (mail.Message, error) {
	locale := "ja"
	if o.Locale == "en" {
		locale = "en"
	}
	d := shippedData{
		Name:           o.Address.Name,
		Number:         o.Number,
		ShippedDate:    formatDate(sh.ShippedAt, locale),
		Carrier:        sh.DisplayCarrier(locale),
		TrackingNumber: sh.TrackingNumber,
		TrackingURL:    sh.TrackingURL(locale),
		Slot:           deliveryWish(o, locale),
		COD:            o.PaymentMethod == COD,
		Total:          o.Total.String(),
		ShopName:       st.ShopName,
		ShopEmail:      st.Email,
		ShopPhone:      st.Phone,
	}
	if locale == "en" && st.ShopNameEn != "" {
		d.ShopName = st.ShopNameEn
	}
	for _, l := range o.Lines {
		name := l.Name
		if locale == "en" && l.NameEn != "" {
			name = l.NameEn
		}
		d.Lines = append(d.Lines, mailLine{Name: name, Quantity: l.Quantity})
	}
	var buf bytes.Buffer
	if err := mailTemplates.ExecuteTemplate(&buf, "order_shipped."+locale+".txt", d); err != nil {
		return mail.Message{}, fmt.Errorf("render shipping mail: %w", err)
	}
	subject, body, ok := strings.Cut(buf.String(), "\n\n")
	if !ok || strings.TrimSpace(subject) == "" {
		return mail.Message{}, fmt.Errorf("render shipping mail: template has no subject line")
	}
	return mail.Message{Kind: "order_shipped", To: o.Email, OrderID: o.ID,
		Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(body) + "\n"}, nil
}

// formatDate writes the day of t in Tokyo, as a Japanese or an English
// reader expects it.
func formatDate(t time.Time, locale string) string {
	t = t.In(shop.JST)
	if locale == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("2006年1月2日")
}

// deliveryWish is the customer's requested delivery date and time slot,
// or "" when they left both to the shop.
func deliveryWish(o *Order, locale string) string {
	var parts []string
	if d, err := time.ParseInLocation("2006-01-02", o.DeliveryDate, shop.JST); err == nil {
		parts = append(parts, formatDate(d, locale))
	}
	if o.DeliverySlot != "" {
		parts = append(parts, o.DeliverySlot)
	}
	return strings.Join(parts, " ")
}

// MailTemplates are the embedded e-mail templates, for the release
// manifest.
func MailTemplates() fs.FS { return templateFiles }
