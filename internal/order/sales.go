package order

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/shop"
)

// Sale is one order as the sales reports count it: what was charged, per
// tax rate, and what has been given back of it.
type Sale struct {
	ID          int64
	Number      string
	PlacedAt    time.Time
	Status      Status
	Method      PaymentMethod
	Member      bool // placed by a signed-in member; false for a guest
	Total       shop.Yen
	ShippingFee shop.Yen
	CODFee      shop.Yen
	// Taxes is the tax per rate as charged (order_taxes): their totals
	// add up to Total.
	Taxes    []shop.TaxSummary
	Rounding shop.Rounding
	Refunded shop.Yen // every refund of the order, whenever made
	Lines    []SaleLine
}

// SaleLine is one order line as sold.
type SaleLine struct {
	VariantID int64
	SKU       string
	Name      string
	TaxRate   shop.TaxRate
	Quantity  int
	Total     shop.Yen
}

// Net is what the order brought in: its total less its refunds.
func (s Sale) Net() shop.Yen { return s.Total - s.Refunded }

// saleCondition keeps the orders placed in [$1, $2) that are sales: a
// card order awaiting payment is not binding yet and a cancelled one is
// none any more (as in Summarize). A refunded order stays, for its total
// less its refunds: nothing.
const saleCondition = `o.created_at >= $1 AND o.created_at < $2 AND o.status NOT IN ($3, $4)`

// Sales returns the orders placed in [from, to) that count as sales, in
// the order they were placed, with their tax per rate and refunds and,
// when lines is set, their lines. It is the one read the sales reports
// make of orders; they shape it themselves.
func (s *Service) Sales(ctx context.Context, from, to time.Time, lines bool) ([]Sale, error) {
	args := []any{from.UTC(), to.UTC(), Cancelled, AwaitingPayment}
	var sales []Sale
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if sales, err = readSales(ctx, tx, args); err != nil {
			return err
		}
		at := make(map[int64]int, len(sales))
		for i, sl := range sales {
			at[sl.ID] = i
		}
		if err := readSaleTaxes(ctx, tx, args, sales, at); err != nil {
			return err
		}
		if lines {
			return readSaleLines(ctx, tx, args, sales, at)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sales: %w", err)
	}
	return sales, nil
}

func readSales(ctx context.Context, tx *sql.Tx, args []any) ([]Sale, error) {
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.number, o.created_at, o.status, o.payment_method,
			CASE WHEN o.member_id IS NULL THEN 0 ELSE 1 END, o.total, o.shipping_fee, o.cod_fee, o.tax_rounding,
			CAST(COALESCE((SELECT SUM(r.amount) FROM refunds r WHERE r.order_id = o.id), 0) AS BIGINT)
		FROM orders o WHERE `+saleCondition+` ORDER BY o.created_at, o.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	defer rows.Close()
	var out []Sale
	for rows.Next() {
		var sl Sale
		var member int
		if err := rows.Scan(&sl.ID, &sl.Number, &sl.PlacedAt, &sl.Status, &sl.Method, &member, &sl.Total,
			&sl.ShippingFee, &sl.CODFee, &sl.Rounding, &sl.Refunded); err != nil {
			return nil, fmt.Errorf("orders: %w", err)
		}
		sl.PlacedAt, sl.Member = sl.PlacedAt.UTC(), member == 1
		out = append(out, sl)
	}
	return out, rows.Err()
}

func readSaleTaxes(ctx context.Context, tx *sql.Tx, args []any, sales []Sale, at map[int64]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT t.order_id, t.rate, t.taxable, t.tax
		FROM order_taxes t JOIN orders o ON o.id = t.order_id
		WHERE `+saleCondition+` ORDER BY t.order_id, t.rate DESC`, args...)
	if err != nil {
		return fmt.Errorf("taxes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t shop.TaxSummary
		if err := rows.Scan(&id, &t.Rate, &t.Taxable, &t.Tax); err != nil {
			return fmt.Errorf("taxes: %w", err)
		}
		if i, ok := at[id]; ok {
			sales[i].Taxes = append(sales[i].Taxes, t)
		}
	}
	return rows.Err()
}

func readSaleLines(ctx context.Context, tx *sql.Tx, args []any, sales []Sale, at map[int64]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT l.order_id, l.variant_id, l.sku, l.name, l.tax_rate, l.quantity, l.line_total
		FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE `+saleCondition+` ORDER BY l.order_id, l.id`, args...)
	if err != nil {
		return fmt.Errorf("lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var l SaleLine
		if err := rows.Scan(&id, &l.VariantID, &l.SKU, &l.Name, &l.TaxRate, &l.Quantity, &l.Total); err != nil {
			return fmt.Errorf("lines: %w", err)
		}
		if i, ok := at[id]; ok {
			sales[i].Lines = append(sales[i].Lines, l)
		}
	}
	return rows.Err()
}

// StateCount is how many orders are in one status with one payment
// method.
type StateCount struct {
	Status Status
	Method PaymentMethod
	Orders int
}

// StateCounts returns how many orders are in each status and payment
// method now, whenever placed, for the dashboard's orders by state (a
// placed bank transfer awaits its money, a placed COD order its shipment).
func (s *Service) StateCounts(ctx context.Context) ([]StateCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, payment_method, COUNT(*) FROM orders
		GROUP BY status, payment_method ORDER BY status, payment_method`)
	if err != nil {
		return nil, fmt.Errorf("count orders by status: %w", err)
	}
	defer rows.Close()
	var out []StateCount
	for rows.Next() {
		var c StateCount
		if err := rows.Scan(&c.Status, &c.Method, &c.Orders); err != nil {
			return nil, fmt.Errorf("count orders by status: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
