package staff_test

import (
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

// TestEnabledAccounts: every account not disabled, enrolled or waiting
// for its enrolment; disabled ones left out.
func TestEnabledAccounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.enrol("owner@example.jp", staff.Owner)
		h.enrol("packer@example.jp", staff.Shipping)
		h.enrol("gone@example.jp", staff.Support)
		if _, err := h.s.Add(h.ctx, "new@example.jp", staff.Support, staff.CLI); err != nil {
			t.Fatal(err)
		}
		list, err := h.s.List(h.ctx, staff.CLI)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list {
			if m.Email == "gone@example.jp" {
				if err := h.s.Disable(h.ctx, m.ID, staff.CLI); err != nil {
					t.Fatal(err)
				}
			}
		}
		accounts, err := staff.EnabledAccounts(h.ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, a := range accounts {
			got[a.Email] = a.Enrolled()
		}
		want := map[string]bool{"new@example.jp": false, "owner@example.jp": true, "packer@example.jp": true}
		if len(got) != len(want) {
			t.Fatalf("accounts %v, want %v", got, want)
		}
		for k, v := range want {
			if enrolled, ok := got[k]; !ok || enrolled != v {
				t.Errorf("%s: listed %v, enrolled %v; want enrolled %v", k, ok, enrolled, v)
			}
		}
	})
}
