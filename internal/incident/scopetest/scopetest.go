// Package scopetest writes orders, payments, members and products straight
// into a test database, for the tests of an incident's scope: a scope
// test needs orders placed in given windows with given cards, which
// checkout cannot backdate.
package scopetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Shop writes the rows. It is not safe for concurrent use.
type Shop struct {
	tb       testing.TB
	d        *db.DB
	seq      int
	category int64
}

// New returns a Shop writing into d.
func New(tb testing.TB, d *db.DB) *Shop { return &Shop{tb: tb, d: d} }

func (s *Shop) exec(q string, args ...any) {
	s.tb.Helper()
	if _, err := s.d.ExecContext(context.Background(), q, args...); err != nil {
		s.tb.Fatalf("scopetest: %v\n%s", err, q)
	}
}

func (s *Shop) insert(q string, args ...any) int64 {
	s.tb.Helper()
	var id int64
	if err := s.d.QueryRowContext(context.Background(), q+` RETURNING id`, args...).Scan(&id); err != nil {
		s.tb.Fatalf("scopetest: %v\n%s", err, q)
	}
	return id
}

// Address is a default delivery address for tests.
var Address = shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
	City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"}

// Member adds a member with the (lower-cased) e-mail address and, when
// home is not nil, a default address.
func (s *Shop) Member(email string, home *shop.Address) int64 {
	s.tb.Helper()
	at := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	id := s.insert(`INSERT INTO members (email, password_hash, name, created_at) VALUES ($1, 'x', '会員', $2)`, email, at)
	if home != nil {
		a := *home
		s.exec(`INSERT INTO addresses (member_id, name, name_kana, postal_code, prefecture, city, line1, line2, phone, is_default, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE, $10)`,
			id, a.Name, a.NameKana, a.PostalCode, a.Prefecture, a.City, a.Line1, a.Line2, a.Phone, at)
	}
	return id
}

// Product adds a published product with one variant and returns the
// product's ID.
func (s *Shop) Product(name string) int64 {
	s.tb.Helper()
	at := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	if s.category == 0 {
		s.category = s.insert(`INSERT INTO categories (slug, name_ja, name_en) VALUES ('needles', '鍼', 'Needles')`)
	}
	s.seq++
	id := s.insert(`INSERT INTO products (slug, category_id, name_ja, name_en, tax_class, status, created_at, updated_at)
		VALUES ($1, $2, $3, $3, 'standard', 'published', $4, $4)`, fmt.Sprintf("p%d", s.seq), s.category, name, at)
	s.exec(`INSERT INTO variants (product_id, sku, price, stock) VALUES ($1, $2, 1000, 10)`, id, fmt.Sprintf("SKU-%d", s.seq))
	return id
}

// Payment is one payment attempt of an order.
type Payment struct {
	Provider string // default gateway (card only)
	Brand    string
	Last4    string
	Ref      string // the provider's ID; default pi_N (card only)
	State    string // default succeeded
	Amount   shop.Yen
}

// Order is an order to write. Zero fields take defaults: method card,
// total ¥5,500, the Address, one payment (a card: gateway, visa, 4242).
type Order struct {
	Email    string
	MemberID int64
	At       time.Time
	Method   string
	Total    shop.Yen
	Address  *shop.Address
	Payments []Payment
	Products []int64
}

// Order writes the order, its payment attempts and lines, and returns
// its ID and number.
func (s *Shop) Order(o Order) (int64, string) {
	s.tb.Helper()
	s.seq++
	if o.Method == "" {
		o.Method = "card"
	}
	if o.Total == 0 {
		o.Total = 5500
	}
	a := Address
	if o.Address != nil {
		a = *o.Address
	}
	if o.Payments == nil {
		o.Payments = []Payment{{}}
		if o.Method == "card" {
			o.Payments[0].Brand, o.Payments[0].Last4 = "visa", "4242"
		}
	}
	number := fmt.Sprintf("K%s-%04d", o.At.In(shop.JST).Format("20060102"), s.seq)
	var member any
	if o.MemberID != 0 {
		member = o.MemberID
	}
	id := s.insert(`INSERT INTO orders (number, member_id, email, status, payment_method, subtotal, shipping_fee, cod_fee,
			total, tax_basis, tax_rounding, invoice_number, ship_name, ship_name_kana, ship_postal_code, ship_prefecture,
			ship_city, ship_line1, ship_line2, ship_phone, access_token_hash, created_at, updated_at)
		VALUES ($1, $2, $3, 'paid', $4, $5, 0, 0, $5, 'included', 'floor', 'T1234567890123', $6, $7, $8, $9, $10, $11, $12, $13, 'x', $14, $14)`,
		number, member, o.Email, o.Method, o.Total, a.Name, a.NameKana, a.PostalCode, a.Prefecture, a.City, a.Line1, a.Line2,
		a.Phone, o.At.UTC())
	for i, p := range o.Payments {
		if p.State == "" {
			p.State = "succeeded"
		}
		if p.Amount == 0 {
			p.Amount = o.Total
		}
		if o.Method == "card" {
			if p.Provider == "" {
				p.Provider = "gateway"
			}
			if p.Ref == "" {
				p.Ref = fmt.Sprintf("pi_%d_%d", id, i+1)
			}
		}
		at := o.At.Add(time.Duration(i) * time.Minute).UTC()
		s.exec(`INSERT INTO payments (order_id, method, provider, state, amount, provider_ref, brand, last4, attempt, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
			id, o.Method, p.Provider, p.State, p.Amount, p.Ref, p.Brand, p.Last4, i+1, at)
	}
	for _, product := range o.Products {
		s.exec(`INSERT INTO order_lines (order_id, variant_id, sku, name, tax_rate, unit_price, quantity, line_total)
			SELECT $1, v.id, v.sku, 'item', 10, 1000, 1, 1000 FROM variants v WHERE v.product_id = $2`, id, product)
	}
	return id, number
}
