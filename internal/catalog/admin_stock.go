package catalog

import (
	"context"
	"database/sql"
	"fmt"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// SetStock sets the variant's stock to a counted number (棚卸し), audited
// as "catalog.stock.set". Orders placed since the count was taken are not
// accounted for: for goods received, AdjustStock is the safer choice.
func (s *Service) SetStock(ctx context.Context, variantID int64, stock int, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockVariant(ctx, tx, variantID)
		if err != nil {
			return change{}, err
		}
		if stock < 0 || stock > maxStock {
			return change{}, shop.Problems{"stock": shop.ReasonRange}.Err()
		}
		if err := setStock(ctx, tx, variantID, stock); err != nil {
			return change{}, err
		}
		if _, err := s.refresh(ctx, tx, before.ProductID); err != nil {
			return change{}, err
		}
		after := before
		after.Stock = stock
		return change{action: "catalog.stock.set", target: variantTarget(variantID),
			before: variantStateOf(before), after: variantStateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("set stock of variant %d: %w", variantID, err)
	}
	return nil
}

// AdjustStock adds delta (negative to take away: breakage, samples) to the
// variant's stock in one UPDATE, so that stock checkout takes at the same
// moment is not lost, and returns the new stock. Stock that would fall
// below zero is a Conflict; above the limit, an Invalid "delta".
func (s *Service) AdjustStock(ctx context.Context, variantID int64, delta int, by audit.Actor) (int, error) {
	var stock int
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockVariant(ctx, tx, variantID)
		if err != nil {
			return change{}, err
		}
		if delta < -maxStock || delta > maxStock || before.Stock+delta > maxStock {
			return change{}, shop.Problems{"delta": shop.ReasonRange}.Err()
		}
		var ok bool
		if stock, ok, err = addStock(ctx, tx, variantID, delta); err != nil {
			return change{}, err
		}
		if !ok {
			return change{}, shop.Errorf(shop.Conflict, "stock would fall below zero")
		}
		if _, err := s.refresh(ctx, tx, before.ProductID); err != nil {
			return change{}, err
		}
		after := before
		after.Stock = stock
		return change{action: "catalog.stock.adjust", target: variantTarget(variantID),
			before: variantStateOf(before), after: variantStateOf(after)}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("adjust stock of variant %d: %w", variantID, err)
	}
	return stock, nil
}
