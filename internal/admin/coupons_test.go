package admin_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kaede/internal/admin"
	"kaede/internal/coupon"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

// Staff create, edit and stop a coupon; bad fields are named; each change
// is audited; a role without the catalogue's write permission is refused.
func TestAdminCoupons(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var coupons *coupon.Service
		e := newEnv(t, d, func(deps *admin.Deps) {
			coupons = coupon.New(d, deps.Clock)
			deps.Coupons = coupons
		})
		b, _ := e.enrol("manager@kaede.example", staff.Manager)
		b.login("manager@kaede.example")

		res := b.post("/admin/coupons", url.Values{"code": {"x"}, "kind": {"percent"}, "amount": {"150"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "クーポンコード") || !strings.Contains(res.Body, "割引額") {
			t.Fatalf("the refusal does not name the fields:\n%s", res.Body)
		}
		res = b.post("/admin/coupons", url.Values{"code": {"spring10"}, "kind": {"percent"}, "amount": {"10"},
			"starts_on": {"2026-03-01"}, "ends_on": {"2026-03-31"}, "max_per_customer": {"1"}})
		wantRedirect(t, res, "/admin/coupons?done=created")
		list, err := coupons.List(e.ctx)
		if err != nil || len(list) != 1 || list[0].Code != "SPRING10" {
			t.Fatalf("coupons %+v, %v", list, err)
		}
		id := strconv.FormatInt(list[0].ID, 10)
		page := b.get("/admin/coupons")
		wantStatus(t, page, http.StatusOK)
		if !strings.Contains(page.Body, "SPRING10") {
			t.Fatalf("the list lacks the coupon:\n%s", page.Body)
		}
		wantStatus(t, b.get("/admin/coupons/"+id), http.StatusOK)
		res = b.post("/admin/coupons/"+id, url.Values{"code": {"SPRING10"}, "kind": {"fixed"}, "amount": {"300"}, "product_ids": {"999999"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		res = b.post("/admin/coupons/"+id, url.Values{"code": {"SPRING10"}, "kind": {"fixed"}, "amount": {"300"}})
		wantRedirect(t, res, "/admin/coupons?done=saved")
		wantRedirect(t, b.post("/admin/coupons/"+id+"/disabled", url.Values{"disabled": {"1"}}), "/admin/coupons?done=disabled")
		c, err := coupons.Get(e.ctx, list[0].ID)
		if err != nil || !c.Disabled || c.Amount != 300 || c.Kind != coupon.Fixed {
			t.Fatalf("after the edits %+v, %v", c, err)
		}
		for _, action := range []string{"coupon.create", "coupon.update", "coupon.disable"} {
			if n := len(e.entries(action, "manager@kaede.example")); n != 1 {
				t.Errorf("%d %s entries", n, action)
			}
		}

		ship, _ := e.enrol("ship@kaede.example", staff.Shipping)
		ship.login("ship@kaede.example")
		for _, res := range []*response{ship.get("/admin/coupons"),
			ship.post("/admin/coupons", url.Values{"code": {"FREE"}, "kind": {"fixed"}, "amount": {"100"}})} {
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("shipping staff: %d", res.StatusCode)
			}
		}
	})
}
