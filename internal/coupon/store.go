package coupon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// Customer is who uses a coupon, for its per-customer limit: a member by
// id, a guest by e-mail address (lower-cased, hashed as throttle does).
func Customer(memberID int64, email string) string {
	if memberID != 0 {
		return "member:" + strconv.FormatInt(memberID, 10)
	}
	return "email:" + throttle.Email(email)
}

const couponSelect = `SELECT id, code, description, kind, amount, min_spend, starts_on, ends_on,
	max_uses, max_per_customer, uses, disabled, created_at, updated_at FROM coupons`

func scanCoupon(row interface{ Scan(...any) error }) (*Coupon, error) {
	c := &Coupon{}
	err := row.Scan(&c.ID, &c.Code, &c.Description, &c.Kind, &c.Amount, &c.MinSpend, &c.StartsOn, &c.EndsOn,
		&c.MaxUses, &c.MaxPerCustomer, &c.Uses, &c.Disabled, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

// loadScopes fills the coupon's categories and products.
func loadScopes(ctx context.Context, tx *sql.Tx, c *Coupon) error {
	for _, s := range []struct {
		table, col string
		ids        *[]int64
	}{{"coupon_categories", "category_id", &c.CategoryIDs}, {"coupon_products", "product_id", &c.ProductIDs}} {
		rows, err := tx.QueryContext(ctx, `SELECT `+s.col+` FROM `+s.table+` WHERE coupon_id = $1 ORDER BY `+s.col, c.ID)
		if err != nil {
			return fmt.Errorf("coupon %s: %w", c.Code, err)
		}
		*s.ids = nil
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("coupon %s: %w", c.Code, err)
			}
			*s.ids = append(*s.ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("coupon %s: %w", c.Code, err)
		}
	}
	return nil
}

// ByCode returns the coupon with the (normalised) code, or nil.
func ByCode(ctx context.Context, tx *sql.Tx, code string) (*Coupon, error) {
	c, err := scanCoupon(tx.QueryRowContext(ctx, couponSelect+` WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("coupon %q: %w", code, err)
	}
	return c, loadScopes(ctx, tx, c)
}

// ItemsOf looks up the product and category of each variant, for lines
// given as (variant, rate, amount).
func ItemsOf(ctx context.Context, tx *sql.Tx, variants []int64, rates []shop.TaxRate, amounts []shop.Yen) ([]Item, error) {
	items := make([]Item, len(variants))
	for i, v := range variants {
		items[i] = Item{Rate: rates[i], Amount: amounts[i]}
		err := tx.QueryRowContext(ctx, `SELECT p.id, p.category_id FROM variants v JOIN products p ON p.id = v.product_id
			WHERE v.id = $1`, v).Scan(&items[i].ProductID, &items[i].CategoryID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("coupon items: variant %d: %w", v, err)
		}
	}
	return items, nil
}

// Check finds the code and computes its discount on items for customer on
// the Japan date today. A code that cannot be used is the field reason
// (shop.ReasonCoupon…) with a zero Applied; a database failure is err.
func Check(ctx context.Context, tx *sql.Tx, code string, items []Item, customer, today string) (Applied, string, error) {
	c, err := ByCode(ctx, tx, code)
	if err != nil {
		return Applied{}, "", err
	}
	if c == nil {
		return Applied{}, shop.ReasonCouponUnknown, nil
	}
	a, reason := c.Apply(items, today)
	if reason != "" {
		return Applied{}, reason, nil
	}
	if c.MaxUses > 0 && c.Uses >= c.MaxUses {
		return Applied{}, shop.ReasonCouponUsedUp, nil
	}
	if used, err := usesBy(ctx, tx, c.ID, customer); err != nil {
		return Applied{}, "", err
	} else if c.MaxPerCustomer > 0 && used >= c.MaxPerCustomer {
		return Applied{}, shop.ReasonCouponUsedUp, nil
	}
	return a, "", nil
}

func usesBy(ctx context.Context, tx *sql.Tx, couponID int64, customer string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM coupon_redemptions
		WHERE coupon_id = $1 AND customer = $2 AND released_at IS NULL`,
		couponID, customer).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("coupon %d: uses: %w", couponID, err)
	}
	return n, nil
}

// ErrUsedUp refuses a use over the coupon's limits; it names the field.
var ErrUsedUp = &shop.Error{Code: shop.Invalid, Message: "the coupon has been used up",
	Fields: map[string]string{"coupon_code": shop.ReasonCouponUsedUp}}

// Redeem records the use of a on the order in tx (the order's own
// transaction). The coupon's row is updated first, which locks it on
// PostgreSQL (and SQLite's write transaction excludes every other
// writer), so the limits are checked against every use committed before:
// concurrent orders cannot take more than MaxUses in all or
// MaxPerCustomer each. Over a limit, or a coupon stopped meanwhile, it is
// ErrUsedUp and the caller's transaction rolls back.
func Redeem(ctx context.Context, tx *sql.Tx, a Applied, orderID int64, customer string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE coupons SET uses = uses + 1
		WHERE id = $1 AND NOT disabled AND (max_uses = 0 OR uses < max_uses)`, a.CouponID)
	if err != nil {
		return fmt.Errorf("redeem coupon %s: %w", a.Code, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("redeem coupon %s: %w", a.Code, err)
	} else if n == 0 {
		return ErrUsedUp
	}
	var perCustomer int
	if err := tx.QueryRowContext(ctx, `SELECT max_per_customer FROM coupons WHERE id = $1`, a.CouponID).Scan(&perCustomer); err != nil {
		return fmt.Errorf("redeem coupon %s: %w", a.Code, err)
	}
	if perCustomer > 0 {
		used, err := usesBy(ctx, tx, a.CouponID, customer)
		if err != nil {
			return err
		}
		if used >= perCustomer {
			return ErrUsedUp
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO coupon_redemptions
		(order_id, coupon_id, code, customer, discount, discount_standard, discount_reduced, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		orderID, a.CouponID, a.Code, customer, int64(a.Discount), int64(a.Standard), int64(a.Reduced), now.UTC())
	if err != nil {
		return fmt.Errorf("redeem coupon %s: %w", a.Code, err)
	}
	return nil
}

// Release gives back the use of a coupon on the order, in the transaction
// that cancels it: the coupon's count and the customer's own limit no
// longer include it. The redemption stays, marked, for the order's
// documents; a second call changes nothing.
func Release(ctx context.Context, tx *sql.Tx, orderID int64, now time.Time) error {
	var couponID int64
	err := tx.QueryRowContext(ctx, `UPDATE coupon_redemptions SET released_at = $2
		WHERE order_id = $1 AND released_at IS NULL RETURNING coupon_id`, orderID, now.UTC()).Scan(&couponID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release coupon of order %d: %w", orderID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE coupons SET uses = uses - 1 WHERE id = $1 AND uses > 0`, couponID); err != nil {
		return fmt.Errorf("release coupon %d: %w", couponID, err)
	}
	return nil
}

// Discounted reports whether a coupon lowered the order's price, for the
// staff's order edit (order.EditRules).
func Discounted(ctx context.Context, tx *sql.Tx, orderID int64) (bool, error) {
	a, err := OfOrder(ctx, tx, orderID)
	return a != nil, err
}

// OfOrder returns the coupon used on the order, or nil.
func OfOrder(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, orderID int64) (*Applied, error) {
	a := &Applied{}
	err := q.QueryRowContext(ctx, `SELECT coupon_id, code, discount, discount_standard, discount_reduced
		FROM coupon_redemptions WHERE order_id = $1`, orderID).Scan(&a.CouponID, &a.Code, &a.Discount, &a.Standard, &a.Reduced)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("coupon of order %d: %w", orderID, err)
	}
	return a, nil
}
