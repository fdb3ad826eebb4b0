package order_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/shop"
)

func TestShipmentValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		o := f.placeAs(t, taro(), order.COD)
		tests := []struct {
			sh            order.Shipment
			field, reason string
		}{
			{order.Shipment{TrackingNumber: "123456789012"}, "carrier", shop.ReasonRequired},
			{order.Shipment{Carrier: "fedex", TrackingNumber: "123456789012"}, "carrier", shop.ReasonChoice},
			{order.Shipment{Carrier: order.Yamato}, "tracking_number", shop.ReasonRequired},
			{order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789"}, "tracking_number", shop.ReasonFormat},
			{order.Shipment{Carrier: order.Sagawa, TrackingNumber: "123456789012345"}, "tracking_number", shop.ReasonFormat},
			{order.Shipment{Carrier: order.JapanPost, TrackingNumber: "AB123456789JP"}, "tracking_number", shop.ReasonFormat},
			{order.Shipment{Carrier: order.Other, TrackingNumber: "X1"}, "carrier_name", shop.ReasonRequired},
			{order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012", ShippedAt: clock().Add(time.Hour)}, "shipped_at", shop.ReasonRange},
			{order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012", ShippedAt: clock().AddDate(0, 0, -1)}, "shipped_at", shop.ReasonRange},
		}
		for _, tt := range tests {
			_, err := f.orders.Ship(ctx, o.Number, tt.sh, staff)
			wantField(t, "ship "+tt.field, err, tt.field, tt.reason)
		}
		if got, _ := f.orders.Get(ctx, o.Number); got.Status != order.Placed {
			t.Fatalf("status after refused shipments = %s, want placed", got.Status)
		}
		if sh, _ := f.orders.Shipments(ctx, o.Number); len(sh) != 0 {
			t.Fatalf("%d shipments recorded by refused calls", len(sh))
		}
		// Full-width digits and hyphens, as copied from a slip, are accepted.
		if _, err := f.orders.Ship(ctx, o.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "１２３４－５６７８－９０１２"}, staff); err != nil {
			t.Fatal(err)
		}
		sh, err := f.orders.Shipments(ctx, o.Number)
		if err != nil || len(sh) != 1 || sh[0].TrackingNumber != "123456789012" || sh[0].CreatedBy != staff.Name ||
			!sh[0].ShippedAt.Equal(clock()) {
			t.Fatalf("shipments %+v, %v", sh, err)
		}
		_, err = f.orders.Shipments(ctx, "K20990101-0001")
		wantCode(t, "shipments of an unknown order", err, shop.NotFound)
	})
}

func TestTrackingURL(t *testing.T) {
	tests := []struct {
		sh     order.Shipment
		locale string
		want   string
	}{
		{order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, "ja",
			"https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number00=1&number01=123456789012"},
		{order.Shipment{Carrier: order.Sagawa, TrackingNumber: "1234567890"}, "ja",
			"https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=1234567890"},
		{order.Shipment{Carrier: order.JapanPost, TrackingNumber: "12345678901"}, "en",
			"https://trackings.post.japanpost.jp/services/srv/search/direct?searchKind=S002&locale=en&reqCodeNo1=12345678901"},
		{order.Shipment{Carrier: order.Other, CarrierName: "楓便", TrackingNumber: "X-1"}, "ja", ""},
		{order.Shipment{Carrier: order.Yamato}, "ja", ""},
	}
	for _, tt := range tests {
		if got := tt.sh.TrackingURL(tt.locale); got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.sh.Carrier, tt.locale, got, tt.want)
		}
	}
}

func TestShippingMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()

		c := taro()
		c.Date, c.Slot = "2026-11-30", "14時〜16時"
		ja := f.placeAs(t, c, order.COD)
		if _, err := f.orders.Ship(ctx, ja.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "1234-5678-9012"}, staff); err != nil {
			t.Fatal(err)
		}
		subjects, bodies := mailBodies(t, d, ja.ID, "order_shipped")
		if len(bodies) != 1 {
			t.Fatalf("%d shipping mails, want 1", len(bodies))
		}
		if !strings.Contains(subjects[0], "発送") || !strings.Contains(subjects[0], ja.Number) {
			t.Errorf("subject %q", subjects[0])
		}
		for _, want := range []string{
			"山田 太郎 様", ja.Number, "ヤマト運輸", "123456789012",
			"https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number00=1&number01=123456789012",
			"2026年11月25日に発送いたしました", "2026年11月30日 14時〜16時",
			"代金引換", ja.Total.String(), "× 3", "いたします", "楓 鍼灸マッサージ用品店",
		} {
			if !strings.Contains(bodies[0], want) {
				t.Errorf("Japanese shipping mail lacks %q:\n%s", want, bodies[0])
			}
		}

		e := hanako()
		e.Locale = "en"
		en := f.placeAs(t, e, order.BankTransfer)
		if _, err := f.orders.MarkPaid(ctx, en.Number, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := f.orders.Ship(ctx, en.Number, order.Shipment{Carrier: order.JapanPost, TrackingNumber: "987654321098"}, staff); err != nil {
			t.Fatal(err)
		}
		subjects, bodies = mailBodies(t, d, en.ID, "order_shipped")
		if len(bodies) != 1 || !strings.Contains(subjects[0], "has shipped") {
			t.Fatalf("English shipping mail %q", subjects)
		}
		for _, want := range []string{"Dear 佐藤 花子", "Japan Post", "987654321098",
			"https://trackings.post.japanpost.jp/services/srv/search/direct?searchKind=S002&locale=en&reqCodeNo1=987654321098",
			"25 November 2026", "Kaede Acupuncture & Massage Supplies"} {
			if !strings.Contains(bodies[0], want) {
				t.Errorf("English shipping mail lacks %q:\n%s", want, bodies[0])
			}
		}
		if strings.Contains(bodies[0], "cash on delivery") {
			t.Errorf("bank-transfer order's mail asks for cash on delivery:\n%s", bodies[0])
		}

		// Another carrier: its name, the free-text number, no tracking page.
		other := f.placeAs(t, taro(), order.COD)
		if _, err := f.orders.Ship(ctx, other.Number, order.Shipment{Carrier: order.Other, CarrierName: "西濃運輸", TrackingNumber: "S-0001"}, staff); err != nil {
			t.Fatal(err)
		}
		_, bodies = mailBodies(t, d, other.ID, "order_shipped")
		if len(bodies) != 1 || !strings.Contains(bodies[0], "西濃運輸") || !strings.Contains(bodies[0], "S-0001") ||
			strings.Contains(bodies[0], "https://") {
			t.Fatalf("other carrier's mail:\n%s", bodies)
		}

		// A refused shipment sends nothing.
		unpaid := f.placeAs(t, taro(), order.BankTransfer)
		if _, err := f.orders.Ship(ctx, unpaid.Number, order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("ship unpaid transfer: %v, want conflict", err)
		}
		if _, bodies := mailBodies(t, d, unpaid.ID, "order_shipped"); len(bodies) != 0 {
			t.Fatalf("%d shipping mails for a refused shipment", len(bodies))
		}
	})
}

// TestShipAtTheMomentOfPlacing ships an order on a clock that has not moved
// since it was placed, at a time between two microseconds. The order's time
// is kept to the microsecond; rounded up, it lay after the clock's now and
// the shipment was refused as dated before the order.
func TestShipAtTheMomentOfPlacing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		at := func() time.Time { return time.Date(2026, 11, 25, 1, 0, 0, 999, time.UTC) }
		f := setupAt(t, d, at)
		o, _ := f.place(t, order.COD, 0)
		if o.CreatedAt.After(at()) {
			t.Fatalf("order placed at %s, after the clock's %s", o.CreatedAt.Format(time.RFC3339Nano), at().Format(time.RFC3339Nano))
		}
		if _, err := f.orders.Ship(context.Background(), o.Number,
			order.Shipment{Carrier: order.Yamato, TrackingNumber: "123456789012"}, staff); err != nil {
			t.Fatalf("ship at the moment of placing: %v", err)
		}
	})
}
