package order_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mailtext"
	"kaede/internal/shop"
)

// The shop's own wording of a notice goes out in place of the default
// from the next notice on, a text naming a field the notice does not
// have is refused with nothing saved, and a reset brings the default back.
func TestNoticesInTheShopsWording(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		texts := mailtext.New(d, clock, time.Hour)
		texts.Register(f.orders.MailKinds()...)
		f.orders.UseTexts(texts)

		// Before anything is saved, the preview has only the sample, and
		// the long-lived cache holds "no texts": a save must clear it.
		subject, _, real, err := texts.Preview(ctx, mailtext.Text{Kind: "order_paid", Locale: "ja", Subject: "{{.Number}}", Body: "{{.Name}} 様"})
		if err != nil || real || subject != "K20261125-0007" {
			t.Fatalf("preview without orders: %q real=%v err=%v", subject, real, err)
		}

		for _, bad := range []struct{ subject, body, field, says string }{
			{"ご入金 {{.Number}}", "{{.Name}} 様\n{{if .Paid}}\n{{.Amout}}\n{{end}}", "body", "Amout"},
			{"ご入金 {{.Numbr}}", "{{.Name}} 様", "subject", "Numbr"},
			{"ご入金 {{.Number}}", "{{.Name}} 様\n{{range .Lines}}{{.Qty}}{{end}}", "body", "Qty"},
			{"ご入金 {{.Number}}", "{{.Name}} 様\n{{if .Paid}}", "body", "syntax"},
			{"", "{{.Name}} 様", "subject", "subject"},
		} {
			err := texts.Save(ctx, mailtext.Text{Kind: "order_paid", Locale: "ja", Subject: bad.subject, Body: bad.body}, staff)
			t.Logf("%q / %q: %v", bad.subject, bad.body, err)
			if shop.ErrorCode(err) != shop.Invalid || !strings.Contains(shop.ErrorFields(err)[bad.field], bad.says) {
				t.Errorf("saving %q / %q: err=%v, want invalid %s naming %q", bad.subject, bad.body, err, bad.field, bad.says)
			}
		}
		if got := count(t, d, `SELECT COUNT(*) FROM mail_texts`); got != 0 {
			t.Fatalf("%d texts saved by refused saves", got)
		}

		custom := mailtext.Text{Kind: "order_paid", Locale: "ja", Subject: "【{{.ShopName}}】お振込みありがとうございました（{{.Number}}）",
			Body: "{{.Name}} 様\n\n{{.Total}}のお振込みを確かに頂戴いたしました。\n{{range .Lines}}・{{.Name}} ×{{.Quantity}}\n{{end}}"}
		if err := texts.Save(ctx, custom, staff); err != nil {
			t.Fatal(err)
		}
		o := f.paidTransfer(t)
		subjects, bodies := mailBodies(t, d, o.ID, "order_paid")
		if len(bodies) != 1 || !strings.Contains(subjects[0], "お振込みありがとうございました（"+o.Number+"）") ||
			!strings.Contains(bodies[0], "山田 太郎 様") || !strings.Contains(bodies[0], "のお振込みを確かに頂戴いたしました。") ||
			strings.Contains(bodies[0], "ご入金を確認いたしました") {
			t.Fatalf("payment notice after the save:\n%q\n%s", subjects, bodies)
		}

		subject, body, real, err := texts.Preview(ctx, custom)
		if err != nil || !real || !strings.Contains(subject, o.Number) || !strings.Contains(body, "山田 太郎 様") {
			t.Fatalf("preview with an order: %q %q real=%v err=%v", subject, body, real, err)
		}

		if err := texts.Reset(ctx, "order_paid", "ja", staff); err != nil {
			t.Fatal(err)
		}
		got, err := texts.Get(ctx, "order_paid", "ja")
		if err != nil || got.Custom || !strings.Contains(got.Body, "ご入金を確認いたしました") {
			t.Fatalf("after the reset: %+v, %v", got, err)
		}
		o2 := f.paidTransfer(t)
		if _, bodies := mailBodies(t, d, o2.ID, "order_paid"); len(bodies) != 1 || !strings.Contains(bodies[0], "ご入金を確認いたしました") {
			t.Fatalf("payment notice after the reset:\n%s", bodies)
		}
		if got := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action IN ('mailtext.save', 'mailtext.reset') AND target = 'mailtext:order_paid.ja.txt' AND actor = 'hanako@kaede.example'`); got != 2 {
			t.Fatalf("%d audit entries, want the save and the reset", got)
		}
	})
}

func count(t *testing.T, d *db.DB, query string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
