package staff_test

import (
	"testing"

	"kaede/internal/shop"
	"kaede/internal/staff"
)

func TestRolePermissions(t *testing.T) {
	// The whole table, written out: a change to a role's rights must show
	// up here as a deliberate edit.
	const (
		O = 1 << iota // owner
		M             // manager
		H             // shipping
		S             // support
		A             // auditor
	)
	want := map[staff.Permission]int{
		staff.DashboardRead:   O | M | H | S | A,
		staff.CatalogRead:     O | M | A,
		staff.CatalogWrite:    O | M,
		staff.OrdersRead:      O | M | H | S | A,
		staff.OrdersWrite:     O | M | H,
		staff.OrdersRefund:    O | M,
		staff.CustomersRead:   O | M | S | A,
		staff.CustomersWrite:  O | M | S,
		staff.CustomersExport: O,
		staff.InquiriesRead:   O | M | S | A,
		staff.InquiriesWrite:  O | M | S,
		staff.ContentWrite:    O | M,
		staff.SettingsRead:    O | M | A,
		staff.SettingsWrite:   O,
		staff.StaffRead:       O | A,
		staff.StaffManage:     O,
		staff.AuditRead:       O | A,
		staff.SecurityRead:    O | A,
		staff.SecurityManage:  O,
		staff.SalesRead:       O | M | A,
	}
	bits := map[staff.Role]int{staff.Owner: O, staff.Manager: M, staff.Shipping: H, staff.Support: S, staff.Auditor: A}
	if len(want) != len(staff.Permissions) {
		t.Fatalf("table has %d permissions, package has %d", len(want), len(staff.Permissions))
	}
	for _, r := range staff.Roles {
		for _, p := range staff.Permissions {
			t.Run(string(r)+"/"+string(p), func(t *testing.T) {
				if got, w := r.Can(p), want[p]&bits[r] != 0; got != w {
					t.Fatalf("%s.Can(%s)=%v, want %v", r, p, got, w)
				}
			})
		}
	}
	if staff.Role("root").Can(staff.DashboardRead) {
		t.Fatal("an unknown role has a permission")
	}
	for _, r := range staff.Roles {
		if got, err := staff.ParseRole(string(r)); err != nil || got != r {
			t.Fatalf("ParseRole(%s)=%s, %v", r, got, err)
		}
	}
	_, err := staff.ParseRole("admin")
	wantCode(t, err, shop.Invalid)
}
