package inquiry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// Canned is a canned reply (定型文): a text staff insert into a reply and
// then edit before sending. "{name}" and "{number}" in it become the
// customer's name and the ticket number (Fill).
type Canned struct {
	ID        int64
	Title     string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxCannedTitle is the longest canned reply title, in characters.
const MaxCannedTitle = 100

// Fill returns the canned text for a reply to t: its placeholders
// replaced.
func (c Canned) Fill(t *Ticket) string {
	return strings.NewReplacer("{name}", t.Name, "{number}", t.Number).Replace(c.Body)
}

// cannedState is a canned reply as the audit log records it: it is the
// shop's own text, so all of it.
type cannedState struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

func cannedTarget(id int64) string { return "inquiry_canned:" + strconv.FormatInt(id, 10) }

// cleanCanned validates a canned reply, naming title and body.
func cleanCanned(c Canned) (Canned, error) {
	c.Title, _ = shop.MaskCardNumbers(strings.TrimSpace(c.Title))
	c.Body, _ = shop.MaskCardNumbers(cleanText(c.Body))
	p := shop.Problems{}
	shop.CheckText(p, "title", c.Title, true, MaxCannedTitle)
	shop.CheckMultiline(p, "body", c.Body, true, MaxText)
	return c, p.Err()
}

// titleTaken is the error for a title another canned reply has.
func titleTaken() error { return shop.Problems{"title": shop.ReasonTaken}.Err() }

// CannedReplies returns every canned reply, by title.
func (s *Service) CannedReplies(ctx context.Context) ([]Canned, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, body, created_at, updated_at FROM inquiry_canned_replies ORDER BY title, id`)
	if err != nil {
		return nil, fmt.Errorf("list canned replies: %w", err)
	}
	defer rows.Close()
	var out []Canned
	for rows.Next() {
		c, err := scanCanned(rows)
		if err != nil {
			return nil, fmt.Errorf("list canned replies: %w", err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list canned replies: %w", err)
	}
	return out, nil
}

func scanCanned(row interface{ Scan(...any) error }) (*Canned, error) {
	var c Canned
	if err := row.Scan(&c.ID, &c.Title, &c.Body, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// CannedReply returns the canned reply with the id, or NotFound.
func (s *Service) CannedReply(ctx context.Context, id int64) (*Canned, error) {
	return s.getCanned(ctx, s.db, id)
}

func (s *Service) getCanned(ctx context.Context, q queryer, id int64) (*Canned, error) {
	c, err := scanCanned(q.QueryRowContext(ctx, `SELECT id, title, body, created_at, updated_at
		FROM inquiry_canned_replies WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.Errorf(shop.NotFound, "no such canned reply")
	}
	if err != nil {
		return nil, fmt.Errorf("read canned reply %d: %w", id, err)
	}
	return c, nil
}

// CreateCanned stores a new canned reply, audited
// ("inquiry.canned.create"), and returns its id. Invalid names title and
// body; a title in use is ReasonTaken.
func (s *Service) CreateCanned(ctx context.Context, c Canned, by audit.Actor) (int64, error) {
	c, err := cleanCanned(c)
	if err != nil {
		return 0, fmt.Errorf("create canned reply: %w", err)
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO inquiry_canned_replies (title, body, created_at, updated_at)
			VALUES ($1, $2, $3, $3) RETURNING id`, c.Title, c.Body, now).Scan(&c.ID)
		if db.IsUniqueViolation(err) {
			return titleTaken()
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "inquiry.canned.create", cannedTarget(c.ID), nil,
			cannedState{ID: c.ID, Title: c.Title, Body: c.Body})
	})
	if err != nil {
		return 0, fmt.Errorf("create canned reply: %w", err)
	}
	return c.ID, nil
}

// UpdateCanned replaces a canned reply's title and body, audited
// ("inquiry.canned.update") before and after.
func (s *Service) UpdateCanned(ctx context.Context, id int64, c Canned, by audit.Actor) error {
	c, err := cleanCanned(c)
	if err != nil {
		return fmt.Errorf("update canned reply %d: %w", id, err)
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.getCanned(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE inquiry_canned_replies SET title = $1, body = $2, updated_at = $3 WHERE id = $4`,
			c.Title, c.Body, now, id)
		if db.IsUniqueViolation(err) {
			return titleTaken()
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "inquiry.canned.update", cannedTarget(id),
			cannedState{ID: id, Title: before.Title, Body: before.Body}, cannedState{ID: id, Title: c.Title, Body: c.Body})
	})
	if err != nil {
		return fmt.Errorf("update canned reply %d: %w", id, err)
	}
	return nil
}

// DeleteCanned deletes a canned reply; the audit entry
// ("inquiry.canned.delete") keeps what it said.
func (s *Service) DeleteCanned(ctx context.Context, id int64, by audit.Actor) error {
	now := s.now()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.getCanned(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM inquiry_canned_replies WHERE id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "inquiry.canned.delete", cannedTarget(id),
			cannedState{ID: id, Title: before.Title, Body: before.Body}, nil)
	})
	if err != nil {
		return fmt.Errorf("delete canned reply %d: %w", id, err)
	}
	return nil
}
