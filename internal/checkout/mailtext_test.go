package checkout_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mailtext"
	"kaede/internal/shop"
)

// The order confirmation goes out in the shop's own wording once saved,
// with the order's data; the default's subject is unchanged before.
func TestConfirmationInTheShopsWording(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		texts := mailtext.New(d, clock, time.Hour)
		texts.Register(checkout.MailKinds()...)
		f.checkout.UseTexts(texts)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 5})

		o, _, err := f.checkout.Place(ctx, input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", "k1"))
		if err != nil {
			t.Fatal(err)
		}
		if subject, _ := mailOf(t, d, o.ID); !strings.HasSuffix(subject, "ご注文ありがとうございます（注文番号 "+o.Number+"）") {
			t.Fatalf("default subject %q", subject)
		}

		err = texts.Save(ctx, mailtext.Text{Kind: "order_confirmation", Locale: "ja",
			Subject: "ご注文受付 {{.Order.Number}}",
			Body:    "{{.Order.Address.Name}} 様\n{{range .Order.Lines}}{{.Name}} ×{{.Quantity}}\n{{end}}合計 {{yen .Order.Total}}"},
			audit.Actor{Name: "owner@example.jp", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		o, _, err = f.checkout.Place(ctx, input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", "k2"))
		if err != nil {
			t.Fatal(err)
		}
		subject, body := mailOf(t, d, o.ID)
		if subject != "ご注文受付 "+o.Number || !strings.HasPrefix(body, "山田 太郎 様\n") || !strings.Contains(body, "合計 ¥") {
			t.Fatalf("confirmation in the shop's wording: %q\n%s", subject, body)
		}

		err = texts.Save(ctx, mailtext.Text{Kind: "order_confirmation", Locale: "ja", Subject: "{{.Order.Numbre}}", Body: "x"},
			audit.Actor{Name: "owner@example.jp", IP: "192.0.2.1"})
		if !strings.Contains(shop.ErrorFields(err)["subject"], "Numbre") {
			t.Fatalf("a misspelt field: %v", err)
		}
	})
}
