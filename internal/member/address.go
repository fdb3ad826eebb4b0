package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaede/internal/shop"
)

// maxAddresses is how many delivery addresses a member may keep: enough
// for home, clinic and a few patients, not a mailing list.
const maxAddresses = 20

// Address is a delivery address in a member's address book.
type Address struct {
	ID       int64
	MemberID int64
	shop.Address
	Default   bool // preselected at checkout
	CreatedAt time.Time
}

const addressColumns = `id, member_id, name, name_kana, postal_code, prefecture, city, line1, line2, phone, is_default, created_at`

func scanAddress(sc interface{ Scan(...any) error }) (Address, error) {
	var a Address
	err := sc.Scan(&a.ID, &a.MemberID, &a.Name, &a.NameKana, &a.PostalCode, &a.Prefecture,
		&a.City, &a.Line1, &a.Line2, &a.Phone, &a.Default, &a.CreatedAt)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, err
}

// ListAddresses returns the member's addresses, the default first, then in
// the order they were added.
func (s *Service) ListAddresses(ctx context.Context, memberID int64) ([]Address, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+addressColumns+` FROM addresses
		WHERE member_id = $1 ORDER BY is_default DESC, id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("list addresses of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []Address
	for rows.Next() {
		a, err := scanAddress(rows)
		if err != nil {
			return nil, fmt.Errorf("list addresses of member %d: %w", memberID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list addresses of member %d: %w", memberID, err)
	}
	return out, nil
}

// AddAddress validates and saves a delivery address. The member's first
// address becomes the default, as does one added with makeDefault.
func (s *Service) AddAddress(ctx context.Context, memberID int64, in shop.Address, makeDefault bool) (*Address, error) {
	p := shop.Problems{}
	in = shop.ValidateAddress(in, "", p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out *Address
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := getMember(ctx, tx, `id = $1`, memberID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM addresses WHERE member_id = $1`, memberID).Scan(&n); err != nil {
			return fmt.Errorf("count addresses: %w", err)
		}
		if n >= maxAddresses {
			return shop.Errorf(shop.Conflict, "an address book holds at most %d addresses; please delete one first", maxAddresses)
		}
		makeDefault = makeDefault || n == 0
		if makeDefault {
			if _, err := tx.ExecContext(ctx, `UPDATE addresses SET is_default = FALSE WHERE member_id = $1`, memberID); err != nil {
				return fmt.Errorf("clear default address: %w", err)
			}
		}
		a, err := scanAddress(tx.QueryRowContext(ctx, `INSERT INTO addresses
			(member_id, name, name_kana, postal_code, prefecture, city, line1, line2, phone, is_default, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			RETURNING `+addressColumns,
			memberID, in.Name, in.NameKana, in.PostalCode, in.Prefecture, in.City, in.Line1, in.Line2, in.Phone,
			makeDefault, s.now()))
		if err != nil {
			return fmt.Errorf("insert address: %w", err)
		}
		out = &a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func addressNotFound() error { return shop.Errorf(shop.NotFound, "no such address") }

// DeleteAddress removes one of the member's addresses; another member's
// address is NotFound, exactly like one that does not exist. When the
// default goes, the most recently added remaining address takes its place.
func (s *Service) DeleteAddress(ctx context.Context, memberID, addressID int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var wasDefault bool
		err := tx.QueryRowContext(ctx, `DELETE FROM addresses WHERE id = $1 AND member_id = $2 RETURNING is_default`,
			addressID, memberID).Scan(&wasDefault)
		if errors.Is(err, sql.ErrNoRows) {
			return addressNotFound()
		}
		if err != nil {
			return fmt.Errorf("delete address %d: %w", addressID, err)
		}
		if !wasDefault {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE addresses SET is_default = TRUE
			WHERE id = (SELECT MAX(id) FROM addresses WHERE member_id = $1)`, memberID)
		if err != nil {
			return fmt.Errorf("choose new default address: %w", err)
		}
		return nil
	})
}

// SetDefaultAddress makes one of the member's addresses the default.
func (s *Service) SetDefaultAddress(ctx context.Context, memberID, addressID int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM addresses WHERE id = $1 AND member_id = $2`,
			addressID, memberID).Scan(&n)
		if err != nil {
			return fmt.Errorf("find address %d: %w", addressID, err)
		}
		if n == 0 {
			return addressNotFound()
		}
		_, err = tx.ExecContext(ctx, `UPDATE addresses SET is_default = (id = $1) WHERE member_id = $2`, addressID, memberID)
		if err != nil {
			return fmt.Errorf("set default address %d: %w", addressID, err)
		}
		return nil
	})
}

// DefaultAddress returns the member's default address, or NotFound when
// the address book is empty.
func (s *Service) DefaultAddress(ctx context.Context, memberID int64) (*Address, error) {
	a, err := scanAddress(s.db.QueryRowContext(ctx, `SELECT `+addressColumns+` FROM addresses
		WHERE member_id = $1 AND is_default`, memberID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, addressNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("default address of member %d: %w", memberID, err)
	}
	return &a, nil
}
