package mailtext_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mailtext"
)

// A saved text renders in place of the default; one that the sample
// passes but a real e-mail's data trips renders the default instead of
// failing the change that sends it.
func TestRenderFallsBackToTheDefault(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		texts := mailtext.New(d, func() time.Time { return now }, time.Hour)
		texts.Register(kind)
		by := audit.Actor{Name: "owner@example.jp", IP: "192.0.2.1"}
		data := notice{Name: "佐藤", Lines: []line{{"もぐさ", 1}}}

		if err := texts.Save(ctx, mailtext.Text{Kind: "paid", Locale: "ja", Subject: "入金 {{.Name}}", Body: "{{(index .Lines 0).Name}}"}, by); err != nil {
			t.Fatal(err)
		}
		if out, err := texts.Render(ctx, kind.Base, "paid", "ja", data); err != nil || out != "入金 佐藤\n\nもぐさ\n" {
			t.Fatalf("the shop's text: %q, %v", out, err)
		}
		if err := texts.Save(ctx, mailtext.Text{Kind: "paid", Locale: "ja", Subject: "入金 {{.Name}}", Body: "{{(index .Lines 0).Name}}{{.Extras.a}}"}, by); err != nil {
			t.Fatal(err)
		}
		out, err := texts.Render(ctx, kind.Base, "paid", "ja", notice{Name: "佐藤"})
		if err != nil || !strings.HasPrefix(out, "ご入金 佐藤\n\n佐藤 様") {
			t.Fatalf("a text the data trips: %q, %v", out, err)
		}
	})
}
