package order_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// saveCarrierContract stores the Yamato contract codes the B2 file needs.
func saveCarrierContract(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	st, err := settings.Load(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	st.Carrier = settings.CarrierContract{Format: "yamato", YamatoBillingCode: "012345678901", YamatoFreightCode: "01",
		SagawaCustomerCode: "123456789012"}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, st, clock()) }); err != nil {
		t.Fatal(err)
	}
}

// readCarrierFile decodes the file as the carrier's import does: Shift_JIS
// bytes, CSV with CRLF, a header row, every row as wide as the layout.
func readCarrierFile(t *testing.T, f *order.CarrierFile) [][]string {
	t.Helper()
	if !bytes.Contains(f.Data, []byte("\r\n")) || bytes.HasPrefix(f.Data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("%s file: want CRLF lines and no BOM", f.Carrier)
	}
	text, err := japanese.ShiftJIS.NewDecoder().Bytes(f.Data)
	if err != nil {
		t.Fatalf("%s file is not Shift_JIS: %v", f.Carrier, err)
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = len(f.Carrier.Layout())
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s file: %v", f.Carrier, err)
	}
	if strings.Join(rows[0], ",") != strings.Join(f.Carrier.Layout(), ",") {
		t.Fatalf("%s header = %v", f.Carrier, rows[0])
	}
	return rows
}

// col returns the 1-based column of the row, as the carriers' documents
// number them.
func col(row []string, n int) string { return row[n-1] }

func taxOf(o *order.Order) string {
	var t shop.Yen
	for _, ts := range o.Taxes {
		t += ts.Tax
	}
	return strconv.FormatInt(int64(t), 10)
}

func TestCarrierCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		saveCarrierContract(t, d)
		c := taro()
		c.Date, c.Slot = "2026-12-01", "14時〜16時"
		cod := f.placeAs(t, c, order.COD)
		h := hanako()
		h.Address.Name = "髙橋 花子" // an IBM extension in CP932
		h.Slot = "午前中"
		transfer := f.placeAs(t, h, order.BankTransfer)
		if _, err := f.orders.MarkPaid(ctx, transfer.Number, staff); err != nil {
			t.Fatal(err)
		}
		numbers := []string{cod.Number, transfer.Number}

		file, err := f.orders.CarrierCSV(ctx, numbers, order.Yamato, staff)
		if err != nil {
			t.Fatal(err)
		}
		rows := readCarrierFile(t, file)
		if len(rows) != 3 || len(rows[1]) != 42 {
			t.Fatalf("B2 rows = %d of %d columns, want 2 orders of 42", len(rows)-1, len(rows[1]))
		}
		y := rows[1]
		for n, want := range map[int]string{
			1: cod.Number, 2: "2", 5: "2026/11/25", 6: "2026/12/01", 7: "1416", 9: "03-1234-5678", 11: "100-0001",
			12: "東京都千代田区千代田1-1", 13: "楓ハイツ101", 16: "山田 太郎", 20: "03-0000-0000", 22: "100-0001",
			23: "東京都千代田区千代田1-1 楓ビル3階", 25: "楓 鍼灸マッサージ用品店",
			34: strconv.FormatInt(int64(cod.Total), 10), 35: taxOf(cod), 40: "012345678901", 42: "01",
		} {
			if got := col(y, n); got != want {
				t.Errorf("B2 column %d (%s) = %q, want %q", n, yamatoName(n), got, want)
			}
		}
		if got := col(y, 28); !strings.HasSuffix(got, " 他1点") || len([]rune(got)) > 25 {
			t.Errorf("B2 品名1 = %q, want the first item and 他1点 within 25 characters", got)
		}
		y = rows[2]
		for n, want := range map[int]string{1: transfer.Number, 2: "0", 6: "", 7: "0812", 16: "髙橋 花子", 34: "", 35: ""} {
			if got := col(y, n); got != want {
				t.Errorf("B2 transfer column %d = %q, want %q", n, got, want)
			}
		}
		if cod.Total <= 0 || col(rows[1], 34) == "0" {
			t.Fatalf("COD amount %q", col(rows[1], 34))
		}

		file, err = f.orders.CarrierCSV(ctx, numbers, order.Sagawa, staff)
		if err != nil {
			t.Fatal(err)
		}
		rows = readCarrierFile(t, file)
		if len(rows[1]) != 74 {
			t.Fatalf("e飛伝 columns = %d, want 74", len(rows[1]))
		}
		for n, want := range map[int]string{
			3: "03-1234-5678", 4: "100-0001", 5: "東京都千代田区", 6: "千代田1-1", 7: "楓ハイツ101", 8: "山田 太郎",
			10: cod.Number, 11: "123456789012", 45: "20261201", 46: "14", 48: strconv.FormatInt(int64(cod.Total), 10),
			49: taxOf(cod), 61: "20261125",
		} {
			if got := col(rows[1], n); got != want {
				t.Errorf("e飛伝 column %d (%s) = %q, want %q", n, file.Carrier.Layout()[n-1], got, want)
			}
		}
		if got := col(rows[2], 46); got != "01" {
			t.Errorf("e飛伝 morning = %q, want 01", got)
		}

		file, err = f.orders.CarrierCSV(ctx, numbers, order.JapanPost, staff)
		if err != nil {
			t.Fatal(err)
		}
		rows = readCarrierFile(t, file)
		jp := map[string]int{}
		for i, name := range rows[0] {
			jp[name] = i + 1
		}
		for name, want := range map[string]string{
			"お客様側管理番号": cod.Number, "発送予定日": "20261125", "元／着払／代引": "2", "配達指定日／希望日": "20261201",
			"配達時間帯区分": "53", "代引金額": strconv.FormatInt(int64(cod.Total), 10), "お届け先 電話番号": "03-1234-5678",
		} {
			if got := col(rows[1], jp[name]); got != want {
				t.Errorf("ゆうプリR %s = %q, want %q", name, got, want)
			}
		}
		if got := col(rows[2], jp["元／着払／代引"]); got != "0" {
			t.Errorf("ゆうプリR transfer 元払 = %q", got)
		}
		if es := auditEntries(t, d, "export.shipments"); len(es) != 3 {
			t.Fatalf("%d export.shipments entries, want 3", len(es))
		}
	})
}

func yamatoName(n int) string { return order.Yamato.Layout()[n-1] }

func TestCarrierCSVRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		cod := f.placeAs(t, taro(), order.COD)
		_, err := f.orders.CarrierCSV(ctx, []string{cod.Number}, order.Yamato, staff)
		wantField(t, "B2 without the contract", err, "carrier.yamato_billing_code", shop.ReasonRequired)
		saveCarrierContract(t, d)
		unpaid := f.placeAs(t, hanako(), order.BankTransfer)
		_, err = f.orders.CarrierCSV(ctx, []string{cod.Number, unpaid.Number}, order.Yamato, staff)
		if shop.ErrorCode(err) != shop.Conflict || !strings.Contains(err.Error(), unpaid.Number) {
			t.Fatalf("unpaid transfer exported: %v", err)
		}
		_, err = f.orders.CarrierCSV(ctx, nil, order.Sagawa, staff)
		wantField(t, "no orders", err, "orders", shop.ReasonRequired)
		_, err = f.orders.CarrierCSV(ctx, []string{cod.Number}, order.Other, staff)
		wantField(t, "other carrier", err, "carrier", shop.ReasonChoice)
		if es := auditEntries(t, d, "export.shipments"); len(es) != 0 {
			t.Fatalf("refused exports audited as done: %d", len(es))
		}
	})
}

func TestSlotCode(t *testing.T) {
	tests := []struct {
		c          order.Carrier
		slot, want string
		ok         bool
	}{
		{order.Yamato, "", "", true},
		{order.Yamato, "午前中", "0812", true},
		{order.Yamato, "14時〜16時", "1416", true},
		{order.Yamato, "１９時～２１時", "1921", true},
		{order.Yamato, "19:00-21:00", "1921", true},
		{order.Yamato, "12時〜14時", "", false}, // Yamato no longer offers it
		{order.Sagawa, "午前中", "01", true},
		{order.Sagawa, "18時〜21時", "04", true},
		{order.Sagawa, "18時〜20時", "18", true},
		{order.JapanPost, "", "00", true},
		{order.JapanPost, "12時〜14時", "52", true},
		{order.JapanPost, "夜間", "", false},
	}
	for _, tt := range tests {
		got, ok := order.SlotCode(tt.c, tt.slot)
		if got != tt.want || ok != tt.ok {
			t.Errorf("SlotCode(%s, %q) = %q, %v; want %q, %v", tt.c, tt.slot, got, ok, tt.want, tt.ok)
		}
	}
}
