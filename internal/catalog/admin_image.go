package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

type imageState struct {
	Path  string `json:"path"`
	AltJa string `json:"alt_ja"`
	AltEn string `json:"alt_en"`
}

// maxImages bounds a product's gallery.
const maxImages = 20

// AddImage adds an image, after the product's others. path is the URL the
// media package's stored file is served at ("/media/products/….jpg"),
// audited as "catalog.image.add".
func (s *Service) AddImage(ctx context.Context, productID int64, img Image, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockProduct(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		img.AltJa, img.AltEn = strings.TrimSpace(img.AltJa), strings.TrimSpace(img.AltEn)
		problems := shop.Problems{}
		validateImage(problems, "", img)
		if len(before.Images) >= maxImages {
			problems.Add("images", shop.ReasonLength)
		}
		if err := problems.Err(); err != nil {
			return change{}, err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO product_images (product_id, path, alt_ja, alt_en, position, width, height)
			VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), -1) + 1 FROM product_images WHERE product_id = $1), $5, $6)`,
			productID, img.Path, img.AltJa, img.AltEn, max(img.Width, 0), max(img.Height, 0))
		if err != nil {
			return change{}, err
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		return change{action: "catalog.image.add", target: productTarget(productID),
			before: stateOf(before), after: stateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("add image to product %d: %w", productID, err)
	}
	return nil
}

// RemoveImage takes the image with the path off the product, audited as
// "catalog.image.remove". The file stays: deleting it (media.Remove) is
// the caller's choice once the transaction has committed.
func (s *Service) RemoveImage(ctx context.Context, productID int64, path string, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockProduct(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM product_images WHERE product_id = $1 AND path = $2`, productID, path)
		if err != nil {
			return change{}, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return change{}, err
		} else if n == 0 {
			return change{}, shop.Errorf(shop.NotFound, "no such image")
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		return change{action: "catalog.image.remove", target: productTarget(productID),
			before: stateOf(before), after: stateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("remove image from product %d: %w", productID, err)
	}
	return nil
}

// MoveImage moves the image with the path one place earlier (up) or later
// in the product's gallery, audited as "catalog.image.move"; the first
// image is the product's main picture. Moving the first up or the last
// down does nothing and records nothing.
func (s *Service) MoveImage(ctx context.Context, productID int64, path string, up bool, by audit.Actor) error {
	err := s.auditedAll(ctx, by, func(tx *sql.Tx) ([]change, error) {
		before, err := s.lockProduct(ctx, tx, productID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(before.Images, func(img Image) bool { return img.Path == path })
		if i < 0 {
			return nil, shop.Errorf(shop.NotFound, "no such image")
		}
		j := i + 1
		if up {
			j = i - 1
		}
		if j < 0 || j >= len(before.Images) {
			return nil, nil
		}
		order := slices.Clone(before.Images)
		order[i], order[j] = order[j], order[i]
		// Positions are written afresh, 0…n-1, so that images added with
		// equal positions (an import's) get a definite order too.
		for pos, img := range order {
			if _, err := tx.ExecContext(ctx, `UPDATE product_images SET position = $1 WHERE product_id = $2 AND path = $3`,
				pos, productID, img.Path); err != nil {
				return nil, err
			}
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return nil, err
		}
		return []change{{action: "catalog.image.move", target: productTarget(productID),
			before: stateOf(before), after: stateOf(after)}}, nil
	})
	if err != nil {
		return fmt.Errorf("move image of product %d: %w", productID, err)
	}
	return nil
}
