package admin

import (
	"kaede/internal/metrics"
	"kaede/internal/secevent"
	"kaede/internal/staff"
)

// routes is the admin's whole route table, grouped by trust. Each line
// says who may call it through the group it is wrapped in (auth.go):
//
//   - s.public(h): anyone the IP allow-list lets in — login, the code
//     step, enrolment, logout.
//   - s.signedIn(h): any logged-in member of staff (password and second
//     factor), whatever their role.
//   - s.can(staff.PermX, h): a logged-in member of staff whose role grants
//     PermX; others get 403 and a "staff.denied" audit entry.
//   - s.fresh(staff.PermX, h): as can, and the second factor must have
//     been given within the last five minutes (staff.FreshFor); otherwise
//     the browser goes to /admin/reauth and comes back.
//
// Before any of them, every request passes the allow-list, the security
// headers (CSP with a nonce, X-Frame-Options, Cache-Control: no-store),
// http.CrossOriginProtection and, for POST, the CSRF token (middleware.go).
// Every POST handler that changes something writes its audit entry in the
// same transaction (s.audit), or calls a staff.Service method that does.
func (s *Server) routes() {
	mux := s.mux

	mux.HandleFunc("GET "+Prefix+"static/{name}", s.staticFile)

	// Prometheus: behind the allow-list, no staff session (a scraper
	// cannot log in); /metrics on the admin's own listener, /admin/metrics
	// either way. See package metrics.
	mux.Handle("GET /metrics", metrics.Handler())
	mux.Handle("GET "+Prefix+"metrics", metrics.Handler())

	// Public: logging in and enrolling.
	mux.Handle("GET "+Prefix+"login", s.public(s.loginPage))
	mux.Handle("POST "+Prefix+"login", s.public(s.loginAction))
	mux.Handle("GET "+Prefix+"login/code", s.public(s.codePage))
	mux.Handle("POST "+Prefix+"login/code", s.public(s.codeAction))
	mux.Handle("POST "+Prefix+"logout", s.public(s.logoutAction))
	mux.Handle("GET "+Prefix+"enrol", s.public(s.enrolPage))
	mux.Handle("POST "+Prefix+"enrol", s.public(s.enrolAction))
	mux.Handle("POST "+Prefix+"enrol/confirm", s.public(s.enrolConfirmAction))
	mux.Handle("POST "+Prefix+"enrol/passkey/options", s.public(s.enrolPasskeyOptions))
	mux.Handle("POST "+Prefix+"enrol/passkey", s.public(s.enrolPasskeyAction))
	mux.Handle("POST "+Prefix+"login/passkey/options", s.public(s.loginPasskeyOptions))
	mux.Handle("POST "+Prefix+"login/passkey", s.public(s.loginPasskeyAction))

	// Any member of staff.
	mux.Handle("GET "+Prefix+"reauth", s.signedIn(s.reauthPage))
	mux.Handle("POST "+Prefix+"reauth", s.signedIn(s.reauthAction))
	mux.Handle("POST "+Prefix+"reauth/passkey/options", s.signedIn(s.reauthPasskeyOptions))
	mux.Handle("POST "+Prefix+"reauth/passkey", s.signedIn(s.reauthPasskeyAction))
	mux.Handle("GET "+Prefix+"sessions", s.signedIn(s.sessionsPage))
	mux.Handle("POST "+Prefix+"sessions/{ref}/revoke", s.signedIn(s.revokeSessionAction))
	mux.Handle("GET "+Prefix+"password", s.freshSelf(s.passwordPage))
	mux.Handle("POST "+Prefix+"password", s.freshSelf(s.passwordAction))

	// Staff with a permission.
	mux.Handle("GET "+Prefix+"{$}", s.can(staff.DashboardRead, s.dashboardPage))
	mux.Handle("GET "+Prefix+"staff", s.can(staff.StaffRead, s.staffListPage))
	mux.Handle("GET "+Prefix+"staff/sessions", s.can(staff.StaffManage, s.allSessionsPage))
	mux.Handle("GET "+Prefix+"audit", s.can(staff.AuditRead, s.auditPage))
	mux.Handle("GET "+Prefix+"audit/verify", s.can(staff.AuditRead, s.auditVerifyPage))
	mux.Handle("GET "+Prefix+"settings", s.can(staff.SettingsRead, s.settingsPage))
	mux.Handle("GET "+Prefix+"security/inventory", s.can(staff.SecurityRead, s.inventoryPage))

	// Staff with a permission and a fresh second factor.
	mux.Handle("GET "+Prefix+"staff/new", s.fresh(staff.StaffManage, s.staffNewPage))
	mux.Handle("POST "+Prefix+"staff", s.fresh(staff.StaffManage, s.staffAddAction))
	mux.Handle("POST "+Prefix+"staff/{id}/role", s.fresh(staff.StaffManage, s.staffRoleAction))
	mux.Handle("POST "+Prefix+"staff/{id}/disable", s.fresh(staff.StaffManage, s.staffDisableAction))
	mux.Handle("POST "+Prefix+"staff/{id}/enable", s.fresh(staff.StaffManage, s.staffEnableAction))
	mux.Handle("POST "+Prefix+"staff/{id}/unlock", s.fresh(staff.StaffManage, s.staffUnlockAction))
	mux.Handle("POST "+Prefix+"staff/{id}/reset", s.fresh(staff.StaffManage, s.staffResetAction))
	mux.Handle("GET "+Prefix+"settings/edit", s.fresh(staff.SettingsWrite, s.settingsEditPage))
	mux.Handle("POST "+Prefix+"settings", s.fresh(staff.SettingsWrite, s.settingsSaveAction))
	if s.closings != nil {
		s.calendarRoutes(mux)
	}

	// Security events and controls, when the store keeps events.
	if s.events != nil {
		mux.Handle("GET "+Prefix+"security", s.can(staff.SecurityRead, s.securityPage))
		mux.Handle("GET "+Prefix+"security/events/{id}", s.can(staff.SecurityRead, s.securityEventPage))
		mux.Handle("POST "+Prefix+"security/events/{id}/acknowledge", s.can(staff.SecurityManage, s.securityMoveAction(secevent.Acknowledged)))
		mux.Handle("POST "+Prefix+"security/events/{id}/resolve", s.can(staff.SecurityManage, s.securityMoveAction(secevent.Resolved)))
		mux.Handle("POST "+Prefix+"security/test", s.can(staff.SecurityManage, s.securityTestAction))
	}

	// The shop's daily work; each surface keeps its routes in its own file.
	s.catalogRoutes(mux)
	s.orderRoutes(mux)
	s.switchRoutes(mux)
	s.mailTextRoutes(mux)
	s.incidentNoticeRoutes(mux)
	s.incidentReopenRoutes(mux)
	s.inquiryRoutes(mux)
	s.monitorRoutes(mux)
	s.incidentRoutes(mux)
	s.incidentReportRoutes(mux)
	s.incidentScopeRoutes(mux)
	s.incidentCampaignRoutes(mux)
	s.reportRoutes(mux)
	s.billingRoutes(mux)
	s.couponRoutes(mux)

	mux.HandleFunc(Prefix, s.notFound)
}
