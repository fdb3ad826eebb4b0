package order

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kaede/internal/shop"
)

// MemberQuery is a member's search of their own order history. Every
// field is optional.
type MemberQuery struct {
	// Q matches part of the order number or of a product's name on one of
	// the order's lines, in Japanese or English (case ignored).
	Q string
	// From and To are days in Tokyo, YYYY-MM-DD, both included.
	From, To string
	Limit    int // 1..100; 0 means 20
	Offset   int
}

// SearchForMember returns one page of the member's orders matching q,
// newest first, and how many match on all pages. Bad fields → Invalid
// naming them (q, from, to, limit, offset).
func (s *Service) SearchForMember(ctx context.Context, memberID int64, q MemberQuery) ([]Order, int, error) {
	p := shop.Problems{}
	text := strings.TrimSpace(norm.NFKC.String(q.Q))
	if utf8.RuneCountInString(text) > maxSearchRunes {
		p.Add("q", shop.ReasonLength)
	}
	// The dates, paging and their errors are the staff search's.
	aq, f, err := AdminQuery{From: q.From, To: q.To, Limit: q.Limit, Offset: q.Offset}.validate(20, 100)
	if err := mergeProblems(p, err); err != nil {
		return nil, 0, err
	}
	f.where += " AND o.member_id = " + f.args.Add(memberID)
	if text != "" {
		f.where += " AND (" + f.args.Contains("UPPER(o.number)", strings.ToUpper(text)) +
			" OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND (" +
			f.args.Contains("l.name", text) + " OR " + f.args.Contains("LOWER(l.name_en)", strings.ToLower(text)) + ")))"
	}
	var orders []Order
	var total int
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		orders, total, err = searchTx(ctx, tx, aq, f)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search orders of member %d: %w", memberID, err)
	}
	return orders, total, nil
}

// mergeProblems adds the field problems of err, if it is Invalid, to p
// and returns p's error; any other error is returned as it is.
func mergeProblems(p shop.Problems, err error) error {
	if err == nil {
		return p.Err()
	}
	se, ok := err.(*shop.Error)
	if !ok || se.Code != shop.Invalid {
		return err
	}
	for f, reason := range se.Fields {
		p.Add(f, reason)
	}
	return p.Err()
}
