package staff_test

import (
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

// Granted lists whom a task can be assigned to: active members of staff
// whose role grants the permission; not a disabled account, not one still
// enrolling, not a role without it.
func TestGranted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.enrol("owner@kaede.example", staff.Owner)
		h.enrol("support@kaede.example", staff.Support)
		h.enrol("ship@kaede.example", staff.Shipping)
		gone := h.enrol("gone@kaede.example", staff.Support)
		if _, err := h.s.Add(h.ctx, "new@kaede.example", staff.Support, staff.CLI); err != nil {
			t.Fatal(err)
		}
		for _, m := range h.list() {
			if m.Email == gone.Email {
				if err := h.s.Disable(h.ctx, m.ID, staff.CLI); err != nil {
					t.Fatal(err)
				}
			}
		}
		list, err := h.s.Granted(h.ctx, staff.InquiriesWrite)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range list {
			got = append(got, m.Email)
		}
		if g := strings.Join(got, ","); g != "owner@kaede.example,support@kaede.example" {
			t.Fatalf("granted inquiries.write: %s", g)
		}
	})
}
