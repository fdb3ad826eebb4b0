package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// variantState is a variant as the audit log records it.
type variantState struct {
	ID          int64    `json:"id"`
	ProductID   int64    `json:"product_id"`
	SKU         string   `json:"sku"`
	LabelJa     string   `json:"label_ja"`
	LabelEn     string   `json:"label_en"`
	Price       shop.Yen `json:"price"`
	MemberPrice shop.Yen `json:"member_price"`
	Stock       int      `json:"stock"`
	MaxPerOrder int      `json:"max_per_order"`
}

func variantStateOf(v Variant) variantState {
	return variantState{ID: v.ID, ProductID: v.ProductID, SKU: v.SKU, LabelJa: v.LabelJa, LabelEn: v.LabelEn,
		Price: v.Price, MemberPrice: v.MemberPrice, Stock: v.Stock, MaxPerOrder: v.MaxPerOrder}
}

func variantTarget(id int64) string { return "variant:" + strconv.FormatInt(id, 10) }

// lockVariant reads the variant with the id and locks its row (PostgreSQL).
func (s *Service) lockVariant(ctx context.Context, tx *sql.Tx, id int64) (Variant, error) {
	var v Variant
	err := tx.QueryRowContext(ctx, `
		SELECT id, product_id, sku, label_ja, label_en, price, COALESCE(member_price, 0), stock, max_per_order
		FROM variants
		WHERE id = $1`+s.db.ForUpdate(), id).
		Scan(&v.ID, &v.ProductID, &v.SKU, &v.LabelJa, &v.LabelEn, &v.Price, &v.MemberPrice, &v.Stock, &v.MaxPerOrder)
	if errors.Is(err, sql.ErrNoRows) {
		return Variant{}, shop.Errorf(shop.NotFound, "no such variant")
	}
	return v, err
}

// AddVariant adds v to the product, after its other variants, and returns
// the new variant's id. A zero MaxPerOrder means the default, 99. Bad
// input names fields without a prefix ("sku", "price"); a used SKU has
// the reason shop.ReasonTaken.
func (s *Service) AddVariant(ctx context.Context, productID int64, v Variant, by audit.Actor) (int64, error) {
	var id int64
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		if _, err := s.lockProduct(ctx, tx, productID); err != nil {
			return change{}, err
		}
		v = cleanVariant(v)
		problems := shop.Problems{}
		validateVariant(problems, "", v)
		if err := checkTaken(ctx, tx, problems, "sku", `SELECT COUNT(*) FROM variants WHERE sku = $1`, v.SKU); err != nil {
			return change{}, err
		}
		if err := problems.Err(); err != nil {
			return change{}, err
		}
		var err error
		if id, err = insertVariant(ctx, tx, productID, v); err != nil {
			return change{}, err
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		added, _ := after.Variant(id)
		return change{action: "catalog.variant.add", target: variantTarget(id), after: variantStateOf(added)}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("add variant %q to product %d: %w", v.SKU, productID, err)
	}
	return id, nil
}

// cleanVariant trims what people type around the values and fills in the
// default limit per order.
func cleanVariant(v Variant) Variant {
	v.SKU = strings.TrimSpace(v.SKU)
	v.LabelJa, v.LabelEn = strings.TrimSpace(v.LabelJa), strings.TrimSpace(v.LabelEn)
	if v.MaxPerOrder == 0 {
		v.MaxPerOrder = defaultPerOrder
	}
	return v
}

// insertVariant adds v after the product's other variants.
func insertVariant(ctx context.Context, tx *sql.Tx, productID int64, v Variant) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO variants (product_id, sku, label_ja, label_en, price, member_price, stock, max_per_order, position)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
			(SELECT COALESCE(MAX(position), -1) + 1 FROM variants WHERE product_id = $1))
		RETURNING id`,
		productID, v.SKU, v.LabelJa, v.LabelEn, int64(v.Price), nullIfZero(int64(v.MemberPrice)), v.Stock, v.MaxPerOrder).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, shop.Problems{"sku": shop.ReasonTaken}.Err()
	}
	if err != nil {
		return 0, fmt.Errorf("insert variant %s: %w", v.SKU, err)
	}
	return id, nil
}

// VariantUpdate is what the variant form edits. The SKU names the variant
// in orders and imports and does not change; stock changes through
// SetStock and AdjustStock, because checkout takes stock concurrently.
type VariantUpdate struct {
	LabelJa     string
	LabelEn     string
	Price       shop.Yen
	MemberPrice shop.Yen // 0: none
	MaxPerOrder int      // 0: the default, 99
}

// UpdateVariant replaces the variant's labels, prices and limit per order
// with u, audited as "catalog.variant.update".
func (s *Service) UpdateVariant(ctx context.Context, variantID int64, u VariantUpdate, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockVariant(ctx, tx, variantID)
		if err != nil {
			return change{}, err
		}
		v := before
		v.LabelJa, v.LabelEn, v.Price, v.MemberPrice, v.MaxPerOrder = u.LabelJa, u.LabelEn, u.Price, u.MemberPrice, u.MaxPerOrder
		v = cleanVariant(v)
		problems := shop.Problems{}
		validateVariant(problems, "", v)
		if err := problems.Err(); err != nil {
			return change{}, err
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE variants
			SET label_ja = $1, label_en = $2, price = $3, member_price = $4, max_per_order = $5
			WHERE id = $6`,
			v.LabelJa, v.LabelEn, int64(v.Price), nullIfZero(int64(v.MemberPrice)), v.MaxPerOrder, variantID)
		if err != nil {
			return change{}, err
		}
		if _, err := s.refresh(ctx, tx, v.ProductID); err != nil {
			return change{}, err
		}
		return change{action: "catalog.variant.update", target: variantTarget(variantID),
			before: variantStateOf(before), after: variantStateOf(v)}, nil
	})
	if err != nil {
		return fmt.Errorf("update variant %d: %w", variantID, err)
	}
	return nil
}

// DeleteVariant removes a variant that has never been ordered, audited as
// "catalog.variant.delete". An ordered variant is a Conflict: its order
// lines refer to it, and the way to stop selling it is to unpublish the
// product (or set its stock to 0). A product's last variant is a Conflict
// too: a product without variants cannot be shown or bought.
func (s *Service) DeleteVariant(ctx context.Context, variantID int64, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockVariant(ctx, tx, variantID)
		if err != nil {
			return change{}, err
		}
		var ordered, siblings int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM order_lines WHERE variant_id = $1`, variantID).Scan(&ordered); err != nil {
			return change{}, err
		}
		if ordered > 0 {
			return change{}, shop.Errorf(shop.Conflict, "this variant has been ordered and cannot be deleted: unpublish the product or set its stock to 0 instead")
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM variants WHERE product_id = $1`, before.ProductID).Scan(&siblings); err != nil {
			return change{}, err
		}
		if siblings <= 1 {
			return change{}, shop.Errorf(shop.Conflict, "a product needs at least one variant: unpublish the product instead")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM variants WHERE id = $1`, variantID); err != nil {
			return change{}, err
		}
		if _, err := s.refresh(ctx, tx, before.ProductID); err != nil {
			return change{}, err
		}
		return change{action: "catalog.variant.delete", target: variantTarget(variantID), before: variantStateOf(before)}, nil
	})
	if err != nil {
		return fmt.Errorf("delete variant %d: %w", variantID, err)
	}
	return nil
}
