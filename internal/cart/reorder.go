package cart

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kaede/internal/shop"
)

// ReorderItem is one line of a past order to buy again, as it was sold.
type ReorderItem struct {
	VariantID int64
	Name      string // as sold, in Japanese
	NameEn    string
	Quantity  int
	UnitPrice shop.Yen // what was paid then, tax included
}

// What happened to one item of a re-order.
const (
	ReorderAdded       = "added"       // all of it is in the cart
	ReorderReduced     = "reduced"     // some of it: the stock or the per-order limit
	ReorderUnavailable = "unavailable" // none: no longer sold, sold out, or not for this customer
	ReorderCartFull    = "cart_full"   // none: the cart holds MaxLines items already
)

// ReorderResult is what became of one item.
type ReorderResult struct {
	Item      ReorderItem
	Outcome   string   // one of the Reorder… outcomes
	Quantity  int      // how many are now added to the cart
	UnitPrice shop.Yen // today's price for the customer, when added
}

// PriceChanged reports whether today's price differs from the one paid.
func (r ReorderResult) PriceChanged() bool {
	return r.Quantity > 0 && r.UnitPrice != r.Item.UnitPrice
}

// Reorder puts the items of a past order into the cart, in one
// transaction, at today's prices for the viewer: each item as much as the
// stock and the per-order limit allow, on top of what the cart holds; an
// item no longer for sale, sold out or practitioners-only for a viewer who
// is not one is left out. The results say, item by item, what happened,
// so that the customer can be told.
func (s *Service) Reorder(ctx context.Context, cartID string, items []ReorderItem, viewer shop.Viewer) ([]ReorderResult, *Cart, error) {
	defer s.counts.Forget(cartID) // once the change has committed
	results := make([]ReorderResult, len(items))
	var c *Cart
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockCart(ctx, tx, cartID, viewer); err != nil {
			return err
		}
		for i, it := range items {
			res, err := s.reorderOne(ctx, tx, cartID, it, viewer)
			if err != nil {
				return err
			}
			results[i] = res
		}
		var err error
		if c, err = Load(ctx, tx, cartID, viewer); err != nil {
			return err
		}
		prices := make(map[int64]shop.Yen, len(c.Lines))
		for _, l := range c.Lines {
			prices[l.VariantID] = l.UnitPrice
		}
		for i := range results {
			results[i].UnitPrice = prices[results[i].Item.VariantID]
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("re-order into cart: %w", err)
	}
	return results, c, nil
}

func (s *Service) reorderOne(ctx context.Context, tx *sql.Tx, cartID string, it ReorderItem, viewer shop.Viewer) (ReorderResult, error) {
	res := ReorderResult{Item: it, Outcome: ReorderUnavailable}
	v := variant{id: it.VariantID}
	err := tx.QueryRowContext(ctx, `SELECT v.sku, v.stock, v.max_per_order, p.practitioners_only
		FROM variants v JOIN products p ON p.id = v.product_id
		WHERE v.id = $1 AND p.status = 'published'`, it.VariantID).Scan(&v.sku, &v.stock, &v.maxPerOrder, &v.practitionersOnly)
	if errors.Is(err, sql.ErrNoRows) || it.Quantity < 1 {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("find variant %d: %w", it.VariantID, err)
	}
	if v.practitionersOnly && !viewer.Practitioner {
		return res, nil
	}
	current, err := quantityInCart(ctx, tx, cartID, v.id)
	if err != nil {
		return res, err
	}
	qty := min(current+it.Quantity, v.limit(), v.stock)
	if qty <= current {
		return res, nil
	}
	if err := s.putLine(ctx, tx, cartID, v.id, current, qty); err != nil {
		if shop.ErrorCode(err) == shop.Conflict {
			res.Outcome = ReorderCartFull
			return res, nil
		}
		return res, err
	}
	res.Quantity = qty - current
	res.Outcome = ReorderAdded
	if res.Quantity < it.Quantity {
		res.Outcome = ReorderReduced
	}
	return res, nil
}
