package coupon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// Service is the staff's side of coupons: list, create, edit and stop
// them, each change audited in its own transaction.
type Service struct {
	db    *db.DB
	clock shop.Clock
}

// New returns the coupon service over d.
func New(d *db.DB, clock shop.Clock) *Service { return &Service{db: d, clock: clock} }

// Input is a coupon as staff type it. Field names in errors are the
// form's: "code", "description", "kind", "amount", "min_spend",
// "starts_on", "ends_on", "max_uses", "max_per_customer", "category_ids",
// "product_ids".
type Input struct {
	Code           string
	Description    string
	Kind           string
	Amount         string
	MinSpend       string
	StartsOn       string
	EndsOn         string
	MaxUses        string
	MaxPerCustomer string
	CategoryIDs    []string
	ProductIDs     []string
}

// parse validates the input into a coupon (without id and times).
func parse(in Input) (Coupon, error) {
	p := shop.Problems{}
	c := Coupon{Code: NormalizeCode(in.Code), Description: strings.TrimSpace(in.Description), Kind: Kind(in.Kind),
		StartsOn: strings.TrimSpace(in.StartsOn), EndsOn: strings.TrimSpace(in.EndsOn)}
	if c.Code == "" {
		p.Add("code", shop.ReasonRequired)
	} else if !ValidCode(c.Code) {
		p.Add("code", shop.ReasonFormat)
	}
	if len([]rune(c.Description)) > 200 {
		p.Add("description", shop.ReasonLength)
	}
	num := func(field, s string, lo, hi int64, required bool) int64 {
		s = strings.TrimSpace(s)
		if s == "" {
			if required {
				p.Add(field, shop.ReasonRequired)
			}
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			p.Add(field, shop.ReasonFormat)
			return 0
		}
		if n < lo || n > hi {
			p.Add(field, shop.ReasonRange)
		}
		return n
	}
	switch c.Kind {
	case Fixed:
		c.Amount = num("amount", in.Amount, 1, 10_000_000, true)
	case Percent:
		c.Amount = num("amount", in.Amount, 1, 100, true)
	default:
		p.Add("kind", shop.ReasonChoice)
	}
	c.MinSpend = shop.Yen(num("min_spend", in.MinSpend, 0, 100_000_000, false))
	c.MaxUses = int(num("max_uses", in.MaxUses, 0, 1_000_000, false))
	c.MaxPerCustomer = int(num("max_per_customer", in.MaxPerCustomer, 0, 1_000_000, false))
	for _, d := range []struct{ field, v string }{{"starts_on", c.StartsOn}, {"ends_on", c.EndsOn}} {
		if d.v == "" {
			continue
		}
		if t, err := time.Parse(time.DateOnly, d.v); err != nil || t.Format(time.DateOnly) != d.v {
			p.Add(d.field, shop.ReasonFormat)
		}
	}
	if c.StartsOn != "" && c.EndsOn != "" && c.EndsOn < c.StartsOn {
		p.Add("ends_on", shop.ReasonRange)
	}
	ids := func(field string, ss []string) []int64 {
		var out []int64
		for _, s := range ss {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				p.Add(field, shop.ReasonChoice)
				continue
			}
			out = append(out, n)
		}
		return out
	}
	c.CategoryIDs = ids("category_ids", in.CategoryIDs)
	c.ProductIDs = ids("product_ids", in.ProductIDs)
	return c, p.Err()
}

// List returns every coupon, newest first.
func (s *Service) List(ctx context.Context) ([]*Coupon, error) {
	var out []*Coupon
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, couponSelect+` ORDER BY id DESC`)
		if err != nil {
			return fmt.Errorf("list coupons: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCoupon(rows)
			if err != nil {
				return fmt.Errorf("list coupons: %w", err)
			}
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("list coupons: %w", err)
		}
		for _, c := range out {
			if err := loadScopes(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// ErrNotFound is a coupon id that does not exist.
var ErrNotFound = &shop.Error{Code: shop.NotFound, Message: "no such coupon"}

// Get returns the coupon with the id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (*Coupon, error) {
	var c *Coupon
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = byID(ctx, tx, id)
		return err
	})
	return c, err
}

func byID(ctx context.Context, tx *sql.Tx, id int64) (*Coupon, error) {
	c, err := scanCoupon(tx.QueryRowContext(ctx, couponSelect+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("coupon %d: %w", id, err)
	}
	return c, loadScopes(ctx, tx, c)
}

// Create adds a coupon. A code in use is code: shop.ReasonTaken; an
// unknown category or product is category_ids or product_ids: choice.
func (s *Service) Create(ctx context.Context, in Input, by audit.Actor) (*Coupon, error) {
	c, err := parse(in)
	if err != nil {
		return nil, err
	}
	now := s.clock().UTC()
	var out *Coupon
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO coupons (code, description, kind, amount, min_spend, starts_on, ends_on,
			max_uses, max_per_customer, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			c.Code, c.Description, c.Kind, c.Amount, int64(c.MinSpend), c.StartsOn, c.EndsOn, c.MaxUses, c.MaxPerCustomer, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return shop.Problems{"code": shop.ReasonTaken}.Err()
		}
		if err != nil {
			return fmt.Errorf("create coupon %s: %w", c.Code, err)
		}
		if err := writeScopes(ctx, tx, id, c); err != nil {
			return err
		}
		if out, err = byID(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "coupon.create", "coupon:"+strconv.FormatInt(id, 10), nil, out)
	})
	return out, err
}

// Update rewrites the coupon's rules; its uses stay.
func (s *Service) Update(ctx context.Context, id int64, in Input, by audit.Actor) (*Coupon, error) {
	c, err := parse(in)
	if err != nil {
		return nil, err
	}
	now := s.clock().UTC()
	var out *Coupon
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := byID(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE coupons SET code = $1, description = $2, kind = $3, amount = $4, min_spend = $5,
			starts_on = $6, ends_on = $7, max_uses = $8, max_per_customer = $9, updated_at = $10 WHERE id = $11`,
			c.Code, c.Description, c.Kind, c.Amount, int64(c.MinSpend), c.StartsOn, c.EndsOn, c.MaxUses, c.MaxPerCustomer, now, id)
		if db.IsUniqueViolation(err) {
			return shop.Problems{"code": shop.ReasonTaken}.Err()
		}
		if err != nil {
			return fmt.Errorf("update coupon %d: %w", id, err)
		}
		for _, t := range []string{"coupon_categories", "coupon_products"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE coupon_id = $1`, id); err != nil {
				return fmt.Errorf("update coupon %d: %w", id, err)
			}
		}
		if err := writeScopes(ctx, tx, id, c); err != nil {
			return err
		}
		if out, err = byID(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "coupon.update", "coupon:"+strconv.FormatInt(id, 10), before, out)
	})
	return out, err
}

// SetDisabled stops the coupon (disabled) or lets it be used again.
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool, by audit.Actor) error {
	now := s.clock().UTC()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := byID(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE coupons SET disabled = $1, updated_at = $2 WHERE id = $3`, disabled, now, id); err != nil {
			return fmt.Errorf("coupon %d: %w", id, err)
		}
		action := "coupon.enable"
		if disabled {
			action = "coupon.disable"
		}
		return audit.Record(ctx, tx, now, by, action, "coupon:"+strconv.FormatInt(id, 10),
			map[string]any{"code": before.Code, "disabled": before.Disabled}, map[string]any{"code": before.Code, "disabled": disabled})
	})
}

// writeScopes writes the coupon's categories and products; an id that
// does not exist is a field problem, not a 500.
func writeScopes(ctx context.Context, tx *sql.Tx, id int64, c Coupon) error {
	for _, s := range []struct {
		table, col, ref, field string
		ids                    []int64
	}{{"coupon_categories", "category_id", "categories", "category_ids", c.CategoryIDs},
		{"coupon_products", "product_id", "products", "product_ids", c.ProductIDs}} {
		seen := map[int64]bool{}
		for _, ref := range s.ids {
			if seen[ref] {
				continue
			}
			seen[ref] = true
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+s.ref+` WHERE id = $1`, ref).Scan(&n); err != nil {
				return fmt.Errorf("coupon %d: %w", id, err)
			}
			if n == 0 {
				return shop.Problems{s.field: shop.ReasonChoice}.Err()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.table+` (coupon_id, `+s.col+`) VALUES ($1, $2)`, id, ref); err != nil {
				return fmt.Errorf("coupon %d: %w", id, err)
			}
		}
	}
	return nil
}
