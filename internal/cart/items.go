package cart

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kaede/internal/shop"
)

// variant is what the cart rules need to know of a variant.
type variant struct {
	id                int64
	sku               string
	stock             int
	maxPerOrder       int
	practitionersOnly bool
}

func (v variant) limit() int { return min(v.maxPerOrder, MaxQuantity) }

// AddItem adds qty of the variant with the SKU to the cart, on top of what
// the cart already holds. The rules, checked in this order:
//   - an empty SKU, a SKU that is unknown or whose product is not
//     published, or qty < 1: Invalid naming "sku" and/or "quantity"
//     (an unknown SKU is a bad input, not a missing cart, hence not NotFound);
//   - a practitioners-only product for a viewer who is not an approved
//     practitioner: Forbidden;
//   - a resulting quantity over the variant's max_per_order or 99: Invalid
//     {"quantity": range};
//   - a resulting quantity over the stock: OutOfStock naming the SKU;
//   - a new line in a cart that already has 50: Conflict.
func (s *Service) AddItem(ctx context.Context, id, sku string, qty int, viewer shop.Viewer) (*Cart, error) {
	return s.change(ctx, id, sku, viewer, func(current int) (int, error) {
		if qty < 1 {
			return 0, rangeError()
		}
		return current + qty, nil
	}, qty < 1)
}

// SetQuantity sets the cart's quantity of the variant with the SKU, adding
// the line if needed; 0 removes it. The rules are AddItem's.
func (s *Service) SetQuantity(ctx context.Context, id, sku string, qty int, viewer shop.Viewer) (*Cart, error) {
	if qty == 0 {
		return s.remove(ctx, id, sku, viewer)
	}
	return s.change(ctx, id, sku, viewer, func(int) (int, error) {
		if qty < 0 {
			return 0, rangeError()
		}
		return qty, nil
	}, qty < 0)
}

// change applies next to the line's current quantity under the rules.
// badQty reports a quantity that is wrong whatever the SKU, so that a bad
// SKU and a bad quantity are reported together.
func (s *Service) change(ctx context.Context, id, sku string, viewer shop.Viewer, next func(current int) (int, error), badQty bool) (*Cart, error) {
	defer s.counts.Forget(id) // once the change has committed
	var c *Cart
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockCart(ctx, tx, id, viewer); err != nil {
			return err
		}
		if err := s.changeLine(ctx, tx, id, sku, viewer, next, badQty); err != nil {
			return err
		}
		var err error
		c, err = Load(ctx, tx, id, viewer)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// changeLine is change's work in tx, the cart locked.
func (s *Service) changeLine(ctx context.Context, tx *sql.Tx, id, sku string, viewer shop.Viewer, next func(current int) (int, error), badQty bool) error {
	v, err := findVariant(ctx, tx, sku, badQty)
	if err != nil {
		return err
	}
	if v.practitionersOnly && !viewer.Practitioner {
		return practitionersOnly(v.sku)
	}
	current, err := quantityInCart(ctx, tx, id, v.id)
	if err != nil {
		return err
	}
	qty, err := next(current)
	if err != nil {
		return err
	}
	if err := checkQuantity(v, qty); err != nil {
		return err
	}
	return s.putLine(ctx, tx, id, v.id, current, qty)
}

func (s *Service) remove(ctx context.Context, id, sku string, viewer shop.Viewer) (*Cart, error) {
	defer s.counts.Forget(id) // once the change has committed
	var c *Cart
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockCart(ctx, tx, id, viewer); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM cart_items WHERE cart_id = $1
			AND variant_id IN (SELECT id FROM variants WHERE sku = $2)`, id, sku)
		if err != nil {
			return fmt.Errorf("remove %s from cart: %w", sku, err)
		}
		if err := s.touch(ctx, tx, id); err != nil {
			return err
		}
		c, err = Load(ctx, tx, id, viewer)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// lockCart checks the cart is the viewer's and, on PostgreSQL, locks its
// row, so that two changes to one cart run one after the other and neither
// reads a quantity the other is about to change.
func (s *Service) lockCart(ctx context.Context, tx *sql.Tx, id string, viewer shop.Viewer) error {
	var member int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(member_id, 0) FROM carts WHERE id = $1`+s.db.ForUpdate(), id).Scan(&member)
	if errors.Is(err, sql.ErrNoRows) || err == nil && member != 0 && member != viewer.MemberID {
		return shop.Errorf(shop.NotFound, "cart not found")
	}
	if err != nil {
		return fmt.Errorf("lock cart: %w", err)
	}
	return nil
}

// findVariant returns the published variant with the SKU.
func findVariant(ctx context.Context, tx *sql.Tx, sku string, badQty bool) (variant, error) {
	p := shop.Problems{}
	if badQty {
		p.Add("quantity", shop.ReasonRange)
	}
	if sku == "" {
		p.Add("sku", shop.ReasonRequired)
		return variant{}, p.Err()
	}
	v := variant{sku: sku}
	err := tx.QueryRowContext(ctx, `SELECT v.id, v.stock, v.max_per_order, p.practitioners_only
		FROM variants v JOIN products p ON p.id = v.product_id
		WHERE v.sku = $1 AND p.status = 'published'`, sku).Scan(&v.id, &v.stock, &v.maxPerOrder, &v.practitionersOnly)
	if errors.Is(err, sql.ErrNoRows) {
		p.Add("sku", shop.ReasonChoice)
	} else if err != nil {
		return variant{}, fmt.Errorf("find variant %s: %w", sku, err)
	}
	if err := p.Err(); err != nil {
		return variant{}, err
	}
	return v, nil
}

func quantityInCart(ctx context.Context, tx *sql.Tx, cartID string, variantID int64) (int, error) {
	var qty int
	err := tx.QueryRowContext(ctx, `SELECT quantity FROM cart_items WHERE cart_id = $1 AND variant_id = $2`, cartID, variantID).Scan(&qty)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read cart quantity: %w", err)
	}
	return qty, nil
}

// checkQuantity applies the per-order limit, then the stock.
func checkQuantity(v variant, qty int) error {
	if qty < 1 || qty > v.limit() {
		return rangeError()
	}
	if qty > v.stock {
		return shop.Errorf(shop.OutOfStock, "only %d of %s left in stock", v.stock, v.sku)
	}
	return nil
}

// putLine writes the line's new quantity; current is 0 for a new line,
// which must fit under MaxLines.
func (s *Service) putLine(ctx context.Context, tx *sql.Tx, cartID string, variantID int64, current, qty int) error {
	if current == 0 {
		var lines int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cart_items WHERE cart_id = $1`, cartID).Scan(&lines); err != nil {
			return fmt.Errorf("count cart lines: %w", err)
		}
		if lines >= MaxLines {
			return shop.Errorf(shop.Conflict, "a cart holds at most %d different items", MaxLines)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cart_items (cart_id, variant_id, quantity, added_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = excluded.quantity`, cartID, variantID, qty, s.clock())
	if err != nil {
		return fmt.Errorf("put cart line: %w", err)
	}
	return s.touch(ctx, tx, cartID)
}

// touch marks the cart changed: a member's latest cart is the one they
// last changed.
func (s *Service) touch(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE carts SET updated_at = $1 WHERE id = $2`, s.clock(), id); err != nil {
		return fmt.Errorf("touch cart: %w", err)
	}
	return nil
}

func rangeError() error {
	return &shop.Error{Code: shop.Invalid, Message: "quantity out of range",
		Fields: map[string]string{"quantity": shop.ReasonRange}}
}

func practitionersOnly(sku string) error {
	return shop.Errorf(shop.Forbidden, "%s is sold only to practitioners whose licence the shop has approved", sku)
}
