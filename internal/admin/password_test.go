package admin_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

func TestAdminOwnPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("ship@example.jp", staff.Shipping)
		b.login("ship@example.jp")
		other := e.browser(officeIP)
		other.secret = b.secret
		e.clock.Advance(31 * time.Second) // a new TOTP step for the second login
		other.login("ship@example.jp")

		// Any role may change its own password, with a fresh second factor.
		wantStatus(t, b.get("/admin/password"), http.StatusOK)
		e.clock.Advance(staff.FreshFor + time.Minute)
		wantRedirect(t, b.get("/admin/password"), "/admin/reauth?next="+url.QueryEscape("/admin/password"))
		wantRedirect(t, b.post("/admin/reauth", url.Values{"code": {b.code()}, "next": {"/admin/password"}}), "/admin/password")

		const next = "a new long passphrase 2026"
		res := b.post("/admin/password", url.Values{"current_password": {"wrong password!!"}, "password": {next}, "password_confirm": {next}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		res = b.post("/admin/password", url.Values{"current_password": {password}, "password": {next}, "password_confirm": {next + "x"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		res = b.post("/admin/password", url.Values{"current_password": {password}, "password": {"short"}, "password_confirm": {"short"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantRedirect(t, b.post("/admin/password", url.Values{"current_password": {password}, "password": {next}, "password_confirm": {next}}), "/admin/password?done=1")

		// This session goes on; the other one has ended; the old password
		// no longer logs in.
		wantStatus(t, b.get("/admin/sessions"), http.StatusOK)
		wantRedirect(t, other.get("/admin/sessions"), "/admin/login")
		res = e.browser(officeIP).post("/admin/login", url.Values{"email": {"ship@example.jp"}, "password": {password}})
		wantStatus(t, res, http.StatusUnauthorized)
		res = e.browser(officeIP).post("/admin/login", url.Values{"email": {"ship@example.jp"}, "password": {next}})
		wantRedirect(t, res, "/admin/login/code")
	})
}
