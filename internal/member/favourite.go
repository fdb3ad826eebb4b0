package member

import (
	"context"
	"database/sql"
	"fmt"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Bounds of a member's lists: favourites are kept until removed, so a
// member cannot grow the table without end; recent views keep only the
// latest, the older ones dropped as new ones come.
const (
	MaxFavourites  = 100
	MaxRecentViews = 20
)

// ErrTooManyFavourites is AddFavourite's answer when the list is full.
var ErrTooManyFavourites = &shop.Error{Code: shop.Invalid, Message: "the favourites list is full",
	Fields: map[string]string{"favourites": shop.ReasonLength}}

// AddFavourite puts the product on the member's お気に入り. Adding one
// already there does nothing; a full list → ErrTooManyFavourites. The
// caller checks that the product is one the member may see.
func (s *Service) AddFavourite(ctx context.Context, memberID, productID int64) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		var have bool
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN product_id = $2 THEN 1 ELSE 0 END), 0) > 0
			FROM member_favourites WHERE member_id = $1`, memberID, productID).Scan(&n, &have)
		if err != nil {
			return err
		}
		if have {
			return nil
		}
		if n >= MaxFavourites {
			return ErrTooManyFavourites
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO member_favourites (member_id, product_id, created_at)
			VALUES ($1, $2, $3) ON CONFLICT (member_id, product_id) DO NOTHING`, memberID, productID, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("add favourite of member %d: %w", memberID, err)
	}
	return nil
}

// RemoveFavourite takes the product off the member's お気に入り; removing
// one that is not there does nothing.
func (s *Service) RemoveFavourite(ctx context.Context, memberID, productID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM member_favourites WHERE member_id = $1 AND product_id = $2`,
		memberID, productID); err != nil {
		return fmt.Errorf("remove favourite of member %d: %w", memberID, err)
	}
	return nil
}

// IsFavourite reports whether the product is on the member's お気に入り.
func (s *Service) IsFavourite(ctx context.Context, memberID, productID int64) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM member_favourites WHERE member_id = $1 AND product_id = $2`,
		memberID, productID).Scan(&n); err != nil {
		return false, fmt.Errorf("favourite of member %d: %w", memberID, err)
	}
	return n > 0, nil
}

// Favourites returns the product ids on the member's お気に入り, the
// latest added first.
func (s *Service) Favourites(ctx context.Context, memberID int64) ([]int64, error) {
	ids, err := productIDs(ctx, s.db, `SELECT product_id FROM member_favourites WHERE member_id = $1
		ORDER BY created_at DESC, product_id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("favourites of member %d: %w", memberID, err)
	}
	return ids, nil
}

// RecordView notes that the member looked at the product now, keeping
// only the MaxRecentViews latest.
func (s *Service) RecordView(ctx context.Context, memberID, productID int64) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO member_recent_views (member_id, product_id, viewed_at) VALUES ($1, $2, $3)
			ON CONFLICT (member_id, product_id) DO UPDATE SET viewed_at = excluded.viewed_at`, memberID, productID, s.now())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM member_recent_views WHERE member_id = $1 AND product_id NOT IN (
			SELECT product_id FROM member_recent_views WHERE member_id = $1
			ORDER BY viewed_at DESC, product_id DESC LIMIT $2)`, memberID, MaxRecentViews)
		return err
	})
	if err != nil {
		return fmt.Errorf("record view of member %d: %w", memberID, err)
	}
	return nil
}

// RecentViews returns the product ids the member looked at lately, the
// latest first.
func (s *Service) RecentViews(ctx context.Context, memberID int64) ([]int64, error) {
	ids, err := productIDs(ctx, s.db, `SELECT product_id FROM member_recent_views WHERE member_id = $1
		ORDER BY viewed_at DESC, product_id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("recent views of member %d: %w", memberID, err)
	}
	return ids, nil
}

func productIDs(ctx context.Context, d *db.DB, query string, memberID int64) ([]int64, error) {
	rows, err := d.QueryContext(ctx, query, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
