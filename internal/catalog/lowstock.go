package catalog

import (
	"context"
	"fmt"
)

// ReorderLevel is the stock at or under which the admin's dashboard lists
// a variant, so that staff order more before it sells out. It is the
// shop's own warning, above the store's 「残りわずか」 to customers.
const ReorderLevel = 5

// LowVariant is a variant whose stock is at or under ReorderLevel, with
// its product's name for the list.
type LowVariant struct {
	ProductID   int64
	ProductName string // in Japanese
	VariantID   int64
	SKU         string
	Label       string // the variant's label in Japanese; "" for a product's only variant
	Stock       int
}

// LowStock returns up to limit variants of published products with stock
// at or under ReorderLevel, the emptiest first.
func (s *Service) LowStock(ctx context.Context, limit int) ([]LowVariant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.name_ja, v.id, v.sku, v.label_ja, v.stock
		FROM variants v JOIN products p ON p.id = v.product_id
		WHERE p.status = $1 AND v.stock <= $2
		ORDER BY v.stock, p.position, p.id, v.position LIMIT $3`, StatusPublished, ReorderLevel, limit)
	if err != nil {
		return nil, fmt.Errorf("low stock: %w", err)
	}
	defer rows.Close()
	var out []LowVariant
	for rows.Next() {
		var v LowVariant
		if err := rows.Scan(&v.ProductID, &v.ProductName, &v.VariantID, &v.SKU, &v.Label, &v.Stock); err != nil {
			return nil, fmt.Errorf("low stock: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
