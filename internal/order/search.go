package order

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// AdminQuery is the staff's search for orders. Every field is optional.
type AdminQuery struct {
	// Q matches part of the order number, the e-mail address, the
	// recipient's name or its kana (hiragana is taken as katakana, spaces
	// are ignored), or the phone number (hyphens are ignored).
	Q      string
	Status Status
	Method PaymentMethod
	// From and To are days in Tokyo, YYYY-MM-DD, both included: orders
	// placed from the start of From to the end of To.
	From, To string
	// AutoCancelled keeps only the orders cancelled because their bank
	// transfer never came (unpaid.go).
	AutoCancelled bool
	Limit         int // 1..MaxSearchLimit; 0 means DefaultSearchLimit
	Offset        int
}

// Paging limits of Search.
const (
	DefaultSearchLimit = 50
	MaxSearchLimit     = 200
	maxSearchRunes     = 100
)

// filter is a validated AdminQuery as SQL: a condition on orders (aliased
// o) and its arguments.
type filter struct {
	where string
	args  db.Args
}

// validate normalises q and returns its filter, or an Invalid error naming
// each bad field (q, status, method, from, to, limit, offset). maxLimit
// and defLimit are the caller's paging bounds.
func (q AdminQuery) validate(defLimit, maxLimit int) (AdminQuery, filter, error) {
	p := shop.Problems{}
	q.Q = strings.TrimSpace(norm.NFKC.String(q.Q))
	if utf8.RuneCountInString(q.Q) > maxSearchRunes {
		p.Add("q", shop.ReasonLength)
	}
	if q.Status != "" && !q.Status.Valid() {
		p.Add("status", shop.ReasonChoice)
	}
	if q.Method != "" && !q.Method.Valid() {
		p.Add("method", shop.ReasonChoice)
	}
	from, fromOK := parseDay(p, "from", q.From)
	to, toOK := parseDay(p, "to", q.To)
	if fromOK && toOK && to.Before(from) {
		p.Add("to", shop.ReasonRange)
	}
	if q.Limit == 0 {
		q.Limit = defLimit
	}
	if q.Limit < 1 || q.Limit > maxLimit {
		p.Add("limit", shop.ReasonRange)
	}
	if q.Offset < 0 {
		p.Add("offset", shop.ReasonRange)
	}
	q.Offset = shop.ClampOffset(q.Offset)
	if err := p.Err(); err != nil {
		return q, filter{}, err
	}

	var f filter
	var where []string
	if q.Status != "" {
		where = append(where, "o.status = "+f.args.Add(q.Status))
	}
	if q.Method != "" {
		where = append(where, "o.payment_method = "+f.args.Add(q.Method))
	}
	if fromOK {
		where = append(where, "o.created_at >= "+f.args.Add(from.UTC()))
	}
	if toOK {
		where = append(where, "o.created_at < "+f.args.Add(to.AddDate(0, 0, 1).UTC()))
	}
	if q.Q != "" {
		where = append(where, "("+strings.Join(textConditions(q.Q, &f.args), " OR ")+")")
	}
	if q.AutoCancelled {
		where = append(where, "EXISTS (SELECT 1 FROM order_unpaid_notices n WHERE n.order_id = o.id AND n.kind = 'cancelled')")
	}
	f.where = "TRUE"
	if len(where) > 0 {
		f.where = strings.Join(where, " AND ")
	}
	return q, f, nil
}

// textConditions are the ways the search text may match an order. Names
// are compared without spaces, because customers type 「山田太郎」 and
// 「山田 太郎」 (or a full-width space) alike.
func textConditions(q string, args *db.Args) []string {
	like := args.Contains
	noSpaces := func(column string) string { return "REPLACE(REPLACE(" + column + ", ' ', ''), '　', '')" }
	bare := strings.ReplaceAll(q, " ", "")
	conds := []string{
		like("UPPER(o.number)", strings.ToUpper(q)),
		like("LOWER(o.email)", strings.ToLower(q)),
		like(noSpaces("o.ship_name"), bare),
	}
	if kana, ok := shop.NormalizeKana(q); ok {
		conds = append(conds, like(noSpaces("o.ship_name_kana"), strings.ReplaceAll(kana, " ", "")))
	}
	if digits := strings.ReplaceAll(bare, "-", ""); len(digits) >= 3 &&
		!strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
		conds = append(conds, like("REPLACE(o.ship_phone, '-', '')", digits))
	}
	return conds
}

// parseDay reads a YYYY-MM-DD day as the start of that day in Tokyo; an
// empty value is no bound.
func parseDay(p shop.Problems, field, s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", s, shop.JST)
	if err != nil {
		p.Add(field, shop.ReasonFormat)
		return time.Time{}, false
	}
	return t, true
}

// Search returns one page of the orders matching q, newest first, and how
// many match on all pages, for the shop's staff. Bad query fields →
// Invalid naming them.
func (s *Service) Search(ctx context.Context, q AdminQuery) ([]Order, int, error) {
	q, f, err := q.validate(DefaultSearchLimit, MaxSearchLimit)
	if err != nil {
		return nil, 0, err
	}
	var orders []Order
	var total int
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		orders, total, err = searchTx(ctx, tx, q, f)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search orders: %w", err)
	}
	return orders, total, nil
}

// searchTx reads the page of orders q asks for, with the filter f, inside
// tx.
func searchTx(ctx context.Context, tx *sql.Tx, q AdminQuery, f filter) ([]Order, int, error) {
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders o WHERE `+f.where, f.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	if total == 0 || q.Offset >= total {
		return nil, total, nil
	}
	args := f.args[:len(f.args):len(f.args)] // so that Add copies, leaving f as it is
	page := `SELECT o.number FROM orders o WHERE ` + f.where + `
		ORDER BY o.created_at DESC, o.id DESC
		LIMIT ` + args.Add(q.Limit) + ` OFFSET ` + args.Add(q.Offset)
	rows, err := tx.QueryContext(ctx, page, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list: %w", err)
	}
	var numbers []string
	for rows.Next() {
		var number string
		if err := rows.Scan(&number); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("list: %w", err)
		}
		numbers = append(numbers, number)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list: %w", err)
	}
	orders := make([]Order, 0, len(numbers))
	for _, number := range numbers {
		o, err := Load(ctx, tx, number)
		if err != nil {
			return nil, 0, err
		}
		orders = append(orders, *o)
	}
	return orders, total, nil
}

// Newest returns the limit orders placed last, newest first: the
// dashboard's recent orders. Unlike Search it does not count every order,
// a cost that grows with them.
func (s *Service) Newest(ctx context.Context, limit int) ([]Order, error) {
	var orders []Order
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT number FROM orders ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
		if err != nil {
			return err
		}
		var numbers []string
		for rows.Next() {
			var number string
			if err := rows.Scan(&number); err != nil {
				rows.Close()
				return err
			}
			numbers = append(numbers, number)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, number := range numbers {
			o, err := Load(ctx, tx, number)
			if err != nil {
				return err
			}
			orders = append(orders, *o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("newest orders: %w", err)
	}
	return orders, nil
}
