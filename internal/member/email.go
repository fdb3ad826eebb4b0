package member

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"

	kmail "kaede/internal/mail"
	"kaede/internal/mailtext"
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

// render returns the subject and body of the kind's message in the
// locale, in the shop's own wording of it where it has one (mailtext).
func (s *Service) render(ctx context.Context, kind, locale string, data mailData) (subject, body string, err error) {
	out, err := s.texts.Render(ctx, mailTemplates, kind, locale, data)
	if err != nil {
		return "", "", fmt.Errorf("render %s mail: %w", kind, err)
	}
	subject, body, ok := strings.Cut(out, "\n\n")
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
	subject, body, err := s.render(ctx, kind, locale, data)
	if err != nil {
		return err
	}
	if _, err := s.mail.Enqueue(ctx, tx, kmail.Message{Kind: kind, To: to, Subject: subject, Body: body}); err != nil {
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	return nil
}

// UseTexts sends the account mails in the shop's own wording where it has
// one (internal/mailtext).
func (s *Service) UseTexts(t *mailtext.Service) { s.texts = t }

// MailKinds are the account and licence mails whose wording the shop may
// change. The preview shows them with the sample: they carry one-time
// links, and a real member's must never be shown again.
func MailKinds() []mailtext.Kind {
	sample := mailData{Name: "山田 花子", Link: "https://shop.example.jp/account/verify?token=sample",
		LicenceType: "はり師", LicenceNumber: "第123456号", Note: "免許証の写しが不鮮明でした。",
		ShopName: "楓", ShopEmail: "info@example.jp", ShopPhone: "03-0000-0000", BaseURL: "https://shop.example.jp"}
	var kinds []mailtext.Kind
	for _, k := range []struct{ key, label, labelEn string }{
		{"verify_email", "メールアドレスの確認", "E-mail verification"},
		{"account_exists", "登録済みのお知らせ", "Account already exists"},
		{"password_reset", "パスワード再設定", "Password reset"},
		{"password_changed", "パスワード変更完了", "Password changed"},
		{"email_change", "メールアドレス変更の確認", "E-mail change"},
		{"email_change_taken", "変更先が登録済み", "E-mail change: address taken"},
		{"email_changed", "メールアドレス変更完了", "E-mail changed"},
		{"licence_approved", "免許確認完了", "Licence approved"},
		{"licence_rejected", "免許確認できず", "Licence not approved"},
	} {
		kinds = append(kinds, mailtext.Kind{Key: k.key, Label: k.label, LabelEn: k.labelEn, Locales: []string{"ja", "en"},
			Files: templateFiles, Base: mailTemplates, Sample: sample})
	}
	return kinds
}

// MailTemplates are the embedded e-mail templates, for the release
// manifest.
func MailTemplates() fs.FS { return templateFiles }
