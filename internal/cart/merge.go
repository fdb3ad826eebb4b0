package cart

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kaede/internal/shop"
)

// guestLine is a line of the guest cart being merged.
type guestLine struct {
	v   variant
	qty int
}

// Merge moves a guest's cart into the member's latest cart when the guest
// logs in: quantities are added, each capped by the variant's limit and
// stock; lines the member may not buy (practitioners-only for a member
// without an approved licence) or that would pass MaxLines are dropped;
// the guest cart is deleted. An unknown guest cart, or one that is another
// member's, merges nothing: logging in must not fail over a stale cookie.
func (s *Service) Merge(ctx context.Context, guestID string, memberID int64) (*Cart, error) {
	var c *Cart
	var id string
	defer func() { s.counts.Forget(guestID, id) }() // once the merge has committed
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		viewer, err := memberViewer(ctx, tx, memberID)
		if err != nil {
			return err
		}
		id, err = s.memberCart(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if guestID != id {
			if err := s.mergeInto(ctx, tx, guestID, id, memberID, viewer.Practitioner); err != nil {
				return err
			}
		}
		c, err = Load(ctx, tx, id, viewer)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) mergeInto(ctx context.Context, tx *sql.Tx, guestID, memberCartID string, memberID int64, practitioner bool) error {
	var owner int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(member_id, 0) FROM carts WHERE id = $1`+s.db.ForUpdate(), guestID).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) || err == nil && owner != 0 && owner != memberID {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read guest cart: %w", err)
	}
	lines, err := guestLines(ctx, tx, guestID)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if l.v.practitionersOnly && !practitioner {
			continue
		}
		current, err := quantityInCart(ctx, tx, memberCartID, l.v.id)
		if err != nil {
			return err
		}
		qty := min(current+l.qty, l.v.limit(), l.v.stock)
		if qty <= current {
			continue
		}
		err = s.putLine(ctx, tx, memberCartID, l.v.id, current, qty)
		if shop.ErrorCode(err) == shop.Conflict {
			break // the member's cart is full: the rest is dropped
		}
		if err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM carts WHERE id = $1`, guestID); err != nil {
		return fmt.Errorf("delete guest cart: %w", err)
	}
	return nil
}

func guestLines(ctx context.Context, tx *sql.Tx, cartID string) ([]guestLine, error) {
	rows, err := tx.QueryContext(ctx, `SELECT v.id, v.sku, v.stock, v.max_per_order, p.practitioners_only, ci.quantity
		FROM cart_items ci
		JOIN variants v ON v.id = ci.variant_id
		JOIN products p ON p.id = v.product_id
		WHERE ci.cart_id = $1 AND p.status = 'published'
		ORDER BY ci.added_at, v.id`, cartID)
	if err != nil {
		return nil, fmt.Errorf("read guest cart lines: %w", err)
	}
	defer rows.Close()
	var lines []guestLine
	for rows.Next() {
		var l guestLine
		if err := rows.Scan(&l.v.id, &l.v.sku, &l.v.stock, &l.v.maxPerOrder, &l.v.practitionersOnly, &l.qty); err != nil {
			return nil, fmt.Errorf("read guest cart lines: %w", err)
		}
		lines = append(lines, l)
	}
	return lines, rows.Err()
}
