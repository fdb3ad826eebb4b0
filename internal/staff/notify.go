package staff

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

	kmail "kaede/internal/mail"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// templates/KIND.txt: the first line is the subject, then a blank line,
// then the body, Japanese first and English after it: staff accounts have
// no language setting, and the notices must be understood at once.
//
//go:embed templates/*.txt
var templateFiles embed.FS

var mailTemplates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFiles, "templates/*.txt"))

// notice is what the templates may use. It never holds a secret.
type notice struct {
	Email     string
	IP        string
	UserAgent string
	At        time.Time
	Until     time.Time

	ShopName  string
	ShopEmail string
}

// JST formats t for the Japanese text.
func (notice) JST(t time.Time) string { return t.In(shop.JST).Format("2006年1月2日 15:04") }

// UTC formats t for the English text.
func (notice) UTC(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 MST") }

// send renders the notice and writes it to the outbox inside tx, so that
// it goes out only if what it reports commits.
func (s *Service) send(ctx context.Context, tx *sql.Tx, to, kind string, data notice) error {
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	data.Email, data.ShopName, data.ShopEmail = to, st.ShopName, st.Email
	var buf bytes.Buffer
	if err := mailTemplates.ExecuteTemplate(&buf, kind+".txt", data); err != nil {
		return fmt.Errorf("render %s mail: %w", kind, err)
	}
	subject, body, ok := strings.Cut(buf.String(), "\n\n")
	if !ok || strings.TrimSpace(subject) == "" {
		return fmt.Errorf("render %s mail: template has no subject line", kind)
	}
	_, err = s.mail.Enqueue(ctx, tx, kmail.Message{Kind: "staff_" + kind, To: to,
		Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(body) + "\n"})
	if err != nil {
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	return nil
}

// raise stores a security event in tx when the service has an events
// store.
func (s *Service) raise(ctx context.Context, tx *sql.Tx, sig secevent.Signal) error {
	if s.Events == nil {
		return nil
	}
	_, err := s.Events.RaiseTx(ctx, tx, sig)
	return err
}

// noteIP remembers the IP address the member of staff logged in from, and
// e-mails them when it is one they have not used before.
func (s *Service) noteIP(ctx context.Context, tx *sql.Tx, id int64, email, ip, userAgent string) error {
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE staff_known_ips SET last_seen_at = $1 WHERE staff_id = $2 AND ip = $3`, now, id, ip)
	if err != nil {
		return fmt.Errorf("note login IP of staff %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	var known int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM staff_known_ips WHERE staff_id = $1`, id).Scan(&known); err != nil {
		return fmt.Errorf("note login IP of staff %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO staff_known_ips (staff_id, ip, first_seen_at, last_seen_at)
		VALUES ($1, $2, $3, $3)`, id, ip, now); err != nil {
		return fmt.Errorf("note login IP of staff %d: %w", id, err)
	}
	// The first address of an account is where it enrolled: worth a line
	// in the events, not a page. Another one may be a stolen password and
	// second factor in use.
	sev := secevent.Warning
	if known == 0 {
		sev = secevent.Info
	}
	if err := s.raise(ctx, tx, secevent.Signal{Kind: secevent.KindStaffNewIP, Severity: sev, Source: "staff",
		Target: target(id) + " " + ip, Summary: "staff " + email + " logged in from a new address " + ip,
		Detail: map[string]any{"email": email, "ip": ip, "user_agent": clip(userAgent, 200)}}); err != nil {
		return err
	}
	return s.send(ctx, tx, email, "new_ip_login", notice{IP: ip, UserAgent: clip(userAgent, 200), At: now})
}

// MailTemplates are the embedded e-mail templates, for the release
// manifest.
func MailTemplates() fs.FS { return templateFiles }
