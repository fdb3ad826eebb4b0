// Package cart keeps shopping carts: a guest's, addressed only by its
// unguessable id, and a member's. Lines are priced for the viewer each time
// a cart is read, so a cart never shows a stale price.
package cart

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"kaede/internal/db"
	"kaede/internal/readcache"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// The cart's limits.
const (
	// MaxLines is how many different items one cart may hold.
	MaxLines = 50
	// MaxQuantity caps one line whatever the variant allows.
	MaxQuantity = 99
)

// Cart is a cart priced for one viewer.
type Cart struct {
	ID       string // 128 random bits, base64url: also the JSON API's cart id
	MemberID int64  // 0 for a guest's cart
	Lines    []Line
	Subtotal shop.Yen // tax included
	Count    int      // items, counting quantities
}

// Line is one variant in a cart with its current price for the viewer.
type Line struct {
	VariantID         int64
	SKU               string
	ProductSlug       string
	ProductNameJa     string
	ProductNameEn     string
	LabelJa           string
	LabelEn           string
	ImagePath         string
	TaxRate           shop.TaxRate
	UnitPrice         shop.Yen // tax included; the member price for practitioners
	Quantity          int
	LineTotal         shop.Yen
	Stock             int
	MaxPerOrder       int
	PractitionersOnly bool
}

// Limit is the most of the line's variant one order may hold.
func (l Line) Limit() int { return min(l.MaxPerOrder, MaxQuantity) }

// Service keeps carts.
type Service struct {
	db    *db.DB
	clock shop.Clock
	// counts are the carts' counts this process read (count.go).
	counts readcache.Cache[string, cachedCount]
}

// New returns the cart service.
func New(d *db.DB, clock shop.Clock) *Service {
	return &Service{db: d, clock: clock}
}

// Create starts an empty cart, a guest's when memberID is 0.
func (s *Service) Create(ctx context.Context, memberID int64) (*Cart, error) {
	var id string
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.create(ctx, tx, memberID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Cart{ID: id, MemberID: memberID}, nil
}

// Get returns the cart priced for the viewer. A member's cart is shown to
// that member only; to anyone else it does not exist. A guest's cart is
// shown to whoever holds its id, which is what makes it theirs.
func (s *Service) Get(ctx context.Context, id string, viewer shop.Viewer) (*Cart, error) {
	var c *Cart
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = Load(ctx, tx, id, viewer)
		return err
	})
	return c, err
}

// Count is the number of items Get's cart would count, for a page's
// header: one statement, no lines read, or none while this process keeps
// the count (count.go). The cart's owner rules are Get's.
func (s *Service) Count(ctx context.Context, id string, memberID int64) (int, error) {
	now := s.clock()
	c, gen, ok := s.counts.Get(id, now)
	if !ok {
		err := s.db.QueryRowContext(ctx, `SELECT COALESCE(c.member_id, 0),
				COALESCE((SELECT SUM(ci.quantity) FROM cart_items ci
					JOIN variants v ON v.id = ci.variant_id
					JOIN products p ON p.id = v.product_id
					WHERE ci.cart_id = c.id AND p.status = 'published'), 0)
			FROM carts c WHERE c.id = $1`, id).Scan(&c.owner, &c.n)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, shop.Errorf(shop.NotFound, "cart not found")
		}
		if err != nil {
			return 0, fmt.Errorf("count cart: %w", err)
		}
		s.counts.Put(id, gen, c, now)
	}
	if c.owner != 0 && c.owner != memberID {
		return 0, shop.Errorf(shop.NotFound, "cart not found")
	}
	return c.n, nil
}

// ForMember returns the member's latest cart, creating one if there is
// none. It is priced for the member as the shop knows them: with member
// prices once their practitioner licence is approved.
func (s *Service) ForMember(ctx context.Context, memberID int64) (*Cart, error) {
	var c *Cart
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		viewer, err := memberViewer(ctx, tx, memberID)
		if err != nil {
			return err
		}
		id, err := s.memberCart(ctx, tx, memberID)
		if err != nil {
			return err
		}
		c, err = Load(ctx, tx, id, viewer)
		return err
	})
	return c, err
}

// Load reads the cart inside tx, priced for the viewer; checkout calls it
// inside its own transaction so that it orders exactly what it priced.
// Lines whose product is no longer published are left out: they cannot be
// bought, and checkout must not order what the customer cannot see.
func Load(ctx context.Context, tx *sql.Tx, id string, viewer shop.Viewer) (*Cart, error) {
	c := &Cart{ID: id}
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(member_id, 0) FROM carts WHERE id = $1`, id).Scan(&c.MemberID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && c.MemberID != 0 && c.MemberID != viewer.MemberID {
		return nil, shop.Errorf(shop.NotFound, "cart not found")
	}
	if err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	if c.Lines, err = loadLines(ctx, tx, id, viewer); err != nil {
		return nil, err
	}
	for _, l := range c.Lines {
		c.Subtotal += l.LineTotal
		c.Count += l.Quantity
	}
	return c, nil
}

func loadLines(ctx context.Context, tx *sql.Tx, cartID string, viewer shop.Viewer) ([]Line, error) {
	rows, err := tx.QueryContext(ctx, `SELECT v.id, v.sku, p.slug, p.name_ja, p.name_en, v.label_ja, v.label_en,
			COALESCE((SELECT i.path FROM product_images i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1), ''),
			p.tax_class, v.price, v.member_price, ci.quantity, v.stock, v.max_per_order, p.practitioners_only
		FROM cart_items ci
		JOIN variants v ON v.id = ci.variant_id
		JOIN products p ON p.id = v.product_id
		WHERE ci.cart_id = $1 AND p.status = 'published'
		ORDER BY ci.added_at, v.id`, cartID)
	if err != nil {
		return nil, fmt.Errorf("read cart lines: %w", err)
	}
	defer rows.Close()
	var lines []Line
	for rows.Next() {
		var l Line
		var class shop.TaxClass
		var memberPrice sql.NullInt64
		err := rows.Scan(&l.VariantID, &l.SKU, &l.ProductSlug, &l.ProductNameJa, &l.ProductNameEn, &l.LabelJa, &l.LabelEn,
			&l.ImagePath, &class, &l.UnitPrice, &memberPrice, &l.Quantity, &l.Stock, &l.MaxPerOrder, &l.PractitionersOnly)
		if err != nil {
			return nil, fmt.Errorf("read cart lines: %w", err)
		}
		l.TaxRate = class.Rate()
		if memberPrice.Valid && viewer.Practitioner {
			l.UnitPrice = shop.Yen(memberPrice.Int64)
		}
		l.LineTotal = l.UnitPrice * shop.Yen(l.Quantity)
		lines = append(lines, l)
	}
	return lines, rows.Err()
}

// Empty removes every line from the cart inside tx: checkout's last step.
func Empty(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM cart_items WHERE cart_id = $1`, id); err != nil {
		return fmt.Errorf("empty cart: %w", err)
	}
	return nil
}

func (s *Service) create(ctx context.Context, tx *sql.Tx, memberID int64) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cart id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	var member any
	if memberID != 0 {
		member = memberID
	}
	now := s.clock()
	_, err := tx.ExecContext(ctx, `INSERT INTO carts (id, member_id, created_at, updated_at) VALUES ($1, $2, $3, $3)`, id, member, now)
	if err != nil {
		return "", fmt.Errorf("create cart: %w", err)
	}
	return id, nil
}

// memberCart returns the id of the member's latest cart, creating one.
func (s *Service) memberCart(ctx context.Context, tx *sql.Tx, memberID int64) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM carts WHERE member_id = $1
		ORDER BY updated_at DESC, created_at DESC LIMIT 1`, memberID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return s.create(ctx, tx, memberID)
	}
	if err != nil {
		return "", fmt.Errorf("find cart of member %d: %w", memberID, err)
	}
	return id, nil
}

// memberViewer is the member as prices see them. The licence decision is
// the member package's; reading its one column here spares ForMember and
// Merge a viewer argument that could disagree with the database.
func memberViewer(ctx context.Context, tx *sql.Tx, memberID int64) (shop.Viewer, error) {
	var practitioner string
	err := tx.QueryRowContext(ctx, `SELECT practitioner FROM members WHERE id = $1`, memberID).Scan(&practitioner)
	if errors.Is(err, sql.ErrNoRows) {
		return shop.Viewer{}, shop.Errorf(shop.NotFound, "member not found")
	}
	if err != nil {
		return shop.Viewer{}, fmt.Errorf("read member %d: %w", memberID, err)
	}
	return shop.Viewer{MemberID: memberID, Practitioner: practitioner == "approved"}, nil
}

// Prune deletes carts, guests' and members', that nobody changed for the
// shop's retention period (settings.Retention.AbandonedCartDays), with
// their lines, and returns how many carts it deleted. A session that
// still points at one simply has no cart again. A periodic job calls it.
func (s *Service) Prune(ctx context.Context, now time.Time) (int64, error) {
	set, err := settings.Load(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("prune abandoned carts: %w", err)
	}
	cutoff := now.UTC().AddDate(0, 0, -set.Retention.AbandonedCartDays)
	res, err := s.db.ExecContext(ctx, `DELETE FROM carts WHERE updated_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune abandoned carts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune abandoned carts: %w", err)
	}
	return n, nil
}
