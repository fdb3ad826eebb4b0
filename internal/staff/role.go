package staff

import "kaede/internal/shop"

// Role is what a member of staff is for; it decides their permissions.
type Role string

// The roles, from most to least trusted.
const (
	Owner    Role = "owner"    // everything, including staff and settings
	Manager  Role = "manager"  // catalogue, orders, customers, content
	Shipping Role = "shipping" // orders and shipments only
	Support  Role = "support"  // customers and inquiries; orders read-only
	Auditor  Role = "auditor"  // reads everything, the audit log included
)

// Roles lists every role, for forms and tests.
var Roles = []Role{Owner, Manager, Shipping, Support, Auditor}

// ParseRole returns the role named s, or an Invalid error on "role".
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", &shop.Error{Code: shop.Invalid, Message: "unknown role",
		Fields: map[string]string{"role": shop.ReasonChoice}}
}

// Permission is one kind of thing an admin screen lets staff do. Each
// admin handler checks exactly one.
type Permission string

// The permissions. A ….write permission does not imply ….read: each
// screen checks the one it needs, and the table below grants both.
const (
	DashboardRead   Permission = "dashboard.read"
	CatalogRead     Permission = "catalog.read"
	CatalogWrite    Permission = "catalog.write"
	OrdersRead      Permission = "orders.read"
	OrdersWrite     Permission = "orders.write" // status, shipments, cancellation
	OrdersRefund    Permission = "orders.refund"
	CustomersRead   Permission = "customers.read"
	CustomersWrite  Permission = "customers.write" // incl. licence review
	CustomersExport Permission = "customers.export"
	InquiriesRead   Permission = "inquiries.read"
	InquiriesWrite  Permission = "inquiries.write"
	ContentWrite    Permission = "content.write"
	SettingsRead    Permission = "settings.read"
	SettingsWrite   Permission = "settings.write"
	StaffRead       Permission = "staff.read"
	StaffManage     Permission = "staff.manage"
	AuditRead       Permission = "audit.read"
	// SecurityRead shows the security pages (events, controls, the script
	// inventory and the release manifest), and is who the security alerts
	// are e-mailed to.
	SecurityRead Permission = "security.read"
	// SecurityManage acknowledges and resolves events and sends a test
	// alert.
	SecurityManage Permission = "security.manage"
	// SalesRead shows the sales reports and downloads them as CSV: the
	// shop's turnover by product and customer type is business data that
	// shipping and support do not need.
	SalesRead Permission = "sales.read"
)

// Permissions lists every permission, for tests and the role overview.
var Permissions = []Permission{
	DashboardRead, CatalogRead, CatalogWrite, OrdersRead, OrdersWrite, OrdersRefund,
	CustomersRead, CustomersWrite, CustomersExport, InquiriesRead, InquiriesWrite,
	ContentWrite, SettingsRead, SettingsWrite, StaffRead, StaffManage, AuditRead,
	SecurityRead, SecurityManage, SalesRead,
}

// grants is the role × permission table. Exporting every customer's
// personal data is the owner's alone: a bulk export is what a thief wants
// from a stolen manager account, and APPI makes the shop answer for it.
var grants = map[Role][]Permission{
	Owner: Permissions,
	Manager: {DashboardRead, CatalogRead, CatalogWrite, OrdersRead, OrdersWrite, OrdersRefund,
		CustomersRead, CustomersWrite, InquiriesRead, InquiriesWrite, ContentWrite, SettingsRead, SalesRead},
	Shipping: {DashboardRead, OrdersRead, OrdersWrite},
	Support:  {DashboardRead, OrdersRead, CustomersRead, CustomersWrite, InquiriesRead, InquiriesWrite},
	Auditor: {DashboardRead, CatalogRead, OrdersRead, CustomersRead, InquiriesRead,
		SettingsRead, StaffRead, AuditRead, SecurityRead, SalesRead},
}

// Can reports whether the role grants p. An unknown role grants nothing.
func (r Role) Can(p Permission) bool {
	for _, g := range grants[r] {
		if g == p {
			return true
		}
	}
	return false
}
