package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"kaede/internal/audit"
	"kaede/internal/calendar"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Invoice is one issued monthly invoice, as the lists show it.
type Invoice struct {
	ID       int64
	Number   string // B202612-000012: the month and the member
	MemberID int64
	Month    string // YYYY-MM
	Company  string // the 宛名 printed
	Name     string // the member's name, for the e-mails
	Email    string
	Orders   int
	Total    shop.Yen
	Paid     shop.Yen
	IssuedOn time.Time // a day in Tokyo
	DueOn    time.Time // a day in Tokyo
	Stage    int       // the last overdue reminder sent; 0 for none
}

// Balance is what is still to be paid.
func (i Invoice) Balance() shop.Yen { return i.Total - i.Paid }

// Settled reports whether the invoice is paid in full.
func (i Invoice) Settled() bool { return i.Paid >= i.Total }

// Overdue reports whether the invoice is unpaid after its due date, on
// the day today (in Tokyo).
func (i Invoice) Overdue(today time.Time) bool {
	return !i.Settled() && jstDay(today).After(i.DueOn)
}

// bankDays is how banks count business days: weekends, national holidays
// and the banks' new-year break (12/31–1/3) are closed.
var bankDays = calendar.Calendar{Yearly: []calendar.Closure{{From: calendar.MonthDay{Month: time.December, Day: 31},
	To: calendar.MonthDay{Month: time.January, Day: 3}}}}

// DueDate is when the invoice for month is due under the settings: the
// last day of the month DueMonths later, moved off a bank holiday to the
// business day after it (or before it, DueEarlier).
func DueDate(month time.Time, m settings.MonthlyInvoice) (time.Time, error) {
	end := time.Date(month.Year(), month.Month()+time.Month(m.DueMonths)+1, 0, 0, 0, 0, 0, shop.JST)
	if m.DueEarlier {
		open, err := bankDays.IsBusinessDay(end)
		if err != nil || open {
			return end, err
		}
		return bankDays.AddBusinessDays(end, -1)
	}
	return bankDays.AddBusinessDays(end, 0)
}

// ParseMonth reads YYYY-MM as the first day of that month in Tokyo; a bad
// value is Invalid naming the field "month".
func ParseMonth(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", s, shop.JST)
	if err != nil || t.Year() < 2000 || t.Year() > 2099 {
		p := shop.Problems{}
		p.Add("month", shop.ReasonFormat)
		return time.Time{}, p.Err()
	}
	return t, nil
}

// LastMonth is the month before the one now falls in (Tokyo), YYYY-MM:
// the month the periodic close bills.
func LastMonth(now time.Time) string {
	y, m, _ := now.In(shop.JST).Date()
	return time.Date(y, m-1, 1, 0, 0, 0, 0, shop.JST).Format("2006-01")
}

// Close issues the invoices of month (YYYY-MM, Tokyo), which must have
// ended: for each customer with orders on account placed in it and not
// billed yet, or with orders billed before and cancelled since (credited,
// returns.go), one invoice for all of them, e-mailed to the customer with
// the link to my page, and audited. Closing a month again issues nothing
// new: an order is billed once and a customer has one invoice per month.
// It returns the invoices it issued.
func (s *Service) Close(ctx context.Context, month string, by audit.Actor) ([]Invoice, error) {
	start, err := ParseMonth(month)
	if err != nil {
		return nil, err
	}
	end := start.AddDate(0, 1, 0)
	now := s.clock()
	if now.Before(end) {
		return nil, shop.Errorf(shop.Conflict, "month %s has not ended yet", month)
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, err
	}
	due, err := DueDate(start, st.MonthlyInvoice)
	if err != nil {
		return nil, fmt.Errorf("close %s: %w", month, err)
	}
	members, err := s.unbilledMembers(ctx, start, end)
	if err != nil {
		return nil, fmt.Errorf("close %s: %w", month, err)
	}
	credits, err := s.creditMembers(ctx, month)
	if err != nil {
		return nil, fmt.Errorf("close %s: %w", month, err)
	}
	for _, id := range credits {
		if !slices.Contains(members, id) {
			members = append(members, id)
		}
	}
	slices.Sort(members)
	var issued []Invoice
	for _, memberID := range members {
		inv, err := s.issue(ctx, memberID, start, end, due, st, by)
		if err != nil {
			return issued, fmt.Errorf("close %s: member %d: %w", month, memberID, err)
		}
		if inv != nil {
			issued = append(issued, *inv)
		}
	}
	return issued, nil
}

// unbilledMembers lists the members with orders on account placed in
// [start, end) that no invoice bills yet.
func (s *Service) unbilledMembers(ctx context.Context, start, end time.Time) ([]int64, error) {
	return s.memberIDs(ctx, `SELECT DISTINCT o.member_id FROM orders o
		WHERE o.payment_method = $1 AND o.member_id IS NOT NULL AND o.created_at >= $2 AND o.created_at < $3
		AND o.status NOT IN ('awaiting_payment', 'cancelled', 'refunded')
		AND NOT EXISTS (SELECT 1 FROM billing_invoice_orders bo WHERE bo.order_id = o.id)
		ORDER BY o.member_id`, order.Invoice, start.UTC(), end.UTC())
}

// memberIDs runs a query of member ids.
func (s *Service) memberIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	var ids []int64
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// issue writes the member's invoice for the month in one transaction: the
// invoice with its document, the orders it bills, the e-mail and the
// audit entry. A member who has this month's invoice already gets none
// (nil).
func (s *Service) issue(ctx context.Context, memberID int64, start, end, due time.Time, st settings.Settings, by audit.Actor) (*Invoice, error) {
	m, err := s.members.Get(ctx, memberID)
	if err != nil {
		return nil, err
	}
	month := start.Format("2006-01")
	now := s.clock()
	inv := &Invoice{Number: fmt.Sprintf("B%s-%06d", start.Format("200601"), memberID), MemberID: memberID, Month: month,
		Name: m.Name, Email: m.Email, IssuedOn: jstDay(now), DueOn: due}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM billing_invoices WHERE member_id = $1 AND month = $2`,
			memberID, month).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			inv = nil
			return nil
		}
		inv.Company = m.Name
		if a, err := loadAccount(ctx, tx, memberID, ""); err == nil {
			inv.Company = a.Company
		} else if shop.ErrorCode(err) != shop.NotFound {
			return err
		}
		orders, err := unbilledOrders(ctx, tx, memberID, start, end)
		if err != nil {
			return err
		}
		credits, err := pendingCredits(ctx, tx, memberID, month)
		if err != nil {
			return err
		}
		if len(orders) == 0 && len(credits) == 0 {
			inv = nil
			return nil
		}
		doc, err := newDocument(inv, orders, st)
		if err != nil {
			return err
		}
		if err := addCredits(&doc, credits, st); err != nil {
			return err
		}
		inv.Total, inv.Orders = doc.Total, len(orders)
		raw, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO billing_invoices
			(number, member_id, month, email, total, issued_on, due_on, document, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			inv.Number, memberID, month, inv.Email, inv.Total, dateOnly(inv.IssuedOn), dateOnly(inv.DueOn), string(raw), now).Scan(&inv.ID)
		if err != nil {
			return fmt.Errorf("insert invoice: %w", err)
		}
		for _, o := range orders {
			if _, err := tx.ExecContext(ctx, `INSERT INTO billing_invoice_orders (invoice_id, order_id) VALUES ($1, $2)`,
				inv.ID, o.ID); err != nil {
				return fmt.Errorf("bill order %s: %w", o.Number, err)
			}
		}
		md := s.newMailData(inv, st)
		md.Credits, md.Credited = len(credits), doc.CreditTotal.String()
		if inv.Total < 0 {
			md.Refund = (-inv.Total).String()
		}
		if err := s.send(ctx, tx, "billing_issued", inv.Email, md); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "billing.issue", "invoice:"+inv.Number, nil,
			map[string]any{"member": memberID, "month": month, "orders": len(orders), "credits": len(credits),
				"total": inv.Total, "due": dateOnly(due)})
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// unbilledOrders loads the member's orders on account placed in
// [start, end) that no invoice bills yet, oldest first.
func unbilledOrders(ctx context.Context, tx *sql.Tx, memberID int64, start, end time.Time) ([]*order.Order, error) {
	rows, err := tx.QueryContext(ctx, `SELECT o.number FROM orders o
		WHERE o.member_id = $1 AND o.payment_method = $2 AND o.created_at >= $3 AND o.created_at < $4
		AND o.status NOT IN ('awaiting_payment', 'cancelled', 'refunded')
		AND NOT EXISTS (SELECT 1 FROM billing_invoice_orders bo WHERE bo.order_id = o.id)
		ORDER BY o.created_at, o.id`, memberID, order.Invoice, start.UTC(), end.UTC())
	if err != nil {
		return nil, fmt.Errorf("orders to bill: %w", err)
	}
	var numbers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("orders to bill: %w", err)
		}
		numbers = append(numbers, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("orders to bill: %w", err)
	}
	out := make([]*order.Order, 0, len(numbers))
	for _, n := range numbers {
		o, err := order.Load(ctx, tx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// invoiceColumns are the columns scanInvoice reads, with the member's
// name joined in.
const invoiceColumns = `i.id, i.number, i.member_id, i.month, i.email, i.total, i.paid, i.issued_on, i.due_on, i.stage,
	COALESCE(a.company, ''), m.name,
	(SELECT COUNT(*) FROM billing_invoice_orders bo WHERE bo.invoice_id = i.id)
	FROM billing_invoices i JOIN members m ON m.id = i.member_id
	LEFT JOIN billing_accounts a ON a.member_id = i.member_id`

func scanInvoice(row interface{ Scan(...any) error }) (Invoice, error) {
	var inv Invoice
	var issued, due string
	err := row.Scan(&inv.ID, &inv.Number, &inv.MemberID, &inv.Month, &inv.Email, &inv.Total, &inv.Paid, &issued, &due,
		&inv.Stage, &inv.Company, &inv.Name, &inv.Orders)
	if err != nil {
		return inv, err
	}
	if inv.IssuedOn, err = time.ParseInLocation(time.DateOnly, issued, shop.JST); err != nil {
		return inv, fmt.Errorf("invoice %s: issued_on: %w", inv.Number, err)
	}
	if inv.DueOn, err = time.ParseInLocation(time.DateOnly, due, shop.JST); err != nil {
		return inv, fmt.Errorf("invoice %s: due_on: %w", inv.Number, err)
	}
	return inv, nil
}

// Filter selects invoices for a list.
type Filter struct {
	MemberID int64 // 0: every customer
	Unpaid   bool  // only those not paid in full
	Overdue  bool  // only those unpaid after their due date (today, Tokyo)
}

// Invoices lists the invoices the filter selects, newest month first.
func (s *Service) Invoices(ctx context.Context, f Filter) ([]Invoice, error) {
	q := `SELECT ` + invoiceColumns + ` WHERE 1 = 1`
	var args []any
	if f.MemberID != 0 {
		args = append(args, f.MemberID)
		q += fmt.Sprintf(` AND i.member_id = $%d`, len(args))
	}
	if f.Unpaid || f.Overdue {
		q += ` AND i.paid < i.total`
	}
	if f.Overdue {
		args = append(args, dateOnly(jstDay(s.clock())))
		q += fmt.Sprintf(` AND i.due_on < $%d`, len(args))
	}
	q += ` ORDER BY i.month DESC, i.number`
	var out []Invoice
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			inv, err := scanInvoice(rows)
			if err != nil {
				return err
			}
			out = append(out, inv)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list invoices: %w", err)
	}
	return out, nil
}

// Invoice returns the invoice with the number, or NotFound.
func (s *Service) Invoice(ctx context.Context, number string) (*Invoice, error) {
	var inv Invoice
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		inv, err = loadInvoice(ctx, tx, number, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

func loadInvoice(ctx context.Context, tx *sql.Tx, number, lock string) (Invoice, error) {
	if lock != "" {
		// PostgreSQL cannot lock the nullable side of an outer join: the
		// invoice's own row is locked first.
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM billing_invoices WHERE number = $1`+lock, number).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return Invoice{}, shop.Errorf(shop.NotFound, "no invoice %s", number)
		}
		if err != nil {
			return Invoice{}, fmt.Errorf("invoice %s: %w", number, err)
		}
	}
	inv, err := scanInvoice(tx.QueryRowContext(ctx, `SELECT `+invoiceColumns+` WHERE i.number = $1`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return inv, shop.Errorf(shop.NotFound, "no invoice %s", number)
	}
	if err != nil {
		return inv, fmt.Errorf("invoice %s: %w", number, err)
	}
	return inv, nil
}

// PDF returns the invoice and its PDF, made from the document stored at
// issue: the same bytes every time. memberID, when not 0, is the customer
// asking from my page; another customer's invoice is NotFound to them.
func (s *Service) PDF(ctx context.Context, number string, memberID int64) (*Invoice, []byte, error) {
	var inv Invoice
	var raw string
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if inv, err = loadInvoice(ctx, tx, number, ""); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT document FROM billing_invoices WHERE id = $1`, inv.ID).Scan(&raw)
	})
	if err != nil {
		return nil, nil, err
	}
	if memberID != 0 && inv.MemberID != memberID {
		return nil, nil, shop.Errorf(shop.NotFound, "no invoice %s", number)
	}
	var doc Document
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return nil, nil, fmt.Errorf("invoice %s: decode document: %w", number, err)
	}
	b, err := Render(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("invoice %s: %w", number, err)
	}
	return &inv, b, nil
}

// jstDay is the calendar day of t in Tokyo, at midnight there.
func jstDay(t time.Time) time.Time {
	y, m, d := t.In(shop.JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shop.JST)
}

func dateOnly(t time.Time) string { return t.In(shop.JST).Format(time.DateOnly) }

// jaDate is a day as Japanese documents write it: 2027年1月29日.
func jaDate(t time.Time) string {
	t = t.In(shop.JST)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// jaMonth is YYYY-MM as 2026年12月.
func jaMonth(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return fmt.Sprintf("%d年%d月", t.Year(), t.Month())
}

// OnInvoice reports, inside tx, whether the order is on an issued monthly
// invoice: its amount is then the invoice's, and the order may no longer
// be edited.
func OnInvoice(ctx context.Context, tx *sql.Tx, orderID int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM billing_invoice_orders WHERE order_id = $1`, orderID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("order %d: look for its invoice: %w", orderID, err)
	}
	return n > 0, nil
}
