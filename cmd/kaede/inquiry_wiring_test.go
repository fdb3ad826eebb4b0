package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// The contact form names an incident only once its notice is public, by
// the notice's title; the admin names it by its own title from the start.
// A notice drafted now names the inquiry desk's phone and hours.
func TestInquiryDeskIncidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
		owner := audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.10"}
		set := settings.NewService(d, func() time.Time { return now }, 0)
		s := settings.Default()
		s.Desk.Phone = "0120-000-000"
		if err := set.Save(ctx, s, owner); err != nil {
			t.Fatal(err)
		}
		incidents := incident.New(d, func() time.Time { return now })
		notices := incident.NewNotices(incidents)
		notices.Contact = noticeContact(set)
		inc, err := incidents.Open(ctx, incident.OpenInput{Title: "決済画面の改ざん", Noticed: "監視が差分を検知",
			Category: incident.CardData, DiscoveredAt: now.Add(-time.Hour), Unauthorised: true}, owner)
		if err != nil {
			t.Fatal(err)
		}
		public, staffTitle := publicIncidentTitle(notices), staffIncidentTitle(notices)
		if title, err := staffTitle(ctx, inc.ID, "ja"); err != nil || title != "決済画面の改ざん" {
			t.Fatalf("admin title %q, %v", title, err)
		}
		if _, err := public(ctx, inc.ID, "ja"); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("store title before any notice: err=%v, want not found", err)
		}
		no, err := notices.Draft(ctx, inc.ID, owner)
		if err != nil {
			t.Fatal(err)
		}
		contact := no.Latest.Ja[incident.SectionContact]
		for _, want := range []string{"0120-000-000", "平日10:00〜17:00（土日祝・年末年始を除く）"} {
			if !strings.Contains(contact, want) {
				t.Errorf("the notice's contact section has no %q:\n%s", want, contact)
			}
		}
		if _, err := public(ctx, inc.ID, "ja"); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("store title of a draft: err=%v, want not found", err)
		}
		if _, err := notices.Publish(ctx, inc.ID, owner); err != nil {
			t.Fatal(err)
		}
		title, err := public(ctx, inc.ID, "ja")
		if err != nil || title != no.Latest.TitleJa || !strings.Contains(title, "お詫び") {
			t.Fatalf("store title %q, %v; want the notice's %q", title, err, no.Latest.TitleJa)
		}
		if _, err := public(ctx, inc.ID+1, "ja"); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("store title of no incident: err=%v", err)
		}
	})
}
