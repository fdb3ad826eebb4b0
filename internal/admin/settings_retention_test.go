package admin_test

import (
	"net/http"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/settings"
	"kaede/internal/staff"
)

// The retention periods and the incident hold are shown and edited on the
// settings page; a period out of range is named next to its field.
func TestAdminSettingsRetention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		page := b.get("/admin/settings/edit")
		wantStatus(t, page, http.StatusOK)
		form := formValues(page.Doc, "/admin/settings")
		if got := form.Get("retention.card_attempt_days"); got != "90" {
			t.Fatalf("card attempt days shown as %q, want 90", got)
		}
		if form.Has("retention.incident_hold") {
			t.Fatal("the incident hold is shown on by default")
		}

		form.Set("retention.abandoned_cart_days", "3")
		res := b.post("/admin/settings", form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		input := find(res.Doc, byID("retention.abandoned_cart_days"))
		if input == nil || find(input.Parent, hasClass("field-error")) == nil {
			t.Fatal("no error next to the abandoned cart days")
		}

		form.Set("retention.abandoned_cart_days", "60")
		form.Set("retention.card_attempt_days", "30")
		form.Set("retention.incident_hold", "on")
		wantRedirect(t, b.post("/admin/settings", form), "/admin/settings")
		got, err := settings.Load(e.ctx, e.d)
		if err != nil {
			t.Fatal(err)
		}
		want := settings.DefaultRetention()
		want.AbandonedCartDays, want.CardAttemptDays, want.IncidentHold = 60, 30, true
		if got.Retention != want {
			t.Fatalf("saved %+v, want %+v", got.Retention, want)
		}
	})
}
