package member

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"

	kmail "kaede/internal/mail"
	"kaede/internal/settings"
)

// templates/KIND.LOCALE.txt: the first line is the subject, then a blank
// line, then the plain-text body.
//
//go:embed templates/*.txt
var templateFiles embed.FS

var mailTemplates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFiles, "templates/*.txt"))

// mailData is what the templates may use. It never holds a password.
type mailData struct {
	Name string // the member's name
	Link string // a one-time link, when the message has one

	LicenceType   string // the licence's label in the message's language
	LicenceNumber string
	Note          string // the reviewer's note to the member, may be empty

	// Filled in by send from the shop's settings.
	ShopName  string
	ShopEmail string
	ShopPhone string
	BaseURL   string
}

// render returns the subject and body of the kind's message in the locale.
func render(kind, locale string, data mailData) (subject, body string, err error) {
	var buf bytes.Buffer
	if err := mailTemplates.ExecuteTemplate(&buf, kind+"."+locale+".txt", data); err != nil {
		return "", "", fmt.Errorf("render %s mail: %w", kind, err)
	}
	subject, body, ok := strings.Cut(buf.String(), "\n\n")
	if !ok || strings.TrimSpace(subject) == "" {
		return "", "", fmt.Errorf("render %s mail: template has no subject line", kind)
	}
	return strings.TrimSpace(subject), strings.TrimSpace(body) + "\n", nil
}

// send renders the message and puts it in the outbox inside tx, so that it
// goes out only if the change that caused it commits.
func (s *Service) send(ctx context.Context, tx *sql.Tx, to, locale, kind string, data mailData) error {
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	data.ShopName, data.ShopEmail, data.ShopPhone, data.BaseURL = st.ShopName, st.Email, st.Phone, s.baseURL
	if locale == "en" && st.ShopNameEn != "" {
		data.ShopName = st.ShopNameEn
	}
	subject, body, err := render(kind, locale, data)
	if err != nil {
		return err
	}
	if _, err := s.mail.Enqueue(ctx, tx, kmail.Message{Kind: kind, To: to, Subject: subject, Body: body}); err != nil {
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	return nil
}

// MailTemplates are the embedded e-mail templates, for the release
// manifest.
func MailTemplates() fs.FS { return templateFiles }
