package order

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/csvcell"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// MaxTrackingRows is the most parcels one tracking file records.
const MaxTrackingRows = 1000

// MaxTrackingBytes bounds a tracking file: 1,000 rows of a carrier's own
// export (B2 Cloud's rows are the widest, under 1 KB) fit well within it.
const MaxTrackingBytes = 2 << 20

// Reasons of a tracking row beyond shop's field reasons.
const (
	ReasonNotFound  = "not_found" // no order has the number
	ReasonStatus    = "status"    // the order cannot ship now (not paid, cancelled, shipped)
	ReasonDuplicate = "duplicate" // the order is on an earlier line too
	ReasonTooMany   = "too_many"  // more rows than MaxTrackingRows
	ReasonEncoding  = "encoding"  // neither UTF-8 nor Shift_JIS
	ReasonCSV       = "csv"       // not readable as CSV (a stray quote)
)

// RowProblem is one bad cell of a tracking file: its line (1 is the
// header), the field (order, tracking_number, carrier, shipped_at, or
// header/file for the file as a whole) and the reason.
type RowProblem struct {
	Line   int
	Field  string
	Reason string
	Order  string // the row's order number, when it has one
}

// TrackingRow is one parcel of a tracking file.
type TrackingRow struct {
	Line     int
	Order    string
	Shipment Shipment
}

// TrackingResult is what ImportTracking did: the orders shipped, or the
// problems, in which case nothing was applied.
type TrackingResult struct {
	Shipped  []string
	Problems []RowProblem
}

// Header names of a tracking file. The shop's own columns are
// 注文番号,追跡番号,運送会社,出荷日 (or order,tracking_number,carrier,
// shipped_on); the carriers' own exports are read by the names they use
// for the same things, and the tracking number's column tells the carrier:
// B2 Cloud's 伝票番号, e飛伝's お問い合せ送り状No., ゆうプリR's
// お問い合わせ番号. Each carrier's management number column carries our
// order number because CarrierCSV writes it there.
var (
	orderHeaders    = []string{"注文番号", "order", "order_number", "お客様管理番号", "お客様側管理番号"}
	trackingHeaders = map[string]Carrier{
		"追跡番号": "", "tracking_number": "", "送り状番号": "",
		"伝票番号": Yamato, "お問い合せ送り状No.": Sagawa, "お問い合せ送り状No": Sagawa, "お問い合わせ番号": JapanPost,
	}
	carrierHeaders = []string{"運送会社", "配送業者", "carrier"}
	dateHeaders    = []string{"出荷日", "発送日", "shipped_on", "出荷予定日", "発送予定日"}
	carrierNames   = map[string]Carrier{
		"yamato": Yamato, "ヤマト": Yamato, "ヤマト運輸": Yamato, "クロネコヤマト": Yamato,
		"sagawa": Sagawa, "佐川": Sagawa, "佐川急便": Sagawa,
		"japanpost": JapanPost, "日本郵便": JapanPost, "ゆうパック": JapanPost, "郵便局": JapanPost,
	}
	dateLayouts = []string{"2006-01-02", "2006/01/02", "2006/1/2", "20060102"}
)

// ParseTracking reads a tracking file (UTF-8, with or without a BOM, or
// Shift_JIS) whose first line names the columns. fallback is the carrier
// of rows that neither name one nor come from a carrier's own export.
// Every bad cell is reported, by line and field; rows are returned only
// when there is none.
func ParseTracking(data []byte, fallback Carrier) ([]TrackingRow, []RowProblem) {
	text, _, ok := csvcell.Decode(data)
	if !ok {
		return nil, []RowProblem{{Line: 1, Field: "file", Reason: ReasonEncoding}}
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, []RowProblem{{Line: 1, Field: "file", Reason: shop.ReasonRequired}}
	}
	if err != nil {
		return nil, []RowProblem{{Line: csvLine(err, 1), Field: "file", Reason: ReasonCSV}}
	}
	cols, fileCarrier := trackingColumns(header)
	var problems []RowProblem
	if cols.order < 0 {
		problems = append(problems, RowProblem{Line: 1, Field: "header", Reason: "order"})
	}
	if cols.tracking < 0 {
		problems = append(problems, RowProblem{Line: 1, Field: "header", Reason: "tracking_number"})
	}
	if problems != nil {
		return nil, problems
	}
	if fileCarrier == "" {
		fileCarrier = fallback
	}
	var rows []TrackingRow
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			problems = append(problems, RowProblem{Line: csvLine(err, 1), Field: "file", Reason: ReasonCSV})
			break
		}
		line, _ := r.FieldPos(0)
		if csvcell.Blank(rec) {
			continue
		}
		if len(rows) == MaxTrackingRows {
			problems = append(problems, RowProblem{Line: line, Field: "file", Reason: ReasonTooMany})
			break
		}
		row, rp := trackingRow(rec, cols, fileCarrier, line)
		if row.Order != "" {
			if _, dup := seen[row.Order]; dup {
				rp = append(rp, RowProblem{Line: line, Field: "order", Reason: ReasonDuplicate, Order: row.Order})
			}
			seen[row.Order] = line
		}
		problems = append(problems, rp...)
		rows = append(rows, row)
	}
	if len(rows) == 0 && problems == nil {
		problems = append(problems, RowProblem{Line: 2, Field: "file", Reason: shop.ReasonRequired})
	}
	if problems != nil {
		return nil, problems
	}
	return rows, nil
}

func csvLine(err error, fallback int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) && pe.Line > 0 {
		return pe.Line
	}
	return fallback
}

// trackingCols are the columns' positions, -1 for a column the file lacks.
type trackingCols struct{ order, tracking, carrier, date int }

// trackingColumns finds the columns by their names, and the carrier a
// carrier's own export implies.
func trackingColumns(header []string) (trackingCols, Carrier) {
	cols := trackingCols{-1, -1, -1, -1}
	var implied Carrier
	for i, h := range header {
		h = strings.TrimSpace(shop.Normalize(h))
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		switch {
		case cols.order < 0 && containsFold(orderHeaders, h):
			cols.order = i
		case cols.carrier < 0 && containsFold(carrierHeaders, h):
			cols.carrier = i
		case cols.date < 0 && containsFold(dateHeaders, h):
			cols.date = i
		}
		for name, c := range trackingHeaders {
			if cols.tracking < 0 && strings.EqualFold(shop.Normalize(name), h) {
				cols.tracking, implied = i, c
			}
		}
	}
	return cols, implied
}

func containsFold(names []string, h string) bool {
	for _, n := range names {
		if strings.EqualFold(shop.Normalize(n), h) {
			return true
		}
	}
	return false
}

func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	// A cell CarrierCSV or a spreadsheet defused ('=…) is read back as typed.
	return strings.TrimSpace(csvcell.Restore(strings.TrimSpace(rec[i])))
}

// trackingRow reads one record and reports its bad cells.
func trackingRow(rec []string, cols trackingCols, fileCarrier Carrier, line int) (TrackingRow, []RowProblem) {
	row := TrackingRow{Line: line, Order: shop.Normalize(cell(rec, cols.order))}
	var problems []RowProblem
	add := func(field, reason string) {
		problems = append(problems, RowProblem{Line: line, Field: field, Reason: reason, Order: row.Order})
	}
	if row.Order == "" {
		add("order", shop.ReasonRequired)
	} else if len(row.Order) > 40 {
		add("order", shop.ReasonLength)
	}
	c := fileCarrier
	if name := cell(rec, cols.carrier); name != "" {
		known, ok := carrierNames[strings.ToLower(shop.Normalize(name))]
		if !ok {
			add("carrier", shop.ReasonChoice)
		}
		c = known
	} else if c == "" {
		add("carrier", shop.ReasonRequired)
	}
	number := cell(rec, cols.tracking)
	if number == "" {
		add("tracking_number", shop.ReasonRequired)
	} else if n, ok := normalizeTracking(number); !ok {
		add("tracking_number", shop.ReasonFormat)
	} else {
		number = n
	}
	row.Shipment = Shipment{Carrier: c, TrackingNumber: number}
	if d := shop.Normalize(cell(rec, cols.date)); d != "" {
		day, ok := parseShipDay(d)
		if !ok {
			add("shipped_at", shop.ReasonFormat)
		}
		row.Shipment.ShippedAt = day
	}
	return row, problems
}

// parseShipDay reads a day in the layouts staff and the carriers write, as
// 12:00 JST of that day: a parcel recorded on a day shipped some time in
// it, and noon keeps it inside the day whatever the order's hour.
func parseShipDay(s string) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if d, err := time.ParseInLocation(layout, s, shop.JST); err == nil {
			return d.Add(12 * time.Hour), true
		}
	}
	return time.Time{}, false
}

// errTrackingRefused rolls back an import with problems.
var errTrackingRefused = errors.New("tracking import refused")

// ImportTracking records the parcels of a tracking file (ParseTracking)
// and ships their orders, as Ship does for each (history, audit entry,
// shipping notice in the outbox), all in one transaction: when any row is
// bad (its cells, an unknown order, an order that cannot ship now, a day
// outside the order's life) the result lists every problem by line and
// nothing is applied. The import itself is audited ("import.tracking").
// A parcel dated today or with no date is recorded as shipped now; an
// earlier day at its noon, or now when the order was placed later that
// day.
func (s *Service) ImportTracking(ctx context.Context, data []byte, fallback Carrier, by audit.Actor) (TrackingResult, error) {
	if fallback != "" && (fallback == Other || !fallback.Valid()) {
		return TrackingResult{}, &shop.Error{Code: shop.Invalid, Message: "unknown carrier",
			Fields: map[string]string{"carrier": shop.ReasonChoice}}
	}
	if len(data) > MaxTrackingBytes {
		return TrackingResult{Problems: []RowProblem{{Line: 1, Field: "file", Reason: shop.ReasonLength}}}, nil
	}
	rows, problems := ParseTracking(data, fallback)
	if problems != nil {
		return TrackingResult{Problems: problems}, nil
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return TrackingResult{}, fmt.Errorf("tracking import: %w", err)
	}
	var res TrackingResult
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if res.Problems, err = s.checkTracking(ctx, tx, rows); err != nil {
			return err
		}
		if res.Problems != nil {
			return errTrackingRefused
		}
		for _, row := range rows {
			if _, err := s.ship(ctx, tx, row.Order, row.Shipment, by, st); err != nil {
				if p := rowProblems(row, err); p != nil {
					res.Problems = p
					return errTrackingRefused
				}
				return fmt.Errorf("tracking import line %d: %w", row.Line, err)
			}
			res.Shipped = append(res.Shipped, row.Order)
		}
		return audit.Record(ctx, tx, s.clock(), by, "import.tracking", "orders", nil, map[string]any{
			"count": len(res.Shipped), "orders": res.Shipped,
		})
	})
	if errors.Is(err, errTrackingRefused) {
		return TrackingResult{Problems: res.Problems}, nil
	}
	if err != nil {
		return TrackingResult{}, err
	}
	return res, nil
}

// checkTracking reports every row whose order is unknown or cannot ship
// now, and every shipment the order's dates refuse, before anything is
// written; it also settles each shipment's time against the order.
func (s *Service) checkTracking(ctx context.Context, tx *sql.Tx, rows []TrackingRow) ([]RowProblem, error) {
	now := s.clock().UTC()
	var problems []RowProblem
	for i := range rows {
		row := &rows[i]
		var status Status
		var method PaymentMethod
		var placed time.Time
		err := tx.QueryRowContext(ctx, `SELECT status, payment_method, created_at FROM orders WHERE number = $1`,
			row.Order).Scan(&status, &method, &placed)
		if errors.Is(err, sql.ErrNoRows) {
			problems = append(problems, RowProblem{Line: row.Line, Field: "order", Reason: ReasonNotFound, Order: row.Order})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("tracking import line %d: %w", row.Line, err)
		}
		if !CanTransition(status, Shipped, method) {
			problems = append(problems, RowProblem{Line: row.Line, Field: "order", Reason: ReasonStatus, Order: row.Order})
		}
		row.Shipment.ShippedAt = settleShipTime(row.Shipment.ShippedAt, placed, now)
		if _, err := row.Shipment.validate(placed, now); err != nil {
			problems = append(problems, rowProblems(*row, err)...)
		}
	}
	return problems, nil
}

// settleShipTime is the instant recorded for a parcel dated day (noon JST,
// zero for none): none or a day not before today is now (a future day is
// kept, for validate to refuse); the order's own day is no earlier than
// its placing.
func settleShipTime(day, placed, now time.Time) time.Time {
	if day.IsZero() {
		return now
	}
	if day.After(now) {
		y1, m1, d1 := day.In(shop.JST).Date()
		y2, m2, d2 := now.In(shop.JST).Date()
		if y1 == y2 && m1 == m2 && d1 == d2 {
			return now
		}
		return day
	}
	if day.Before(placed) {
		y1, m1, d1 := day.In(shop.JST).Date()
		y2, m2, d2 := placed.In(shop.JST).Date()
		if y1 == y2 && m1 == m2 && d1 == d2 {
			return placed
		}
	}
	return day
}

// rowProblems turns a refusal of the row's order into its problems, or nil
// when err is no refusal (an internal error).
func rowProblems(row TrackingRow, err error) []RowProblem {
	var problems []RowProblem
	fields := shop.ErrorFields(err)
	for _, field := range slices.Sorted(maps.Keys(fields)) {
		problems = append(problems, RowProblem{Line: row.Line, Field: field, Reason: fields[field], Order: row.Order})
	}
	if problems == nil && shop.ErrorCode(err) == shop.Conflict {
		problems = append(problems, RowProblem{Line: row.Line, Field: "order", Reason: ReasonStatus, Order: row.Order})
	}
	if problems == nil && shop.ErrorCode(err) == shop.NotFound {
		problems = append(problems, RowProblem{Line: row.Line, Field: "order", Reason: ReasonNotFound, Order: row.Order})
	}
	return problems
}
