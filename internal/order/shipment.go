package order

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"kaede/internal/audit"
	"net/url"
	"strings"
	"time"

	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Carrier is the delivery company a parcel is handed to.
type Carrier string

// The carriers the shop uses. Other is any other company (a local courier,
// a letter service), named in Shipment.CarrierName.
const (
	Yamato    Carrier = "yamato"    // ヤマト運輸 (宅急便)
	Sagawa    Carrier = "sagawa"    // 佐川急便
	JapanPost Carrier = "japanpost" // 日本郵便 (ゆうパック)
	Other     Carrier = "other"
)

// Valid reports whether c is a known carrier.
func (c Carrier) Valid() bool {
	return c == Yamato || c == Sagawa || c == JapanPost || c == Other
}

// Name returns the carrier's name for the customer in the locale ("en" or
// Japanese). Other has no name of its own: see Shipment.DisplayCarrier.
func (c Carrier) Name(locale string) string {
	names := map[Carrier][2]string{
		Yamato:    {"ヤマト運輸", "Yamato Transport"},
		Sagawa:    {"佐川急便", "Sagawa Express"},
		JapanPost: {"日本郵便", "Japan Post"},
	}
	n, ok := names[c]
	if !ok {
		return ""
	}
	if locale == "en" {
		return n[1]
	}
	return n[0]
}

// Shipment is a parcel handed to a carrier for an order.
type Shipment struct {
	Carrier Carrier
	// CarrierName is the company's name when Carrier is Other (required
	// then); it is ignored for the named carriers.
	CarrierName string
	// TrackingNumber is the slip number (お問い合わせ伝票番号). For the
	// named carriers it is 10–14 digits, and hyphens and spaces typed with
	// it are dropped; for Other it is free text and may be empty.
	TrackingNumber string
	// ShippedAt is when the parcel left; zero means now. It may not be in
	// the future or before the order was placed.
	ShippedAt time.Time
	CreatedBy string // set by Ship: the staff member who recorded it
	CreatedAt time.Time
}

// DisplayCarrier is the carrier's name as the customer sees it.
func (sh Shipment) DisplayCarrier(locale string) string {
	if sh.Carrier == Other {
		return sh.CarrierName
	}
	return sh.Carrier.Name(locale)
}

// TrackingURL is the carrier's public tracking page for the parcel, or ""
// for Other and for a shipment without a number. The URLs are the
// carriers' own query pages that take the slip number as a parameter.
func (sh Shipment) TrackingURL(locale string) string {
	n := url.QueryEscape(sh.TrackingNumber)
	if n == "" {
		return ""
	}
	switch sh.Carrier {
	case Yamato:
		return "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number00=1&number01=" + n
	case Sagawa:
		return "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=" + n
	case JapanPost:
		lang := "ja"
		if locale == "en" {
			lang = "en"
		}
		return "https://trackings.post.japanpost.jp/services/srv/search/direct?searchKind=S002&locale=" + lang +
			"&reqCodeNo1=" + n
	}
	return ""
}

// validate normalises the shipment and reports every bad field: carrier,
// carrier_name, tracking_number, shipped_at. placed is when the order was
// placed; now is the clock's time.
func (sh Shipment) validate(placed, now time.Time) (Shipment, error) {
	p := shop.Problems{}
	sh.CarrierName = strings.TrimSpace(sh.CarrierName)
	sh.TrackingNumber = strings.TrimSpace(sh.TrackingNumber)
	switch {
	case sh.Carrier == "":
		p.Add("carrier", shop.ReasonRequired)
	case !sh.Carrier.Valid():
		p.Add("carrier", shop.ReasonChoice)
	case sh.Carrier == Other:
		shop.CheckText(p, "carrier_name", sh.CarrierName, true, 60)
		shop.CheckText(p, "tracking_number", sh.TrackingNumber, false, 60)
	default:
		sh.CarrierName = ""
		n, ok := normalizeTracking(sh.TrackingNumber)
		switch {
		case sh.TrackingNumber == "":
			p.Add("tracking_number", shop.ReasonRequired)
		case !ok:
			p.Add("tracking_number", shop.ReasonFormat)
		}
		sh.TrackingNumber = n
	}
	if sh.ShippedAt.IsZero() {
		sh.ShippedAt = now
	}
	sh.ShippedAt = sh.ShippedAt.UTC()
	if sh.ShippedAt.After(now) || sh.ShippedAt.Before(placed) {
		p.Add("shipped_at", shop.ReasonRange)
	}
	return sh, p.Err()
}

// normalizeTracking returns a named carrier's slip number as digits only:
// staff copy it from the slip with hyphens (1234-5678-9012) or in full
// width, and the carriers' pages take the bare digits. Yamato, Sagawa and
// Japan Post numbers are 10 to 14 digits (most are 12, 11 or 13).
func normalizeTracking(s string) (string, bool) {
	s = shop.Normalize(s)
	s = strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(s) < 10 || len(s) > 14 || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", false
	}
	return s, true
}

// Ship records the shipment and moves the order to shipped, in one
// transaction with its audit entry ("order.ship"), and writes the customer
// a shipping notice with the carrier, the tracking number and the tracking
// page. Only legal changes are made: a cash-on-delivery order ships from
// placed, every other order only once paid (a bank transfer before its
// money arrives → Conflict). Bad shipment fields → Invalid naming them.
func (s *Service) Ship(ctx context.Context, number string, sh Shipment, by audit.Actor) (*Order, error) {
	// The shop's name and contact for the e-mail are read before the
	// transaction, so that SQLite's write lock is held briefly.
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("ship order %s: %w", number, err)
	}
	var o *Order
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		o, err = s.ship(ctx, tx, number, sh, by, st)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// ship is Ship inside tx, for one order or for every row of a tracking
// import, with the settings the caller has read.
func (s *Service) ship(ctx context.Context, tx *sql.Tx, number string, sh Shipment, by audit.Actor, st settings.Settings) (*Order, error) {
	now := s.clock().UTC()
	id, _, err := s.lockOrder(ctx, tx, number)
	if err != nil {
		return nil, err
	}
	var placed time.Time
	if err := tx.QueryRowContext(ctx, `SELECT created_at FROM orders WHERE id = $1`, id).Scan(&placed); err != nil {
		return nil, fmt.Errorf("order %s: read date: %w", number, err)
	}
	if sh, err = sh.validate(placed, now); err != nil {
		return nil, err
	}
	before, err := stateOf(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	o, err := s.transition(ctx, tx, number, Shipped, shipmentNote(sh))
	if err != nil {
		return nil, err
	}
	sh.CreatedBy, sh.CreatedAt = by.Name, now
	_, err = tx.ExecContext(ctx, `INSERT INTO shipments (order_id, carrier, carrier_name, tracking_number,
			shipped_at, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, sh.Carrier, sh.CarrierName, sh.TrackingNumber, sh.ShippedAt, sh.CreatedBy, sh.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("order %s: insert shipment: %w", number, err)
	}
	msg, err := s.shippedMail(ctx, o, sh, st)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if _, err := s.mail.Enqueue(ctx, tx, msg); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if err := s.audit(ctx, tx, by, "order.ship", number, before, id, nil); err != nil {
		return nil, err
	}
	return o, nil
}

// shipmentNote is the order history's note for a shipment.
func shipmentNote(sh Shipment) string {
	note := sh.DisplayCarrier("ja")
	if sh.TrackingNumber != "" {
		note += " " + sh.TrackingNumber
	}
	return note
}

// Shipments returns the order's shipments, oldest first.
func (s *Service) Shipments(ctx context.Context, number string) ([]Shipment, error) {
	var out []Shipment
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM orders WHERE number = $1`, number).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound(number)
		}
		if err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		if out, err = loadShipments(ctx, tx, id); err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		return nil
	})
	return out, err
}

func loadShipments(ctx context.Context, tx *sql.Tx, orderID int64) ([]Shipment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT carrier, carrier_name, tracking_number, shipped_at, created_by, created_at
		FROM shipments WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("read shipments: %w", err)
	}
	defer rows.Close()
	var out []Shipment
	for rows.Next() {
		var sh Shipment
		if err := rows.Scan(&sh.Carrier, &sh.CarrierName, &sh.TrackingNumber, &sh.ShippedAt, &sh.CreatedBy, &sh.CreatedAt); err != nil {
			return nil, fmt.Errorf("read shipments: %w", err)
		}
		sh.ShippedAt, sh.CreatedAt = sh.ShippedAt.UTC(), sh.CreatedAt.UTC()
		out = append(out, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read shipments: %w", err)
	}
	return out, nil
}
