package catalog

import (
	"context"
	"database/sql"
	"fmt"

	"kaede/internal/audit"
)

// change is what one audited write tells the audit log. Before and After
// are marshalled to JSON; nil leaves them empty.
type change struct {
	action string
	target string
	before any
	after  any
}

// audited runs fn in one transaction and appends fn's audit entry in that
// same transaction, so that a change and its record commit together or
// not at all. The write is announced (db.Announce): every instance's
// cache is cleared once it commits.
func (s *Service) audited(ctx context.Context, by audit.Actor, fn func(tx *sql.Tx) (change, error)) error {
	return s.auditedAll(ctx, by, func(tx *sql.Tx) ([]change, error) {
		c, err := fn(tx)
		return []change{c}, err
	})
}

// auditedAll is audited for a write that makes several changes, such as
// creating many products at once: one entry per change, all appended
// after fn's writes, so that the audit log's lock is held briefly.
func (s *Service) auditedAll(ctx context.Context, by audit.Actor, fn func(tx *sql.Tx) ([]change, error)) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		cs, err := fn(tx)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := audit.Record(ctx, tx, s.clock(), by, c.action, c.target, c.before, c.after); err != nil {
				return err
			}
		}
		return s.db.Announce(ctx, tx, changeTopic)
	})
}

// refresh recomputes the product's search text from what tx now holds,
// stamps updated_at, and returns the product as it now is. Every write to
// a product, its variants or its categories goes through here, so that
// search never runs on stale text.
func (s *Service) refresh(ctx context.Context, tx *sql.Tx, id int64) (*Product, error) {
	p, err := s.lockProduct(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	cats, err := loadCategories(ctx, tx)
	if err != nil {
		return nil, err
	}
	p.UpdatedAt = s.clock().UTC()
	_, err = tx.ExecContext(ctx, `UPDATE products SET search_text = $1, updated_at = $2 WHERE id = $3`,
		searchText(*p, ancestorNames(cats, p.CategoryID)), p.UpdatedAt, id)
	if err != nil {
		return nil, fmt.Errorf("refresh search text: %w", err)
	}
	return p, nil
}
