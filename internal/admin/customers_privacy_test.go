package admin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

// TestCustomerDisclosureAndErasure: the owner (customers.export, like the
// bulk export) takes a customer's disclosure file and, with a reason,
// deletes their personal data; support staff, who may change customers
// but not export them, see neither; both are audited.
func TestCustomerDisclosureAndErasure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		c := e.customer("privacy@example.jp", true)
		page := "/admin/customers/" + strconv.FormatInt(c.ID, 10)

		support := e.staffBrowser("support@example.jp", staff.Support)
		if res := support.get(page); strings.Contains(res.Body, "erase-form") {
			t.Error("read-only staff are offered the erasure")
		}
		if res := support.get(page + "/disclosure.json"); res.StatusCode != http.StatusForbidden {
			t.Errorf("read-only staff take the disclosure: %d", res.StatusCode)
		}

		b := e.staffBrowser("owner@example.jp", staff.Owner)
		res := b.get(page)
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, byID("erase-form")) == nil || find(res.Doc, byID("disclosure-link")) == nil {
			t.Fatalf("no privacy section:\n%s", res.Body)
		}
		res = b.get(page + "/disclosure.json")
		wantStatus(t, res, http.StatusOK)
		var doc struct {
			Account struct{ Email string }
			Orders  []any
		}
		if err := json.Unmarshal([]byte(res.Body), &doc); err != nil || doc.Account.Email != "privacy@example.jp" {
			t.Fatalf("disclosure %v: %s", err, res.Body)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("disclosure is not an attachment")
		}

		res = b.post(page+"/erase", url.Values{"reason": {""}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		res = b.post(page+"/erase", url.Values{"reason": {"12/6 お電話でご本人より削除のご依頼"}})
		wantRedirect(t, res, page+"?done=erased")
		res = b.get(page)
		if strings.Contains(res.Body, "privacy@example.jp") || find(res.Doc, byID("erase-form")) != nil {
			t.Errorf("after erasure the page still shows the customer:\n%s", res.Body)
		}
		if e.entries("member.disclose", "owner@example.jp") == nil || e.entries("member.erase", "owner@example.jp") == nil {
			t.Error("disclosure or erasure not audited")
		}
	})
}
