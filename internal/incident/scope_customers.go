package incident

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// ScopeOrders returns the orders of saved scope id as they were found,
// oldest first, each with the card attempt it was found by.
func (s *Service) ScopeOrders(ctx context.Context, id int64) ([]AffectedOrder, error) {
	if _, err := s.GetScope(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+affectedColumns+`
		FROM incident_scope_orders so
		JOIN orders o ON o.id = so.order_id
		LEFT JOIN payments p ON p.id = so.payment_id
		WHERE so.scope_id = $1
		ORDER BY o.created_at, o.id`, id)
	if err != nil {
		return nil, fmt.Errorf("incident: scope %d orders: %w", id, err)
	}
	defer rows.Close()
	var out []AffectedOrder
	for rows.Next() {
		a, err := scanAffected(rows)
		if err != nil {
			return nil, fmt.Errorf("incident: scope %d orders: %w", id, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ScopeCustomers returns every person of saved scope id with their
// orders, ordered by key: what the notifications are sent to. Each is
// filled as Customer says: a member's default address when the person
// has an account (found by an order placed while logged in, or by the
// address), else the shipping address of their newest order.
func (s *Service) ScopeCustomers(ctx context.Context, id int64) ([]Customer, error) {
	if _, err := s.GetScope(ctx, id); err != nil {
		return nil, err
	}
	var out []Customer
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = loadCustomers(ctx, tx, id, nil)
		return err
	})
	return out, err
}

// MaxCustomerPage bounds one page of ScopeCustomersPage.
const MaxCustomerPage = 200

// ScopeCustomersPage is one page of ScopeCustomers, for the admin's list.
func (s *Service) ScopeCustomersPage(ctx context.Context, id int64, offset, limit int) ([]Customer, error) {
	p := shop.Problems{}
	if offset < 0 {
		p.Add("offset", shop.ReasonRange)
	}
	if limit < 1 || limit > MaxCustomerPage {
		p.Add("limit", shop.ReasonRange)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if _, err := s.GetScope(ctx, id); err != nil {
		return nil, err
	}
	var out []Customer
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT customer_key FROM incident_scope_orders WHERE scope_id = $1
			GROUP BY customer_key ORDER BY customer_key LIMIT $2 OFFSET $3`, id, limit, offset)
		if err != nil {
			return fmt.Errorf("incident: scope %d customers: %w", id, err)
		}
		keys := []string{}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return fmt.Errorf("incident: scope %d customers: %w", id, err)
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("incident: scope %d customers: %w", id, err)
		}
		if len(keys) == 0 {
			return nil
		}
		out, err = loadCustomers(ctx, tx, id, keys)
		return err
	})
	return out, err
}

// scopeOrder is an order of a scope with what its customer needs.
type scopeOrder struct {
	AffectedOrder
	key      string
	email    string
	memberID int64
	address  shop.Address
}

// account is a member's account as a letter needs it.
type account struct {
	id      int64
	email   string
	address shop.Address
	has     bool // a default address exists
}

// loadCustomers reads the people of scope id (only those of keys when
// keys is not nil) in tx.
func loadCustomers(ctx context.Context, tx *sql.Tx, id int64, keys []string) ([]Customer, error) {
	var args db.Args
	scope := "so.scope_id = " + args.Add(id)
	if keys != nil {
		scope += " AND so.customer_key IN (" + in(&args, keys) + ")"
	}
	orders, err := loadScopeOrders(ctx, tx, scope, args)
	if err != nil {
		return nil, fmt.Errorf("incident: scope %d customers: %w", id, err)
	}
	accounts, err := loadAccounts(ctx, tx, scope, args)
	if err != nil {
		return nil, fmt.Errorf("incident: scope %d customers: %w", id, err)
	}
	byID := map[int64]account{}
	byEmail := map[string]account{}
	for _, a := range accounts {
		byID[a.id], byEmail[a.email] = a, a
	}
	var out []Customer
	for start := 0; start < len(orders); {
		end := start + 1
		for end < len(orders) && orders[end].key == orders[start].key {
			end++
		}
		out = append(out, customerOf(orders[start:end], byID, byEmail))
		start = end
	}
	return out, nil
}

// customerOf makes one person from their orders, oldest first.
func customerOf(orders []scopeOrder, byID map[int64]account, byEmail map[string]account) Customer {
	newest := orders[len(orders)-1]
	c := Customer{Key: newest.key, Email: newest.email}
	var acc account
	var found bool
	for _, o := range slices.Backward(orders) {
		if acc, found = byID[o.memberID]; found {
			break
		}
	}
	if !found {
		acc, found = byEmail[c.Key]
	}
	addr := newest.address
	if found {
		c.MemberID, c.Email = acc.id, acc.email
		if acc.has {
			addr = acc.address
		}
	}
	c.Name, c.Phone, c.PostalCode, c.Prefecture = addr.Name, addr.Phone, addr.PostalCode, addr.PrefectureName()
	c.City, c.Line1, c.Line2 = addr.City, addr.Line1, addr.Line2
	c.Orders = make([]AffectedOrder, len(orders))
	for i, o := range orders {
		c.Orders[i] = o.AffectedOrder
	}
	return c
}

func loadScopeOrders(ctx context.Context, tx *sql.Tx, scope string, args db.Args) ([]scopeOrder, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+affectedColumns+`, so.customer_key, o.email, COALESCE(o.member_id, 0),
			o.ship_name, o.ship_phone, o.ship_postal_code, o.ship_prefecture, o.ship_city, o.ship_line1, o.ship_line2
		FROM incident_scope_orders so
		JOIN orders o ON o.id = so.order_id
		LEFT JOIN payments p ON p.id = so.payment_id
		WHERE `+scope+`
		ORDER BY so.customer_key, o.created_at, o.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scopeOrder
	for rows.Next() {
		var o scopeOrder
		a := &o.address
		o.AffectedOrder, err = scanAffected(rows, &o.key, &o.email, &o.memberID,
			&a.Name, &a.Phone, &a.PostalCode, &a.Prefecture, &a.City, &a.Line1, &a.Line2)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// loadAccounts reads the members among the scope's people, found by an
// order placed while logged in or by the e-mail address, with their
// default address if they keep one.
func loadAccounts(ctx context.Context, tx *sql.Tx, scope string, args db.Args) ([]account, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.id, m.email, a.id IS NOT NULL,
			COALESCE(a.name, ''), COALESCE(a.phone, ''), COALESCE(a.postal_code, ''), COALESCE(a.prefecture, 0),
			COALESCE(a.city, ''), COALESCE(a.line1, ''), COALESCE(a.line2, '')
		FROM members m
		LEFT JOIN addresses a ON a.id = (SELECT MIN(d.id) FROM addresses d WHERE d.member_id = m.id AND d.is_default)
		WHERE m.email IN (SELECT so.customer_key FROM incident_scope_orders so WHERE `+scope+`)
		   OR m.id IN (SELECT o.member_id FROM incident_scope_orders so JOIN orders o ON o.id = so.order_id WHERE `+scope+`)`,
		args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account
	for rows.Next() {
		var a account
		ad := &a.address
		if err := rows.Scan(&a.id, &a.email, &a.has, &ad.Name, &ad.Phone, &ad.PostalCode, &ad.Prefecture,
			&ad.City, &ad.Line1, &ad.Line2); err != nil {
			return nil, err
		}
		a.email = strings.ToLower(a.email)
		out = append(out, a)
	}
	return out, rows.Err()
}
