package order_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// wantRow is the export row of an order, built from the order as the test
// expects it.
func wantRow(o *order.Order, name string) []string {
	cod := "0"
	if o.PaymentMethod == order.COD {
		cod = strconv.FormatInt(int64(o.Total), 10)
	}
	var items []string
	for _, l := range o.Lines {
		items = append(items, l.Name+" ×"+strconv.Itoa(l.Quantity))
	}
	a := o.Address
	return []string{o.Number, "2026/11/25", name, a.NameKana, a.PostalCode, a.PrefectureName(), a.City, a.Line1, a.Line2,
		a.Phone, order.PaymentLabel(o.PaymentMethod), cod, strings.ReplaceAll(o.DeliveryDate, "-", "/"), o.DeliverySlot,
		strings.Join(items, "、")}
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Error("CSV lines do not end in CRLF")
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v", err)
	}
	return rows
}

func TestExportCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c := taro()
		c.Address.Name = "髙橋 﨑子" // CP932 has these; plain JIS X 0208 does not
		c.Date, c.Slot = "2026-11-30", "14時〜16時"
		cod := f.placeAs(t, c, order.COD)
		h := hanako()
		h.Address.Line2 = "=HYPERLINK(\"http://evil.example\")"
		bank := f.placeAs(t, h, order.BankTransfer)

		// UTF-8 with a byte-order mark.
		var buf bytes.Buffer
		if _, err := f.orders.ExportCSV(ctx, &buf, order.AdminQuery{}, order.UTF8BOM, staff); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("UTF-8 export starts % x, want the BOM", b[:3])
		}
		rows := readCSV(t, b[3:])
		wantBank := wantRow(bank, "佐藤 花子")
		wantBank[8] = "'" + h.Address.Line2 // defused, not run by a spreadsheet
		want := [][]string{order.ExportHeader, wantBank, wantRow(cod, "髙橋 﨑子")}
		if !reflect.DeepEqual(rows, want) {
			t.Fatalf("UTF-8 rows\n got %q\nwant %q", rows, want)
		}
		if rows[2][11] != strconv.FormatInt(int64(cod.Total), 10) || rows[1][11] != "0" || rows[2][13] != "14時〜16時" {
			t.Fatalf("COD amounts %q %q, slot %q", rows[1][11], rows[2][11], rows[2][13])
		}

		// Shift_JIS, decoded back. The wave dash comes back as the
		// full-width tilde, its CP932 form.
		buf.Reset()
		if _, err := f.orders.ExportCSV(ctx, &buf, order.AdminQuery{Method: order.COD}, order.ShiftJIS, staff); err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
			t.Fatal("Shift_JIS export has a UTF-8 BOM")
		}
		decoded, err := japanese.ShiftJIS.NewDecoder().Bytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		rows = readCSV(t, decoded)
		wantCOD := wantRow(cod, "髙橋 﨑子")
		wantCOD[13] = "14時～16時"
		if want := [][]string{order.ExportHeader, wantCOD}; !reflect.DeepEqual(rows, want) {
			t.Fatalf("Shift_JIS rows\n got %q\nwant %q", rows, want)
		}

		// A name Shift_JIS cannot hold never blocks the export: it is
		// written with 〓 and its order is listed.
		y := taro()
		y.Address.Name = "𠮷田 太郎"
		bad := f.placeAs(t, y, order.COD)
		buf.Reset()
		res, err := f.orders.ExportCSV(ctx, &buf, order.AdminQuery{}, order.ShiftJIS, staff)
		if err != nil || res.Count != 3 || !reflect.DeepEqual(res.Replaced, []string{bad.Number}) {
			t.Fatalf("export of 𠮷: %+v, %v; want 3 rows and %s replaced", res, err, bad.Number)
		}
		decoded, err = japanese.ShiftJIS.NewDecoder().Bytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if rows := readCSV(t, decoded); len(rows) != 4 || rows[1][2] != "〓田 太郎" {
			t.Fatalf("Shift_JIS export of 𠮷: %q", rows)
		}
		// UTF-8 holds it.
		buf.Reset()
		if _, err := f.orders.ExportCSV(ctx, &buf, order.AdminQuery{Q: "𠮷田"}, order.UTF8BOM, staff); err != nil {
			t.Fatal(err)
		}
		if rows := readCSV(t, buf.Bytes()[3:]); len(rows) != 2 || rows[1][2] != "𠮷田 太郎" {
			t.Fatalf("UTF-8 export of 𠮷: %q", rows)
		}

		_, err = f.orders.ExportCSV(ctx, &buf, order.AdminQuery{}, "latin1", staff)
		wantField(t, "unknown encoding", err, "encoding", shop.ReasonChoice)
		_, err = f.orders.ExportCSV(ctx, &buf, order.AdminQuery{Limit: order.MaxExport + 1}, order.UTF8BOM, staff)
		wantField(t, "export limit", err, "limit", shop.ReasonRange)

		// Each export is audited with its filter and count.
		entries := auditEntries(t, d, "export.orders")
		if len(entries) != 4 {
			t.Fatalf("%d export.orders entries, want 4", len(entries))
		}
		var after struct {
			Count    int            `json:"count"`
			Encoding string         `json:"encoding"`
			Filter   map[string]any `json:"filter"`
		}
		if err := json.Unmarshal([]byte(entries[1].After), &after); err != nil {
			t.Fatal(err)
		}
		if after.Count != 1 || after.Encoding != "sjis" || after.Filter["method"] != "cod" ||
			entries[1].Actor != staff.Name || entries[1].IP != staff.IP {
			t.Fatalf("export entry %+v after %+v", entries[1], after)
		}
		var replaced struct {
			Replaced []string `json:"replaced"`
		}
		if err := json.Unmarshal([]byte(entries[2].After), &replaced); err != nil || !reflect.DeepEqual(replaced.Replaced, []string{bad.Number}) {
			t.Fatalf("the Shift_JIS export's entry does not list %s: %s", bad.Number, entries[2].After)
		}
		verifyAudit(t, d, 4)
	})
}
