// Package billing is 請求書払い: monthly invoices for the business
// customers (clinics) the shop approves. Staff approve a member with a
// credit limit; the member then orders on account (order.Invoice) while
// the open balance stays within the limit; after each month one
// consolidated qualified invoice (適格請求書) per customer bills that
// month's orders, as a PDF the customer downloads from my page; staff
// record the payments, full or partial; unpaid invoices past their due
// date are listed and reminded. The package owns the billing_* tables.
package billing

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strings"
	"text/template"

	"kaede/internal/db"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Service approves business customers, checks their credit, issues the
// monthly invoices and records their payments.
type Service struct {
	db      *db.DB
	orders  *order.Service
	members *member.Service
	mail    *mail.Queue
	clock   shop.Clock
	baseURL string
}

// New returns the billing service. baseURL (e.g. "https://kaede.example")
// starts the link to my page's invoices in the e-mails.
func New(d *db.DB, orders *order.Service, members *member.Service, q *mail.Queue, clock shop.Clock, baseURL string) *Service {
	return &Service{db: d, orders: orders, members: members, mail: q, clock: clock,
		baseURL: strings.TrimRight(baseURL, "/")}
}

// InvoicesPath is my page's list of invoices, where each PDF is downloaded.
const InvoicesPath = "/account/invoices"

// templates/KIND.ja.txt: the first line is the subject, then a blank line,
// then the body.
//
//go:embed templates/*.txt
var templateFiles embed.FS

var mailTemplates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFiles, "templates/*.txt"))

// mailData is what the billing e-mails may use.
type mailData struct {
	Company   string
	Name      string
	Number    string
	Month     string // 2026年12月
	Total     string
	Paid      string
	Balance   string
	Due       string // 2027年1月29日
	Orders    int
	Credits   int    // cancelled orders credited on the invoice (returns.go)
	Credited  string // their amount
	Refund    string // what the shop owes when the credits exceed the sales; "" otherwise
	Stage     int
	Link      string
	Bank      settings.BankAccount
	ShopName  string
	ShopEmail string
	ShopPhone string
}

// send renders the e-mail kind and queues it inside tx.
func (s *Service) send(ctx context.Context, tx *sql.Tx, kind, to string, d mailData) error {
	var buf bytes.Buffer
	if err := mailTemplates.ExecuteTemplate(&buf, kind+".ja.txt", d); err != nil {
		return fmt.Errorf("render %s mail: %w", kind, err)
	}
	subject, body, ok := strings.Cut(buf.String(), "\n\n")
	if !ok || strings.TrimSpace(subject) == "" {
		return fmt.Errorf("render %s mail: template has no subject line", kind)
	}
	m := mail.Message{Kind: kind, To: to, Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(body) + "\n"}
	if _, err := s.mail.Enqueue(ctx, tx, m); err != nil {
		return fmt.Errorf("billing: %w", err)
	}
	return nil
}

// newMailData fills what every billing e-mail says of the invoice and the
// shop.
func (s *Service) newMailData(inv *Invoice, st settings.Settings) mailData {
	return mailData{Company: inv.Company, Name: inv.Name, Number: inv.Number, Month: jaMonth(inv.Month),
		Total: inv.Total.String(), Paid: inv.Paid.String(), Balance: inv.Balance().String(), Due: jaDate(inv.DueOn),
		Orders: inv.Orders, Link: s.baseURL + InvoicesPath, Bank: st.BankTransfer,
		ShopName: st.ShopName, ShopEmail: st.Email, ShopPhone: st.Phone}
}
