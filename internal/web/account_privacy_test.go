package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// TestAccountDataAndClose: a member downloads their data, then closes the
// account: the wrong password or a missing confirmation changes nothing;
// afterwards the session is over and the e-mail logs in no more.
func TestAccountDataAndClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		b.register("bye@example.jp")
		if res := b.submit("/account/addresses", "/account/addresses", url.Values{"name": {"鈴木 花子"}, "name_kana": {"スズキ ハナコ"},
			"postal_code": {"100-0001"}, "prefecture": {"13"}, "city": {"千代田区"}, "line1": {"千代田1-1"}, "phone": {"03-1234-5678"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add address: %d", res.StatusCode)
		}
		mustContain(t, b.get("/account").body, `href="/account/data"`, `href="/account/close"`)

		res := b.get("/account/data")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") ||
			res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("data: %d %v", res.StatusCode, res.Header)
		}
		var doc struct {
			Account struct {
				Email     string
				Addresses []struct{ City string }
			}
			Orders []any
		}
		if err := json.Unmarshal([]byte(res.body), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Account.Email != "bye@example.jp" || len(doc.Account.Addresses) != 1 || doc.Account.Addresses[0].City != "千代田区" || doc.Orders == nil {
			t.Errorf("data = %s", res.body)
		}

		page := b.get("/account/close").body
		mustContain(t, page, "7年間", "退会する")
		res = b.submit("/account/close", "/account/close", url.Values{"password": {accountPassword}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["confirm"] {
			t.Fatalf("without confirmation: %d", res.StatusCode)
		}
		res = b.submit("/account/close", "/account/close", url.Values{"password": {"not the password"}, "confirm": {"1"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["password"] {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE email = 'bye@example.jp'`); n != 1 {
			t.Fatalf("a refused closing changed the account")
		}
		res = b.submit("/account/close", "/account/close", url.Values{"password": {accountPassword}, "confirm": {"1"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("close: %d\n%s", res.StatusCode, res.body)
		}
		mustContain(t, res.body, "退会のお手続きが完了しました")
		if res := b.get("/account"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("my page after closing: %d, want a redirect to log in", res.StatusCode)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE email = 'bye@example.jp'`) + e.count(`SELECT COUNT(*) FROM addresses`); n != 0 {
			t.Errorf("%d rows still hold the member", n)
		}
		if res := e.browser().login("bye@example.jp", accountPassword, ""); res.StatusCode == http.StatusSeeOther {
			t.Error("a closed account logs in")
		}
	})
}
