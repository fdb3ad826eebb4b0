package report

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strconv"

	"kaede/internal/audit"
	"kaede/internal/csvcell"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// CSVHeader is the first row of a report's CSV file; the first column is
// the row's key (day, month, id…), the second its name.
var CSVHeader = []string{"区分", "名称", "注文数", "数量", "売上（税込）", "返金", "純売上（税込）",
	"10%対象（税込）", "10%消費税", "8%対象（税込）", "8%消費税"}

// WriteCSV builds the report of q and writes it as CSV in enc (the
// encodings of order.ExportCSV: UTF-8 with a byte-order mark, or
// Shift_JIS for Excel and accounting software), with CRLF line ends and a
// last row 「合計」. Sales figures are the shop's business data, so the
// export is recorded in the audit log ("export.sales", with the period,
// grouping and encoding) before anything is written to w.
func (s *Service) WriteCSV(ctx context.Context, w io.Writer, q Query, enc order.Encoding, by audit.Actor) (*Report, error) {
	if enc != order.UTF8BOM && enc != order.ShiftJIS {
		return nil, &shop.Error{Code: shop.Invalid, Message: "unknown encoding",
			Fields: map[string]string{"encoding": shop.ReasonChoice}}
	}
	r, err := s.Build(ctx, q)
	if err != nil {
		return nil, err
	}
	out, err := encodeCSV(r, enc)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, s.clock(), by, "export.sales", "sales", nil, map[string]any{
			"from": q.From, "to": q.To, "by": r.By, "encoding": enc, "rows": len(r.Rows)})
	})
	if err != nil {
		return nil, fmt.Errorf("export sales: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return nil, fmt.Errorf("export sales: write: %w", err)
	}
	return r, nil
}

// encodeCSV writes the report in enc; a character Shift_JIS cannot hold
// (in a product's name) is written as 〓, as the order export does.
func encodeCSV(r *Report, enc order.Encoding) ([]byte, error) {
	f := csvcell.NewFile(enc == order.ShiftJIS)
	rows := [][]string{CSVHeader}
	for _, rw := range r.Rows {
		rows = append(rows, csvRow(rw.Key, rw.Label, rw.Figures, r.TaxByRow))
	}
	rows = append(rows, csvRow("", "合計", r.Total, true))
	for _, row := range rows {
		if _, err := f.Write(row); err != nil {
			return nil, fmt.Errorf("export sales: %w", err)
		}
	}
	out, err := f.Bytes()
	if err != nil {
		return nil, fmt.Errorf("export sales: %w", err)
	}
	return out, nil
}

// csvRow is one row's cells; goods rows leave the tax cells empty (tax is
// not computed per line) unless tax is set.
func csvRow(key, label string, f Figures, tax bool) []string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	row := []string{key, label, strconv.Itoa(f.Orders), strconv.Itoa(f.Quantity), n(int64(f.Gross)),
		n(int64(f.Refunds)), n(int64(f.Net)), n(int64(f.Sales10)), n(int64(f.Tax10)), n(int64(f.Sales8)), n(int64(f.Tax8))}
	if !tax {
		row[8], row[10] = "", ""
	}
	return row
}
