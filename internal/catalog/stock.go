package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"kaede/internal/shop"
)

// The variants' stock column has one owner, this file: checkout reserves,
// a cancelled or expired order returns, staff set and adjust. Every change
// is a single UPDATE inside the caller's transaction, so that a checkout
// (reserve, create the order, record the payment) stays one atomic unit.

// Quantity is a number of one variant, as checkout reserves it and a
// cancellation returns it. SKU names the variant in errors.
type Quantity struct {
	VariantID int64
	SKU       string
	Quantity  int
}

// ReserveStock takes each quantity off its variant's stock inside tx. The
// check and the decrement are one conditional UPDATE, atomic on both
// databases, so two checkouts can never sell the same last item; a variant
// without enough stock is a shop.OutOfStock error naming its SKU. Variants
// are updated in id order so that concurrent checkouts (and ReturnStock)
// lock rows in the same order and cannot deadlock.
func ReserveStock(ctx context.Context, tx *sql.Tx, items []Quantity) error {
	for _, q := range byVariant(items) {
		if _, ok, err := addStock(ctx, tx, q.VariantID, -q.Quantity); err != nil {
			return fmt.Errorf("reserve %s: %w", q.SKU, err)
		} else if !ok {
			return shop.Errorf(shop.OutOfStock, "not enough stock of %s", q.SKU)
		}
	}
	return nil
}

// ReturnStock puts each quantity back on its variant's stock inside tx,
// when an order is cancelled or expires unpaid, in the same lock order as
// ReserveStock.
func ReturnStock(ctx context.Context, tx *sql.Tx, items []Quantity) error {
	for _, q := range byVariant(items) {
		if _, _, err := addStock(ctx, tx, q.VariantID, q.Quantity); err != nil {
			return fmt.Errorf("return stock of %s: %w", q.SKU, err)
		}
	}
	return nil
}

// byVariant returns a copy of items in variant id order.
func byVariant(items []Quantity) []Quantity {
	sorted := append([]Quantity(nil), items...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].VariantID < sorted[j].VariantID })
	return sorted
}

// addStock adds delta (negative to take away) to the variant's stock in
// one UPDATE and returns the new stock. ok is false, and nothing changes,
// when the stock would fall below zero or the variant does not exist.
func addStock(ctx context.Context, tx *sql.Tx, variantID int64, delta int) (stock int, ok bool, err error) {
	err = tx.QueryRowContext(ctx, `
		UPDATE variants SET stock = stock + $1
		WHERE id = $2 AND stock + $1 >= 0
		RETURNING stock`, delta, variantID).Scan(&stock)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return stock, true, nil
}

// setStock sets the variant's stock to a counted number inside tx.
func setStock(ctx context.Context, tx *sql.Tx, variantID int64, stock int) error {
	_, err := tx.ExecContext(ctx, `UPDATE variants SET stock = $1 WHERE id = $2`, stock, variantID)
	return err
}
