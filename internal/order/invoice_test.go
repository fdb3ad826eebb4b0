package order_test

import (
	"context"
	"database/sql"
	"reflect"
	"regexp"
	"testing"

	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

func TestInvoice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 1080, Stock: 10, Reduced: true}) // 8 %: a herbal tea
		c := taro()
		c.Items = map[string]int{"A": 3, "TEA": 2}
		o := f.placeAs(t, c, order.COD)

		doc, err := f.orders.Invoice(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		st := settings.Default()
		tokyo := shop.JST
		checks := []struct {
			what      string
			got, want any
		}{
			{"issuer", doc.IssuerName, st.Company},
			{"issuer address", doc.IssuerAddress, st.Address},
			{"registration number", doc.RegistrationNumber, st.InvoiceNumber},
			{"number", doc.Number, o.Number},
			{"transaction date", doc.TransactionDate.Format("2006-01-02"), "2026-11-25"},
			{"transaction date zone", doc.TransactionDate.Location().String(), tokyo.String()},
			{"issue date", doc.IssueDate.Format("2006-01-02"), "2026-11-25"},
			{"recipient", doc.RecipientName, "山田 太郎"},
			{"total", doc.Total, o.Total},
			{"payment", doc.PaymentLabel, "代金引換"},
			{"paid", doc.Paid, false},
			{"reduced note", doc.HasReduced, true},
			{"lines", len(doc.Lines), 4}, // two items, shipping, COD fee
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
			}
		}
		if !regexp.MustCompile(`^T[0-9]{13}$`).MatchString(doc.RegistrationNumber) {
			t.Errorf("registration number %q is not T + 13 digits", doc.RegistrationNumber)
		}
		var sum shop.Yen
		byName := map[string]order.InvoiceLine{}
		for _, l := range doc.Lines {
			if l.Amount != l.UnitPrice*shop.Yen(l.Quantity) || l.Quantity < 1 {
				t.Errorf("line %+v: amount is not unit price × quantity", l)
			}
			if (l.TaxRate == shop.RateReduced) != (l.Mark == order.ReducedMark) {
				t.Errorf("line %+v: reduced mark %q at rate %d", l, l.Mark, l.TaxRate)
			}
			sum += l.Amount
			byName[l.Name] = l
		}
		if sum != doc.Total {
			t.Errorf("lines add up to %d, total %d", sum, doc.Total)
		}
		if l := byName["送料"]; l.Amount != o.ShippingFee || l.TaxRate != shop.RateStandard || l.Mark != "" {
			t.Errorf("shipping line %+v, want %d at 10%%", l, o.ShippingFee)
		}
		if l := byName["代引手数料"]; l.Amount != o.CODFee || l.TaxRate != shop.RateStandard || o.CODFee == 0 {
			t.Errorf("COD fee line %+v, want %d at 10%%", l, o.CODFee)
		}
		// Per rate: the tax-included total and the tax, rounded once per
		// rate (floor), with the fees at 10 %.
		ten := 1100*3 + o.ShippingFee + o.CODFee
		eight := shop.Yen(1080 * 2)
		want := []order.InvoiceTax{
			{Rate: 10, Total: ten, Taxable: ten - ten*10/110, Tax: ten * 10 / 110},
			{Rate: 8, Total: eight, Taxable: eight - eight*8/108, Tax: eight * 8 / 108},
		}
		if !reflect.DeepEqual(doc.Taxes, want) {
			t.Errorf("taxes %+v, want %+v", doc.Taxes, want)
		}

		// The shop changes its number, its rounding and its fees: the
		// invoice of the order placed before does not change.
		changed := settings.Default()
		changed.InvoiceNumber = "T9999999999999"
		changed.TaxRounding = shop.RoundCeil
		changed.CODFee, changed.DefaultShippingFee = 550, 1200
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, changed, clock()) }); err != nil {
			t.Fatal(err)
		}
		again, err := f.orders.Invoice(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, doc) {
			t.Fatalf("invoice changed with the settings:\n got %+v\nwant %+v", again, doc)
		}
		// A new order carries the new number.
		if n := f.placeAs(t, taro(), order.COD); n.InvoiceNumber != "T9999999999999" {
			t.Fatalf("new order's registration number %q", n.InvoiceNumber)
		}

		// Once delivered, the carrier has collected: a receipt.
		if _, err := f.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := f.orders.MarkDelivered(ctx, o.Number, staff); err != nil {
			t.Fatal(err)
		}
		if doc, _ := f.orders.Invoice(ctx, o.Number); !doc.Paid {
			t.Error("delivered COD order's invoice is not paid")
		}

		x := f.placeAs(t, taro(), order.BankTransfer)
		if _, err := f.orders.Cancel(ctx, x.Number, ""); err != nil {
			t.Fatal(err)
		}
		_, err = f.orders.Invoice(ctx, x.Number)
		wantCode(t, "invoice of a cancelled order", err, shop.Conflict)
		_, err = f.orders.Invoice(ctx, "K20990101-0001")
		wantCode(t, "invoice of an unknown order", err, shop.NotFound)
	})
}

func TestDeliverySlip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c := taro()
		c.Date, c.Slot = "2026-11-30", "午前中"
		o := f.placeAs(t, c, order.COD)
		if _, err := f.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.Sagawa, TrackingNumber: "1234567890"}, staff); err != nil {
			t.Fatal(err)
		}
		slip, err := f.orders.DeliverySlip(ctx, o.Number)
		if err != nil {
			t.Fatal(err)
		}
		st := settings.Default()
		if slip.Number != o.Number || slip.ShopName != st.ShopName || slip.ShopAddress != st.Address ||
			slip.To != c.Address || slip.ToPrefecture != "東京都" || slip.DeliveryDate != "2026-11-30" ||
			slip.DeliverySlot != "午前中" || slip.CODAmount != o.Total || slip.OrderDate.Format("2006-01-02") != "2026-11-25" {
			t.Fatalf("slip %+v", slip)
		}
		if len(slip.Lines) != 2 || len(slip.Shipments) != 1 || slip.Shipments[0].Carrier != order.Sagawa {
			t.Fatalf("slip lines %+v shipments %+v", slip.Lines, slip.Shipments)
		}
		qty := map[string]int{}
		for _, l := range slip.Lines {
			qty[l.SKU] = l.Quantity
			if l.Name == "" {
				t.Errorf("slip line %s has no name", l.SKU)
			}
		}
		if qty["A"] != 3 || qty["B"] != 1 {
			t.Fatalf("slip quantities %v", qty)
		}
		x := f.placeAs(t, taro(), order.COD)
		if _, err := f.orders.Cancel(ctx, x.Number, ""); err != nil {
			t.Fatal(err)
		}
		_, err = f.orders.DeliverySlip(ctx, x.Number)
		wantCode(t, "slip of a cancelled order", err, shop.Conflict)
	})
}
