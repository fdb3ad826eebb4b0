package inquiry

import (
	"bytes"
	"context"
	"database/sql"
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
// line, then the plain-text body (the layout of the member and order
// packages' e-mails).
//
//go:embed templates/*.txt
var templateFiles embed.FS

var mailTemplates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFiles, "templates/*.txt"))

// MailTemplates are the embedded e-mail templates, for the release
// manifest.
func MailTemplates() fs.FS { return templateFiles }

// mailData is what the e-mails may use. It holds nothing the customer did
// not see on the form's confirmation but the shop's own words: the
// acknowledgement repeats neither the subject nor the message, so that the
// form cannot be used to send someone else a text of one's choosing.
type mailData struct {
	Name        string
	Number      string
	Topic       string
	OrderNumber string
	Due         string // the first-reply deadline, in the customer's language
	Text        string // a reply's text

	ShopName  string
	ShopEmail string
	DeskPhone string
	DeskHours string
}

// newMailData fills the shop's part of the e-mails for a ticket.
func newMailData(t *Ticket, st settings.Settings) mailData {
	d := mailData{Name: t.Name, Number: t.Number, Topic: t.Topic.Label(t.Locale), OrderNumber: t.OrderNumber,
		Due: formatDue(t.DueAt, t.Locale), ShopName: st.ShopName, ShopEmail: st.Email,
		DeskPhone: st.DeskPhone(), DeskHours: DeskHours(st.Desk, t.Locale)}
	if t.Locale == "en" && st.ShopNameEn != "" {
		d.ShopName = st.ShopNameEn
	}
	return d
}

// DeskHours describes the desk's hours in locale: "平日10:00〜17:00（土日祝・
// 年末年始を除く）".
func DeskHours(d settings.Desk, locale string) string {
	if locale == "en" {
		return fmt.Sprintf("weekdays %d:00-%d:00 JST, except national holidays and 29 Dec-3 Jan", d.OpenHour, d.CloseHour)
	}
	return fmt.Sprintf("平日%d:00〜%d:00（土日祝・年末年始を除く）", d.OpenHour, d.CloseHour)
}

var weekdaysJa = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// formatDue writes a deadline in Japan time as a reader of locale expects
// it: "2026年11月26日（木）12:00".
func formatDue(t time.Time, locale string) string {
	j := t.In(shop.JST)
	if locale == "en" {
		return j.Format("Monday 2 January 2006, 15:04 (JST)")
	}
	return fmt.Sprintf("%d年%d月%d日（%s）%s", j.Year(), int(j.Month()), j.Day(), weekdaysJa[j.Weekday()], j.Format("15:04"))
}

// send renders the e-mail kind for the ticket in its language and queues
// it inside tx, so that it goes out only if what it reports commits. It
// returns the outbox id.
func (s *Service) send(ctx context.Context, tx *sql.Tx, t *Ticket, kind string, d mailData) (int64, error) {
	locale := "ja"
	if t.Locale == "en" {
		locale = "en"
	}
	var buf bytes.Buffer
	if err := mailTemplates.ExecuteTemplate(&buf, kind+"."+locale+".txt", d); err != nil {
		return 0, fmt.Errorf("render inquiry %s mail: %w", kind, err)
	}
	subject, body, ok := strings.Cut(buf.String(), "\n\n")
	if !ok || strings.TrimSpace(subject) == "" {
		return 0, fmt.Errorf("render inquiry %s mail: template has no subject line", kind)
	}
	id, err := s.mail.Enqueue(ctx, tx, mail.Message{Kind: "inquiry_" + kind, To: t.Email,
		Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(body) + "\n"})
	if err != nil {
		return 0, fmt.Errorf("send inquiry %s mail for %s: %w", kind, t.Number, err)
	}
	return id, nil
}
