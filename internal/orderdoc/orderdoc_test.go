package orderdoc_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/orderdoc"
	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// samples names a directory to write one PDF of each kind to, to be
// looked at as pictures (pdftoppm): go test -run TestSamples -args -samples=DIR.
var samples = flag.String("samples", "", "directory to write sample PDFs to")

// testClock is the fixture's clock, moved by the tests to show that a
// document made later is the same file.
type testClock struct{ now time.Time }

func (c *testClock) Now() time.Time { return c.now }

var staff = audit.Actor{Name: "hanako@kaede.example", IP: "192.0.2.10"}

type fixture struct {
	d        *db.DB
	clock    *testClock
	carts    *cart.Service
	orders   *order.Service
	checkout *checkout.Service
	docs     *orderdoc.Service
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	c := &testClock{now: time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)}
	q := mail.NewTestQueue(c.Now)
	f := fixture{d: d, clock: c, carts: cart.New(d, c.Now), orders: order.New(d, q, c.Now)}
	f.checkout = checkout.New(d, f.carts, f.orders, q, c.Now, "https://kaede.example")
	f.docs = orderdoc.New(d, f.orders, throttle.New(d), c.Now)
	carttest.AddVariant(t, d, carttest.Variant{SKU: "NEEDLE", Price: 3300, Stock: 100})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 1080, Stock: 100, Reduced: true})
	return f
}

var placed int

// place orders two boxes of needles and three of herbal tea (8 %), paid
// by method.
func (f fixture) place(t *testing.T, method order.PaymentMethod) *order.Order {
	t.Helper()
	ctx := context.Background()
	c, err := f.carts.Create(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for sku, qty := range map[string]int{"NEEDLE": 2, "TEA": 3} {
		if _, err := f.carts.AddItem(ctx, c.ID, sku, qty, shop.Viewer{}); err != nil {
			t.Fatal(err)
		}
	}
	placed++
	o, _, err := f.checkout.Place(ctx, checkout.Input{CartID: c.ID, Email: "taro@example.com",
		Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Line2: "楓ハイツ101", Phone: "03-1234-5678"},
		PaymentMethod: string(method), IdempotencyKey: fmt.Sprintf("orderdoc-test-%d", placed)})
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	return o
}

// paidOrder places a bank-transfer order and records the money in, a day
// later.
func (f fixture) paidOrder(t *testing.T) *order.Order {
	t.Helper()
	o := f.place(t, order.BankTransfer)
	f.clock.now = f.clock.now.Add(24 * time.Hour)
	if _, err := f.orders.MarkPaid(context.Background(), o.Number, staff); err != nil {
		t.Fatalf("mark paid: %v", err)
	}
	return o
}

// text returns the PDF's pages' text joined, one drawn line a line.
func text(t *testing.T, pdf []byte) string {
	t.Helper()
	return strings.Join(pdftext.Pages(t, pdf), "\f")
}

func wantText(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q; it reads:\n%s", what, w, got)
		}
	}
}

func downloads(t *testing.T, d *db.DB) int {
	t.Helper()
	return carttest.Count(t, d, "receipt_downloads")
}

func TestReceiptTwiceThenRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.place(t, order.BankTransfer)

		// Before the money is in, there is no receipt.
		_, _, err := f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "山田 太郎"})
		if got := orderdoc.RefusalOf(err); got != orderdoc.RefusedUnpaid || shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("unpaid: refusal %q (%v), want %q", got, err, orderdoc.RefusedUnpaid)
		}
		f.clock.now = f.clock.now.Add(24 * time.Hour)
		if _, err := f.orders.MarkPaid(ctx, o.Number, staff); err != nil {
			t.Fatal(err)
		}

		first, c1, err := f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "楓鍼灸院", RequestedBy: "guest"})
		if err != nil {
			t.Fatalf("first download: %v", err)
		}
		if c1.Copy != 1 || c1.Note != orderdoc.DefaultNote {
			t.Errorf("first copy %+v, want copy 1 with note %q", c1, orderdoc.DefaultNote)
		}
		got := text(t, first)
		wantText(t, "original", got, "領収書", "楓鍼灸院　様", "但し　お品代として", "上記正に領収いたしました。",
			o.Total.String()+"-", "登録番号 T1234567890123", "10%対象", "8%対象※", "2026年11月26日")
		if strings.Contains(got, "再発行") {
			t.Errorf("the original is stamped 再発行:\n%s", got)
		}

		f.clock.now = f.clock.now.Add(3 * time.Hour)
		second, c2, err := f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "楓鍼灸院 院長 山田太郎",
			Note: "施術用品代として", RequestedBy: "guest"})
		if err != nil {
			t.Fatalf("second download: %v", err)
		}
		if c2.Copy != 2 {
			t.Errorf("second copy numbered %d", c2.Copy)
		}
		wantText(t, "second copy", text(t, second), "領収書", "再発行", "楓鍼灸院 院長 山田太郎　様", "但し　施術用品代として",
			o.Number+"-2")

		_, _, err = f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "楓鍼灸院"})
		if got := orderdoc.RefusalOf(err); got != orderdoc.RefusedUsedUp || shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("third download: refusal %q (%v), want %q", got, err, orderdoc.RefusedUsedUp)
		}
		if n := downloads(t, d); n != 2 {
			t.Errorf("%d downloads recorded, want 2", n)
		}
		st, err := f.docs.ReceiptState(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Copies) != 2 || st.Refusal != orderdoc.RefusedUsedUp || st.Remaining() != 0 {
			t.Errorf("state %+v, want two copies, used up", st)
		}

		// Staff make the second copy again: the same file, audited, and
		// not a download.
		f.clock.now = f.clock.now.Add(30 * 24 * time.Hour)
		again, err := f.docs.ReissueReceipt(ctx, o.Number, 2, staff)
		if err != nil {
			t.Fatalf("reissue: %v", err)
		}
		if !bytes.Equal(again, second) {
			t.Errorf("the second copy made again a month later differs from the download (%d and %d bytes)", len(again), len(second))
		}
		if n := downloads(t, d); n != 2 {
			t.Errorf("%d downloads recorded after the staff's copy, want 2", n)
		}
		var entries int
		if err := d.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'receipt.reissue' AND target = $1`, "order:"+o.Number).Scan(&entries); err != nil {
			t.Fatal(err)
		}
		if entries != 1 {
			t.Errorf("%d audit entries for the staff's copy, want 1", entries)
		}
		if _, err := f.docs.ReissueReceipt(ctx, o.Number, 3, staff); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("reissue of copy 3: %v, want not found", err)
		}
	})
}

func TestNoReceiptForCashOnDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.place(t, order.COD)
		for _, step := range []func(context.Context, string, audit.Actor) (*order.Order, error){nil, f.orders.MarkDelivered} {
			if step != nil {
				if _, err := f.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); err != nil {
					t.Fatalf("ship: %v", err)
				}
				if _, err := step(ctx, o.Number, staff); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "山田 太郎"})
			if got := orderdoc.RefusalOf(err); got != orderdoc.RefusedCOD {
				t.Errorf("cash on delivery: refusal %q (%v), want %q", got, err, orderdoc.RefusedCOD)
			}
		}
		st, err := f.docs.ReceiptState(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		if st.Refusal != orderdoc.RefusedCOD || st.Remaining() != 0 {
			t.Errorf("state %+v, want refused for cash on delivery", st)
		}
		if n := downloads(t, d); n != 0 {
			t.Errorf("%d downloads recorded, want none", n)
		}
	})
}

func TestReceiptRequestValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		o := f.paidOrder(t)
		cases := []struct {
			name            string
			addressee, note string
			field           string
			reason          string
		}{
			{"no addressee", "  ", "", "addressee", shop.ReasonRequired},
			{"addressee too long", strings.Repeat("楓", orderdoc.MaxAddressee+1), "", "addressee", shop.ReasonLength},
			{"control character", "山田\x07太郎", "", "addressee", shop.ReasonFormat},
			{"invisible character", "山田\u200b太郎", "", "addressee", shop.ReasonFormat},
			{"beyond the font", "𠮷野家", "", "addressee", shop.ReasonFormat},
			{"note too long", "山田 太郎", strings.Repeat("品", orderdoc.MaxNote+1), "proviso", shop.ReasonLength},
			{"note with a line break", "山田 太郎", "お品代\nとして", "proviso", shop.ReasonFormat},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, _, err := f.docs.IssueReceipt(context.Background(), o.Number,
					orderdoc.ReceiptRequest{Addressee: c.addressee, Note: c.note})
				if shop.ErrorCode(err) != shop.Invalid || shop.ErrorFields(err)[c.field] != c.reason {
					t.Errorf("err %v (fields %v), want %s: %s", err, shop.ErrorFields(err), c.field, c.reason)
				}
			})
		}
		if n := downloads(t, d); n != 0 {
			t.Errorf("%d downloads recorded from bad requests, want none", n)
		}
	})
}

func TestInvoiceShowsRegistrationAndTaxPerRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.place(t, order.BankTransfer)
		pdf, err := f.docs.Invoice(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		got := text(t, pdf)
		wantText(t, "invoice", got, "適格請求書", "株式会社楓商会", "登録番号 T1234567890123", o.Number,
			"ご請求金額", o.Total.String(), "※は軽減税率（8%）対象品目です。", "振込先：", "お支払期限：")
		if len(o.Taxes) != 2 {
			t.Fatalf("order has %d tax rates, want 2", len(o.Taxes))
		}
		for _, tx := range o.Taxes {
			label := fmt.Sprintf("%d%%対象", tx.Rate)
			if tx.Rate == shop.RateReduced {
				label += "※"
			}
			// The rate's row reads label, total, before tax, tax.
			row := strings.Join([]string{label, tx.Total().String(), tx.Taxable.String(), tx.Tax.String()}, "\n")
			wantText(t, "invoice tax table", got, row)
		}
		// Each reduced-rate line is marked, in its name and its rate.
		wantText(t, "invoice lines", got, "8%※", "10%")
	})
}

func TestDocumentsAreReproducible(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.paidOrder(t)
		make := func() (invoice, slip []byte) {
			var err error
			if invoice, err = f.docs.Invoice(ctx, o.Number); err != nil {
				t.Fatal(err)
			}
			if slip, err = f.docs.Slip(ctx, o.Number); err != nil {
				t.Fatal(err)
			}
			return invoice, slip
		}
		inv1, slip1 := make()
		f.clock.now = f.clock.now.Add(400 * 24 * time.Hour)
		inv2, slip2 := make()
		if !bytes.Equal(inv1, inv2) {
			t.Errorf("invoice made a year apart differs (%d and %d bytes)", len(inv1), len(inv2))
		}
		if !bytes.Equal(slip1, slip2) {
			t.Errorf("delivery slip made a year apart differs (%d and %d bytes)", len(slip1), len(slip2))
		}
		// Dated the day the money came in, not the day it was printed.
		wantText(t, "paid invoice", text(t, inv1), "発行日", "2026年11月26日", "取引年月日", "2026年11月25日", "お支払済金額")
		wantText(t, "slip", text(t, slip1), "納品書", "山田 太郎　様", "NEEDLE", "合計（税込）")

		_, c1, err := f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "山田 太郎"})
		if err != nil {
			t.Fatal(err)
		}
		copies, err := f.docs.Receipts(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		if len(copies) != 1 || !copies[0].IssuedAt.Equal(c1.IssuedAt) || copies[0] != c1 {
			t.Errorf("recorded copy %+v, want %+v", copies, c1)
		}
	})
}

// TestSamples makes one PDF of each kind, and the edge cases of their
// layout (an unpaid invoice of many lines over two pages, the longest
// addressee and note), and writes them out when -samples names a
// directory, for a person to look at as pictures.
func TestSamples(t *testing.T) {
	d := dbtest.SQLite(t)
	f := setup(t, d)
	ctx := context.Background()
	o := f.paidOrder(t)
	cod := f.place(t, order.COD)

	c, err := f.carts.Create(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 36 {
		sku := fmt.Sprintf("SAMPLE-%02d", i)
		carttest.AddVariant(t, d, carttest.Variant{SKU: sku, Price: shop.Yen(550 + 110*i), Stock: 10, Reduced: i%4 == 0})
		if _, err := f.carts.AddItem(ctx, c.ID, sku, 1+i%3, shop.Viewer{}); err != nil {
			t.Fatal(err)
		}
	}
	long, _, err := f.checkout.Place(ctx, checkout.Input{CartID: c.ID, Email: "clinic@example.com",
		Address: shop.Address{Name: "医療法人社団 楓会 かえで鍼灸マッサージ治療院 受付ご担当者", NameKana: "カエデ", PostalCode: "530-0001",
			Prefecture: 27, City: "大阪市北区", Line1: "梅田1-2-3", Line2: "梅田センタービル 12階 1201号室", Phone: "06-1234-5678"},
		PaymentMethod: string(order.BankTransfer), IdempotencyKey: "orderdoc-samples-long"})
	if err != nil {
		t.Fatalf("place: %v", err)
	}

	out := map[string][]byte{}
	add := func(name string, b []byte, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b
	}
	b, err := f.docs.Invoice(ctx, o.Number)
	add("invoice-paid.pdf", b, err)
	b, err = f.docs.Invoice(ctx, long.Number)
	add("invoice-unpaid-long.pdf", b, err)
	b, err = f.docs.Slip(ctx, cod.Number)
	add("slip-cod.pdf", b, err)
	b, err = f.docs.Slip(ctx, long.Number)
	add("slip-long.pdf", b, err)
	b, _, err = f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "医療法人 楓会 楓鍼灸院"})
	add("receipt-1.pdf", b, err)
	b, _, err = f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{
		Addressee: strings.Repeat("楓", orderdoc.MaxAddressee), Note: strings.Repeat("品", orderdoc.MaxNote)})
	add("receipt-2-longest.pdf", b, err)

	if got := len(pdftext.Pages(t, out["invoice-unpaid-long.pdf"])); got < 2 {
		t.Errorf("the invoice of 36 lines has %d page(s), want it to go on to a second", got)
	}
	if *samples == "" {
		return
	}
	for name, b := range out {
		if err := os.WriteFile(filepath.Join(*samples, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClientRequestsAreLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		limit := orderdoc.ClientRequests[0].Max
		for i := range limit {
			if err := f.docs.AllowClient(ctx, "198.51.100.7"); err != nil {
				t.Fatalf("request %d: %v", i+1, err)
			}
		}
		if err := f.docs.AllowClient(ctx, "198.51.100.7"); shop.ErrorCode(err) != shop.TooMany {
			t.Errorf("request %d: %v, want too many", limit+1, err)
		}
		if err := f.docs.AllowClient(ctx, "198.51.100.8"); err != nil {
			t.Errorf("another address: %v", err)
		}
	})
}

// A partly refunded order's receipt acknowledges the money the shop kept,
// stating the order's total and the refund; a copy made again after a
// further refund is still the file first downloaded, and a new copy counts
// every refund.
func TestReceiptAfterPartialRefund(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.paidOrder(t)
		f.clock.now = f.clock.now.Add(time.Hour)
		if _, err := f.orders.MarkRefunded(ctx, o.Number, 1000, staff); err != nil {
			t.Fatalf("refund: %v", err)
		}
		f.clock.now = f.clock.now.Add(time.Hour)
		first, _, err := f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "楓鍼灸院"})
		if err != nil {
			t.Fatalf("receipt: %v", err)
		}
		got := text(t, first)
		wantText(t, "receipt after a refund", got, (o.Total-1000).String()+"-", "ご返金", "-¥1,000",
			"ご注文金額 "+o.Total.String()+" からご返金 ¥1,000 を差し引いた額です")
		if strings.Contains(got, o.Total.String()+"-") {
			t.Errorf("the receipt acknowledges the full total %s:\n%s", o.Total, got)
		}

		f.clock.now = f.clock.now.Add(time.Hour)
		if _, err := f.orders.MarkRefunded(ctx, o.Number, 500, staff); err != nil {
			t.Fatalf("second refund: %v", err)
		}
		again, err := f.docs.ReissueReceipt(ctx, o.Number, 1, staff)
		if err != nil {
			t.Fatalf("reissue: %v", err)
		}
		if !bytes.Equal(again, first) {
			t.Error("the first copy made again after a later refund differs from the download")
		}
		second, _, err := f.docs.IssueReceipt(ctx, o.Number, orderdoc.ReceiptRequest{Addressee: "楓鍼灸院"})
		if err != nil {
			t.Fatalf("second receipt: %v", err)
		}
		wantText(t, "second copy", text(t, second), (o.Total-1500).String()+"-", "-¥1,500")
	})
}
