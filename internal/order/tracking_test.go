package order_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"kaede/internal/csvcell"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/shop"
)

func TestImportTracking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		cod := f.placeAs(t, taro(), order.COD)
		transfer := f.placeAs(t, hanako(), order.BankTransfer)
		if _, err := f.orders.MarkPaid(ctx, transfer.Number, staff); err != nil {
			t.Fatal(err)
		}
		unpaid := f.placeAs(t, hanako(), order.BankTransfer)

		bad := "注文番号,追跡番号,運送会社,出荷日\r\n" +
			cod.Number + ",1234-5678-9012,ヤマト運輸,2026/11/25\r\n" +
			transfer.Number + ",12AB,佐川急便,\r\n" +
			unpaid.Number + ",123456789013,,\r\n" +
			"K20990101-0001,123456789014,fedex,2026-13-01\r\n"
		res, err := f.orders.ImportTracking(ctx, []byte(bad), "", staff)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"3 tracking_number format", "4 carrier required", "5 carrier choice", "5 shipped_at format",
		}
		if got := problemList(res.Problems); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("problems %v, want %v", got, want)
		}
		// Every cell right, but one order cannot ship: still nothing applied.
		unshippable := "注文番号,追跡番号,運送会社\r\n" + cod.Number + ",123456789012,yamato\r\n" +
			unpaid.Number + ",123456789013,yamato\r\nK20990101-0001,123456789014,yamato\r\n"
		res, err = f.orders.ImportTracking(ctx, []byte(unshippable), "", staff)
		if err != nil {
			t.Fatal(err)
		}
		want = []string{"3 order status", "4 order not_found"}
		if got := problemList(res.Problems); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("problems %v, want %v", got, want)
		}
		for _, o := range []*order.Order{cod, transfer} {
			if got, _ := f.orders.Get(ctx, o.Number); got.Status == order.Shipped {
				t.Fatalf("%s shipped by a refused import", o.Number)
			}
			if _, bodies := mailBodies(t, d, o.ID, "order_shipped"); len(bodies) != 0 {
				t.Fatalf("%s: shipping mail from a refused import", o.Number)
			}
		}
		if es := auditEntries(t, d, "order.ship"); len(es) != 0 {
			t.Fatalf("%d order.ship entries from refused imports", len(es))
		}

		// The good file, as Shift_JIS, with a defused cell and full-width digits.
		good := "注文番号,追跡番号,運送会社,出荷日\r\n" +
			cod.Number + ",１２３４－５６７８－９０１２,ヤマト運輸,2026/11/25\r\n" +
			transfer.Number + "," + csvcell.Defuse("-1234567890") + ",佐川急便,\r\n"
		sjis, err := csvcell.ShiftJIS(good)
		if err != nil {
			t.Fatal(err)
		}
		res, err = f.orders.ImportTracking(ctx, sjis, "", staff)
		if err != nil || res.Problems != nil {
			t.Fatalf("good import: %v %v", problemList(res.Problems), err)
		}
		if len(res.Shipped) != 2 {
			t.Fatalf("shipped %v", res.Shipped)
		}
		for _, tt := range []struct {
			o       *order.Order
			carrier order.Carrier
			number  string
		}{{cod, order.Yamato, "123456789012"}, {transfer, order.Sagawa, "1234567890"}} {
			got, _ := f.orders.Get(ctx, tt.o.Number)
			sh, _ := f.orders.Shipments(ctx, tt.o.Number)
			if got.Status != order.Shipped || len(sh) != 1 || sh[0].Carrier != tt.carrier || sh[0].TrackingNumber != tt.number {
				t.Fatalf("%s: %s %+v", tt.o.Number, got.Status, sh)
			}
			if _, bodies := mailBodies(t, d, tt.o.ID, "order_shipped"); len(bodies) != 1 || !strings.Contains(bodies[0], tt.number) {
				t.Fatalf("%s: shipping mails %v", tt.o.Number, bodies)
			}
		}
		if es := auditEntries(t, d, "import.tracking"); len(es) != 1 {
			t.Fatalf("%d import.tracking entries, want 1", len(es))
		}
		if es := auditEntries(t, d, "order.ship"); len(es) != 2 {
			t.Fatalf("%d order.ship entries, want 2", len(es))
		}
	})
}

// TestImportTrackingCarrierExport reads B2 Cloud's own export back: the
// order number in お客様管理番号 (as CarrierCSV writes it) and the slip
// number in 伝票番号, which also says the carrier.
func TestImportTrackingCarrierExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		cod := f.placeAs(t, taro(), order.COD)
		file := "お客様管理番号,送り状種類,クール区分,伝票番号,出荷予定日\r\n" + cod.Number + ",2,0,4001-2345-6789,2026/11/25\r\n"
		res, err := f.orders.ImportTracking(ctx, []byte("\uFEFF"+file), "", staff)
		if err != nil || res.Problems != nil {
			t.Fatalf("B2 export: %v %v", problemList(res.Problems), err)
		}
		sh, _ := f.orders.Shipments(ctx, cod.Number)
		if len(sh) != 1 || sh[0].Carrier != order.Yamato || sh[0].TrackingNumber != "400123456789" {
			t.Fatalf("shipments %+v", sh)
		}
	})
}

func problemList(ps []order.RowProblem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%d %s %s", p.Line, p.Field, p.Reason))
	}
	return out
}

func TestParseTracking(t *testing.T) {
	tests := []struct {
		name, file string
		fallback   order.Carrier
		rows       int
		problems   []string
	}{
		{"english header", "order,tracking_number,carrier,shipped_on\nK1,123456789012,sagawa,2026-11-25\n", "", 1, nil},
		{"fallback carrier", "注文番号,追跡番号\nK1,123456789012\n\n", order.JapanPost, 1, nil},
		{"no carrier", "注文番号,追跡番号\nK1,123456789012\n", "", 0, []string{"2 carrier required"}},
		{"missing columns", "番号,その他\nK1,1\n", "", 0, []string{"1 header order", "1 header tracking_number"}},
		{"empty", "", "", 0, []string{"1 file required"}},
		{"header only", "注文番号,追跡番号\n", order.Yamato, 0, []string{"2 file required"}},
		{"duplicate", "注文番号,追跡番号\nK1,123456789012\nK1,123456789013\n", order.Yamato, 0, []string{"3 order duplicate"}},
		{"stray quote", "注文番号,追跡番号\nK1,\"12\"3\n", order.Yamato, 0, []string{"2 file csv"}},
		{"not text", "\xff\xfe\x00\x01", order.Yamato, 0, []string{"1 file encoding"}},
		{"no order", "注文番号,追跡番号\n,123456789012\n", order.Yamato, 0, []string{"2 order required"}},
	}
	for _, tt := range tests {
		rows, problems := order.ParseTracking([]byte(tt.file), tt.fallback)
		if got := problemList(problems); strings.Join(got, "|") != strings.Join(tt.problems, "|") || len(rows) != tt.rows {
			t.Errorf("%s: %d rows, problems %v; want %d, %v", tt.name, len(rows), got, tt.rows, tt.problems)
		}
	}
	var b strings.Builder
	b.WriteString("注文番号,追跡番号\n")
	for i := range order.MaxTrackingRows + 1 {
		fmt.Fprintf(&b, "K%d,123456789012\n", i)
	}
	_, problems := order.ParseTracking([]byte(b.String()), order.Yamato)
	if got := problemList(problems); len(got) != 1 || got[0] != fmt.Sprintf("%d file too_many", order.MaxTrackingRows+2) {
		t.Fatalf("1,001 rows: %v", got)
	}
}

func FuzzParseTracking(f *testing.F) {
	f.Add([]byte("注文番号,追跡番号,運送会社,出荷日\r\nK1,1234-5678-9012,ヤマト運輸,2026/11/25\r\n"))
	f.Add([]byte("お客様管理番号,送り状種類,クール区分,伝票番号\r\nK1,0,0,123456789012\r\n"))
	f.Add([]byte("order,tracking_number\n\"K1\",\"12\"\"3\"\n"))
	f.Add([]byte("\x92\x8d\x95\xb6\x94\xd4\x8d\x86,x\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, problems := order.ParseTracking(data, order.Yamato)
		if rows != nil && problems != nil {
			t.Fatalf("rows and problems both returned")
		}
		if rows == nil && problems == nil {
			t.Fatalf("neither rows nor problems")
		}
		if len(rows) > order.MaxTrackingRows {
			t.Fatalf("%d rows", len(rows))
		}
		for _, r := range rows {
			if r.Order == "" || r.Line < 2 || !r.Shipment.Carrier.Valid() {
				t.Fatalf("row %+v", r)
			}
			if r.Shipment.Carrier != order.Other && (len(r.Shipment.TrackingNumber) < 10 || len(r.Shipment.TrackingNumber) > 14) {
				t.Fatalf("tracking number %q passed", r.Shipment.TrackingNumber)
			}
		}
		for _, p := range problems {
			if p.Line < 1 || p.Field == "" || p.Reason == "" {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}

func TestBulkStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		transfer := f.placeAs(t, taro(), order.BankTransfer)
		cod := f.placeAs(t, hanako(), order.COD)
		out, err := f.orders.BulkStatus(ctx, []string{transfer.Number, cod.Number, transfer.Number, "K20990101-0001"},
			order.Paid, "", staff)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]shop.Code{}
		for _, o := range out {
			got[o.Order] = shop.ErrorCode(o.Err)
			if o.Err == nil {
				got[o.Order] = "ok"
			}
		}
		want := map[string]shop.Code{transfer.Number: "ok", cod.Number: shop.Conflict, "K20990101-0001": shop.NotFound}
		if len(out) != 3 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("outcomes %v, want %v", got, want)
		}
		if o, _ := f.orders.Get(ctx, cod.Number); o.Status != order.Placed {
			t.Fatalf("COD order moved to %s", o.Status)
		}
		if es := auditEntries(t, d, "order.paid"); len(es) != 1 {
			t.Fatalf("%d order.paid entries, want 1", len(es))
		}
		_, err = f.orders.BulkStatus(ctx, []string{cod.Number}, order.Cancelled, " ", staff)
		wantField(t, "cancel without reason", err, "reason", shop.ReasonRequired)
		_, err = f.orders.BulkStatus(ctx, []string{cod.Number}, order.Shipped, "", staff)
		wantField(t, "bulk ship", err, "status", shop.ReasonChoice)
		out, err = f.orders.BulkStatus(ctx, []string{cod.Number, transfer.Number}, order.Cancelled, "お客様のご依頼", staff)
		if err != nil || out[0].Err != nil || out[1].Err != nil {
			t.Fatalf("cancel: %+v %v", out, err)
		}
	})
}
