package order

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Draft is an order as checkout has priced and validated it, ready to be
// written by Insert inside checkout's transaction.
type Draft struct {
	MemberID        int64
	Email           string
	Locale          string
	PaymentMethod   PaymentMethod
	Subtotal        shop.Yen
	ShippingFee     shop.Yen
	CODFee          shop.Yen
	Total           shop.Yen
	Taxes           []shop.TaxSummary
	TaxRounding     shop.Rounding
	InvoiceNumber   string
	Address         shop.Address
	DeliveryDate    string
	DeliverySlot    string
	Note            string
	Lines           []Line
	AccessTokenHash string
}

// Insert writes a new order with its lines, taxes, pending payment and
// first event inside tx, numbering it from the day's sequence, and returns
// it as stored. The caller has reserved the stock in the same transaction
// and writes its e-mails with MailNew.
func (s *Service) Insert(ctx context.Context, tx *sql.Tx, d Draft) (*Order, error) {
	// PostgreSQL keeps microseconds: the order returned below, built from
	// what was written, then reads back the same on both databases.
	// Truncated, never rounded: a rounded-up time lies after the clock's
	// now, and a shipment dated now was refused as before the order.
	now := s.clock().UTC().Truncate(time.Microsecond)
	// On PostgreSQL the day's counter is taken in a statement of its own,
	// committed at once: taken in the order's transaction, its row lock
	// made every order of the fleet wait for the one before to commit (a
	// checkout load found 30 of 32 connections waiting on it). A number
	// whose order then rolls back is not used again: the day's numbers may
	// skip one, never repeat. It runs on a pool of its own (db.Beside):
	// from the store's pool it would wait for a connection while holding
	// one. On SQLite the transaction is the only writer anyway, and a
	// statement beside it would wait for it.
	var q rowQuerier = tx
	if beside := s.db.Beside(); beside != nil {
		q = beside
	}
	number, err := nextNumber(ctx, q, now)
	if err != nil {
		return nil, err
	}
	status := InitialStatus(d.PaymentMethod)
	id, err := insertOrder(ctx, tx, number, status, d, now)
	if err != nil {
		return nil, err
	}
	if err := insertLines(ctx, tx, id, d.Lines); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if err := insertTaxes(ctx, tx, id, d.Taxes); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO payments (order_id, method, state, amount, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)`, id, d.PaymentMethod, PaymentPending, d.Total, now)
	if err != nil {
		return nil, fmt.Errorf("order %s: insert payment: %w", number, err)
	}
	if err := insertEvent(ctx, tx, id, "", status, "", now); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	// The order as written, without reading it back: five statements
	// fewer in every checkout's transaction (TestInsertReturnsWhatLoadReads).
	return written(id, number, status, d, now), nil
}

// MailNew writes a new order's e-mails in tx: the customer's confirmation
// and, for an order that binds the shop at once, the shop's notice, both
// delivered by one job. An order awaiting a card or konbini payment binds
// only once paid: the shop hears of it then (ConfirmCardTx). st are the
// settings the order was priced with: reading and decoding them again
// would be done while every other SQLite writer waits.
func (s *Service) MailNew(ctx context.Context, tx *sql.Tx, o *Order, st *settings.Settings, confirmation mail.Message) error {
	if o.Status != Placed {
		if _, err := s.mail.Enqueue(ctx, tx, confirmation); err != nil {
			return fmt.Errorf("order %s: %w", o.Number, err)
		}
		return nil
	}
	if err := s.notifyShop(ctx, tx, o, st, confirmation); err != nil {
		return fmt.Errorf("order %s: %w", o.Number, err)
	}
	return nil
}

// written is the order Insert wrote, as Load would read it.
func written(id int64, number string, status Status, d Draft, now time.Time) *Order {
	taxes := slices.Clone(d.Taxes)
	slices.SortStableFunc(taxes, func(a, b shop.TaxSummary) int { return cmp.Compare(b.Rate, a.Rate) })
	return &Order{
		ID: id, Number: number, Status: status, Email: d.Email, Locale: d.Locale, MemberID: d.MemberID,
		PaymentMethod: d.PaymentMethod, Subtotal: d.Subtotal, ShippingFee: d.ShippingFee, CODFee: d.CODFee,
		Total: d.Total, Taxes: taxes, InvoiceNumber: d.InvoiceNumber, TaxRounding: d.TaxRounding,
		Address: d.Address, DeliveryDate: d.DeliveryDate, DeliverySlot: d.DeliverySlot, Note: d.Note,
		Lines:     slices.Clone(d.Lines),
		Payment:   Payment{Method: d.PaymentMethod, State: PaymentPending, Amount: d.Total},
		Events:    []Event{{To: status, At: now}},
		CreatedAt: now, UpdatedAt: now,
	}
}

// rowQuerier is a transaction or the database.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// nextNumber takes the next number of the day (in Tokyo) with one upsert,
// which locks the day's row until the transaction ends: two checkouts can
// never read the same last number and both add one to it.
func nextNumber(ctx context.Context, q rowQuerier, now time.Time) (string, error) {
	day := now.In(shop.JST).Format("20060102")
	var seq int
	err := q.QueryRowContext(ctx, `INSERT INTO order_sequences (day, last) VALUES ($1, 1)
		ON CONFLICT (day) DO UPDATE SET last = order_sequences.last + 1
		RETURNING last`, day).Scan(&seq)
	if err != nil {
		return "", fmt.Errorf("next order number for %s: %w", day, err)
	}
	return FormatNumber(now, seq), nil
}

// FormatNumber is the number of the day's seq-th order: K20261125-0007,
// the day in Tokyo.
func FormatNumber(day time.Time, seq int) string {
	return fmt.Sprintf("K%s-%04d", day.In(shop.JST).Format("20060102"), seq)
}

func insertOrder(ctx context.Context, tx *sql.Tx, number string, status Status, d Draft, now time.Time) (int64, error) {
	var member any
	if d.MemberID != 0 {
		member = d.MemberID
	}
	a := d.Address
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO orders (number, member_id, email, locale, status, payment_method,
			subtotal, shipping_fee, cod_fee, total, tax_basis, tax_rounding, invoice_number,
			ship_name, ship_name_kana, ship_postal_code, ship_prefecture, ship_city, ship_line1, ship_line2, ship_phone,
			delivery_date, delivery_slot, note, access_token_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
			$22, $23, $24, $25, $26, $26)
		RETURNING id`,
		number, member, d.Email, d.Locale, status, d.PaymentMethod,
		d.Subtotal, d.ShippingFee, d.CODFee, d.Total, shop.TaxIncluded, d.TaxRounding, d.InvoiceNumber,
		a.Name, a.NameKana, a.PostalCode, a.Prefecture, a.City, a.Line1, a.Line2, a.Phone,
		d.DeliveryDate, d.DeliverySlot, d.Note, d.AccessTokenHash, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert order %s: %w", number, err)
	}
	return id, nil
}

func insertLines(ctx context.Context, tx *sql.Tx, orderID int64, lines []Line) error {
	for _, l := range lines {
		_, err := tx.ExecContext(ctx, `INSERT INTO order_lines (order_id, variant_id, sku, name, name_en,
				tax_rate, unit_price, quantity, line_total)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			orderID, l.VariantID, l.SKU, l.Name, l.NameEn, l.TaxRate, l.UnitPrice, l.Quantity, l.LineTotal)
		if err != nil {
			return fmt.Errorf("insert line %s: %w", l.SKU, err)
		}
	}
	return nil
}

func insertTaxes(ctx context.Context, tx *sql.Tx, orderID int64, taxes []shop.TaxSummary) error {
	for _, t := range taxes {
		_, err := tx.ExecContext(ctx, `INSERT INTO order_taxes (order_id, rate, taxable, tax) VALUES ($1, $2, $3, $4)`,
			orderID, t.Rate, t.Taxable, t.Tax)
		if err != nil {
			return fmt.Errorf("insert tax at %d%%: %w", t.Rate, err)
		}
	}
	return nil
}

func insertEvent(ctx context.Context, tx *sql.Tx, orderID int64, from, to Status, note string, now time.Time) error {
	return insertEventOf(ctx, tx, orderID, Event{From: from, To: to, Note: note, At: now})
}

// insertEventOf writes e, with its kind and amount, to the order's history.
func insertEventOf(ctx context.Context, tx *sql.Tx, orderID int64, e Event) error {
	from, to, note, now := e.From, e.To, e.Note, e.At
	_, err := tx.ExecContext(ctx, `INSERT INTO order_events (order_id, from_status, to_status, kind, amount, note, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, orderID, from, to, e.Kind, e.Amount, note, now)
	if err != nil {
		return fmt.Errorf("insert event %s→%s: %w", from, to, err)
	}
	return nil
}

// Load reads the order with the number, with its lines, taxes, payment and
// events, inside tx. It is exported for checkout, which returns the order
// it has just written (or replays) from inside its own transaction.
func Load(ctx context.Context, tx *sql.Tx, number string) (*Order, error) {
	o, err := loadHeader(ctx, tx, number)
	if err != nil {
		return nil, err
	}
	if o.Lines, err = loadLines(ctx, tx, o.ID); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if o.Taxes, err = loadTaxes(ctx, tx, o.ID); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if o.Events, err = loadEvents(ctx, tx, o.ID); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	err = tx.QueryRowContext(ctx, `SELECT method, state, amount, brand, last4 FROM payments
		WHERE order_id = $1 ORDER BY id DESC LIMIT 1`, o.ID).
		Scan(&o.Payment.Method, &o.Payment.State, &o.Payment.Amount, &o.Payment.Brand, &o.Payment.Last4)
	if err != nil {
		return nil, fmt.Errorf("order %s: read payment: %w", number, err)
	}
	return o, nil
}

func loadHeader(ctx context.Context, tx *sql.Tx, number string) (*Order, error) {
	o := &Order{}
	a := &o.Address
	err := tx.QueryRowContext(ctx, `SELECT id, number, status, email, locale, COALESCE(member_id, 0), payment_method,
			subtotal, shipping_fee, cod_fee, total, invoice_number, tax_rounding,
			ship_name, ship_name_kana, ship_postal_code, ship_prefecture, ship_city, ship_line1, ship_line2, ship_phone,
			delivery_date, delivery_slot, note, created_at, updated_at
		FROM orders WHERE number = $1`, number).Scan(
		&o.ID, &o.Number, &o.Status, &o.Email, &o.Locale, &o.MemberID, &o.PaymentMethod,
		&o.Subtotal, &o.ShippingFee, &o.CODFee, &o.Total, &o.InvoiceNumber, &o.TaxRounding,
		&a.Name, &a.NameKana, &a.PostalCode, &a.Prefecture, &a.City, &a.Line1, &a.Line2, &a.Phone,
		&o.DeliveryDate, &o.DeliverySlot, &o.Note, &o.CreatedAt, &o.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound(number)
	}
	if err != nil {
		return nil, fmt.Errorf("read order %s: %w", number, err)
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, nil
}

func loadLines(ctx context.Context, tx *sql.Tx, orderID int64) ([]Line, error) {
	rows, err := tx.QueryContext(ctx, `SELECT variant_id, sku, name, name_en, tax_rate, unit_price, quantity, line_total
		FROM order_lines WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("read lines: %w", err)
	}
	defer rows.Close()
	var lines []Line
	for rows.Next() {
		var l Line
		if err := rows.Scan(&l.VariantID, &l.SKU, &l.Name, &l.NameEn, &l.TaxRate, &l.UnitPrice, &l.Quantity, &l.LineTotal); err != nil {
			return nil, fmt.Errorf("read lines: %w", err)
		}
		lines = append(lines, l)
	}
	return lines, rows.Err()
}

func loadTaxes(ctx context.Context, tx *sql.Tx, orderID int64) ([]shop.TaxSummary, error) {
	rows, err := tx.QueryContext(ctx, `SELECT rate, taxable, tax FROM order_taxes WHERE order_id = $1 ORDER BY rate DESC`, orderID)
	if err != nil {
		return nil, fmt.Errorf("read taxes: %w", err)
	}
	defer rows.Close()
	var taxes []shop.TaxSummary
	for rows.Next() {
		var t shop.TaxSummary
		if err := rows.Scan(&t.Rate, &t.Taxable, &t.Tax); err != nil {
			return nil, fmt.Errorf("read taxes: %w", err)
		}
		taxes = append(taxes, t)
	}
	return taxes, rows.Err()
}

func loadEvents(ctx context.Context, tx *sql.Tx, orderID int64) ([]Event, error) {
	rows, err := tx.QueryContext(ctx, `SELECT from_status, to_status, kind, amount, note, created_at FROM order_events
		WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var events []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.From, &e.To, &e.Kind, &e.Amount, &e.Note, &e.At); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.At = e.At.UTC()
		events = append(events, e)
	}
	return events, rows.Err()
}
