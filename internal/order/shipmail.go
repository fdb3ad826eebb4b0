package order

import (
	"context"
	"embed"
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

// shippedData is what the shipping notice may use: what every notice of
// the order shows, and the parcel.
type shippedData struct {
	noticeData
	ShippedDate    string // in the message's language, in Tokyo
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	Slot           string // the requested delivery date and time, or ""
	COD            bool   // cash on delivery: the driver collects Total
}

type mailLine struct {
	Name     string
	Quantity int
}

// shippedMail renders the shipping notice for the order in its language.
func (s *Service) shippedMail(ctx context.Context, o *Order, sh Shipment, st settings.Settings) (mail.Message, error) {
	locale := localeOf(o)
	d := shippedData{
		noticeData:     newNotice(o, st, locale),
		ShippedDate:    formatDate(sh.ShippedAt, locale),
		Carrier:        sh.DisplayCarrier(locale),
		TrackingNumber: sh.TrackingNumber,
		TrackingURL:    sh.TrackingURL(locale),
		Slot:           deliveryWish(o, locale),
		COD:            o.PaymentMethod == COD,
	}
	return s.renderNotice(ctx, "order_shipped", locale, o.Email, o.ID, d)
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
