package order

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// Encoding is the character encoding of an exported CSV file.
type Encoding string

// The encodings ExportCSV writes. Shipping software in Japan (Yamato's
// B2 Cloud, Sagawa's e飛伝, Japan Post's ゆうプリR) and Excel read
// Shift_JIS; UTF-8 with a byte-order mark opens correctly in Excel too and
// can hold every character.
const (
	UTF8BOM  Encoding = "utf8bom"
	ShiftJIS Encoding = "sjis"
)

// MaxExport is the most orders one export holds. Larger exports are
// paged with AdminQuery.Offset.
const MaxExport = 10000

// ExportHeader is the CSV's first row. Every later row is one order.
var ExportHeader = []string{
	"注文番号", "注文日", "氏名", "フリガナ", "郵便番号", "都道府県", "市区町村", "番地", "建物名・部屋番号",
	"電話番号", "支払方法", "代引金額", "配達希望日", "配達時間帯", "品名",
}

// ExportCSV writes the orders matching q (newest first; Limit 0 means up
// to MaxExport) as CSV for shipping software, one row per order with the
// columns of ExportHeader, in the encoding, with CRLF line ends. The
// export of personal data is recorded in the audit log ("export.orders",
// with the filter and the count) before anything is written to w.
//
// Shift_JIS here is Windows-31J (CP932), which also has the NEC and IBM
// characters common in names (髙, 﨑, ①). A character it still cannot
// hold (𠮷, an emoji) is refused, not replaced: a '?' on a shipping label
// sends a parcel astray, so the error (Conflict) names the order and the
// column, and staff correct the order or export in UTF-8. Characters that
// only differ between Unicode's JIS and Microsoft mappings, such as the
// wave dash in 「14時〜16時」, are written as their CP932 forms.
//
// A cell that begins with =, +, -, @ or a tab is written with a leading
// apostrophe, so that a spreadsheet opens a name such as "=HYPERLINK(…)"
// as text rather than running it as a formula.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, q AdminQuery, enc Encoding, by audit.Actor) error {
	if enc != UTF8BOM && enc != ShiftJIS {
		return &shop.Error{Code: shop.Invalid, Message: "unknown encoding",
			Fields: map[string]string{"encoding": shop.ReasonChoice}}
	}
	q, f, err := q.validate(MaxExport, MaxExport)
	if err != nil {
		return err
	}
	var orders []Order
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		orders, _, err = searchTx(ctx, tx, q, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("export orders: %w", err)
	}
	out, err := encodeCSV(orders, enc)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, s.clock(), by, "export.orders", "orders", nil, map[string]any{
			"count":    len(orders),
			"encoding": enc,
			"filter": map[string]any{"q": q.Q, "status": q.Status, "method": q.Method, "from": q.From, "to": q.To,
				"limit": q.Limit, "offset": q.Offset},
		})
	})
	if err != nil {
		return fmt.Errorf("export orders: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("export orders: write: %w", err)
	}
	return nil
}

// encodeCSV renders the rows in UTF-8, checking each for Shift_JIS when
// that is the target, and then converts the whole file.
func encodeCSV(orders []Order, enc Encoding) ([]byte, error) {
	var buf bytes.Buffer
	if enc == UTF8BOM {
		buf.WriteString("\uFEFF")
	}
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	write := func(row []string) error {
		if enc == ShiftJIS {
			for i, cell := range row {
				row[i] = toCP932Forms(cell)
			}
		}
		return cw.Write(row)
	}
	if err := write(append([]string(nil), ExportHeader...)); err != nil {
		return nil, fmt.Errorf("export orders: %w", err)
	}
	for i := range orders {
		row := exportRow(&orders[i])
		if enc == ShiftJIS {
			if err := checkShiftJIS(orders[i].Number, row); err != nil {
				return nil, err
			}
		}
		if err := write(row); err != nil {
			return nil, fmt.Errorf("export orders: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, fmt.Errorf("export orders: %w", err)
	}
	if enc == UTF8BOM {
		return buf.Bytes(), nil
	}
	out, err := japanese.ShiftJIS.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		// checkShiftJIS has seen every cell; this is a bug, not bad data.
		return nil, fmt.Errorf("export orders: encode Shift_JIS: %w", err)
	}
	return out, nil
}

// exportRow is the order's CSV row, in the order of ExportHeader.
func exportRow(o *Order) []string {
	a := o.Address
	var cod shop.Yen
	if o.PaymentMethod == COD {
		cod = o.Total
	}
	items := make([]string, 0, len(o.Lines))
	for _, l := range o.Lines {
		items = append(items, l.Name+" ×"+strconv.Itoa(l.Quantity))
	}
	date := ""
	if o.DeliveryDate != "" {
		date = strings.ReplaceAll(o.DeliveryDate, "-", "/")
	}
	row := []string{
		o.Number,
		o.CreatedAt.In(shop.JST).Format("2006/01/02"),
		a.Name, a.NameKana, a.PostalCode, a.PrefectureName(), a.City, a.Line1, a.Line2, a.Phone,
		PaymentLabel(o.PaymentMethod),
		strconv.FormatInt(int64(cod), 10),
		date, o.DeliverySlot,
		strings.Join(items, "、"),
	}
	for i, cell := range row {
		row[i] = defuseFormula(cell)
	}
	return row
}

// defuseFormula prefixes an apostrophe to a cell a spreadsheet would read
// as a formula.
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// cp932Forms maps characters whose Unicode form differs between the JIS
// and the Microsoft tables to the Microsoft one, which CP932 can encode:
// 〜 (WAVE DASH) is what a Mac or a phone types for the 「～」 in 「14時～16時」.
var cp932Forms = strings.NewReplacer(
	"\u301C", "\uFF5E", // 〜 → ～
	"\u2212", "\uFF0D", // − → －
	"\u2016", "\u2225", // ‖ → ∥
	"\u2014", "\u2015", // — → ―
	"\u00A2", "\uFFE0", // ¢ → ￠
	"\u00A3", "\uFFE1", // £ → ￡
	"\u00AC", "\uFFE2", // ¬ → ￢
)

func toCP932Forms(s string) string { return cp932Forms.Replace(s) }

// checkShiftJIS reports the first cell of the order's row that Shift_JIS
// cannot hold, naming the order, the column and the character.
func checkShiftJIS(number string, row []string) error {
	enc := japanese.ShiftJIS.NewEncoder()
	for i, cell := range row {
		cell = toCP932Forms(cell)
		if _, err := enc.String(cell); err == nil {
			continue
		}
		bad := ""
		for _, r := range cell {
			if _, err := enc.String(string(r)); err != nil {
				bad = string(r)
				break
			}
		}
		return shop.Errorf(shop.Conflict,
			"order %s: %s holds 「%s」, which Shift_JIS cannot encode; correct the order or export in UTF-8",
			number, ExportHeader[i], bad)
	}
	return nil
}
