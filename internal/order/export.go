package order

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"strings"

	"kaede/internal/audit"
	"kaede/internal/csvcell"
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

// Export is what an export wrote.
type Export struct {
	Count int
	// Replaced are the orders (numbers) with a character Shift_JIS cannot
	// hold, written as 〓 (csvcell.Geta).
	Replaced []string
}

// ExportCSV writes the orders matching q (newest first; Limit 0 means up
// to MaxExport) as CSV for shipping software, one row per order with the
// columns of ExportHeader, in the encoding, with CRLF line ends. The
// export of personal data is recorded in the audit log ("export.orders",
// with the filter, the count and the orders with replaced characters)
// before anything is written to w.
//
// Shift_JIS here is Windows-31J (CP932), which also has the NEC and IBM
// characters common in names (髙, 﨑, ①). A character it still cannot hold
// (𠮷, an emoji) is written as 〓, and the order is listed in the result:
// one such order must never stop the shop from shipping every other, and
// a 〓 on a label is seen and corrected, unlike a '?'. Characters that
// only differ between Unicode's JIS and Microsoft mappings, such as the
// wave dash in 「14時〜16時」, are written as their CP932 forms.
//
// A cell that a spreadsheet would run as a formula is defused
// (csvcell.Defuse).
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, q AdminQuery, enc Encoding, by audit.Actor) (Export, error) {
	if enc != UTF8BOM && enc != ShiftJIS {
		return Export{}, &shop.Error{Code: shop.Invalid, Message: "unknown encoding",
			Fields: map[string]string{"encoding": shop.ReasonChoice}}
	}
	q, f, err := q.validate(MaxExport, MaxExport)
	if err != nil {
		return Export{}, err
	}
	var orders []Order
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		orders, _, err = searchTx(ctx, tx, q, f)
		return err
	})
	if err != nil {
		return Export{}, fmt.Errorf("export orders: %w", err)
	}
	out, res, err := encodeCSV(orders, enc)
	if err != nil {
		return Export{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, s.clock(), by, "export.orders", "orders", nil, map[string]any{
			"count":    res.Count,
			"encoding": enc,
			"replaced": res.Replaced,
			"filter": map[string]any{"q": q.Q, "status": q.Status, "method": q.Method, "from": q.From, "to": q.To,
				"limit": q.Limit, "offset": q.Offset},
		})
	})
	if err != nil {
		return Export{}, fmt.Errorf("export orders: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return Export{}, fmt.Errorf("export orders: write: %w", err)
	}
	return res, nil
}

// encodeCSV writes the header and the orders' rows in enc, naming the
// orders a character of which Shift_JIS could not hold.
func encodeCSV(orders []Order, enc Encoding) ([]byte, Export, error) {
	res := Export{Count: len(orders)}
	f := csvcell.NewFile(enc == ShiftJIS)
	if _, err := f.Write(ExportHeader); err != nil {
		return nil, res, fmt.Errorf("export orders: %w", err)
	}
	for i := range orders {
		n, err := f.Write(exportRow(&orders[i]))
		if err != nil {
			return nil, res, fmt.Errorf("export orders: %w", err)
		}
		if n > 0 {
			res.Replaced = append(res.Replaced, orders[i].Number)
		}
	}
	out, err := f.Bytes()
	if err != nil {
		return nil, res, fmt.Errorf("export orders: %w", err)
	}
	return out, res, nil
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
		row[i] = csvcell.Defuse(cell)
	}
	return row
}
