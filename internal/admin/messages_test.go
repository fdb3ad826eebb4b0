package admin_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"kaede/internal/admin"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// TestAdminMessages checks that every message the templates and handlers
// name exists in both languages.
func TestAdminMessages(t *testing.T) {
	keys := map[string]bool{}
	literal := regexp.MustCompile(`\bt \$?\.Lang "([a-z_.]+)"`)
	files, err := filepath.Glob("../ui/admin/templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	for _, c := range []shop.Code{shop.Invalid, shop.NotFound, shop.Conflict, shop.OutOfStock, shop.Unauthorized, shop.Forbidden, shop.TooMany} {
		keys["error."+string(c)] = true
	}
	for _, r := range staff.Roles {
		keys["role."+string(r)] = true
	}
	for _, k := range []string{
		"error.internal", "error.csrf", "error.not_allowed", "error.denied",
		"nav.dashboard", "nav.staff", "nav.sessions", "nav.audit", "nav.settings",
		"rounding.floor", "rounding.half_up", "rounding.ceil",
		"region.hokkaido", "region.tohoku", "region.kanto", "region.chubu", "region.kinki", "region.chugoku", "region.shikoku", "region.kyushu",
		"staff.done.role", "staff.done.disable", "staff.done.enable", "staff.done.unlock", "sessions.done.revoke",
		"reason.required", "reason.format", "reason.choice", "reason.range", "reason.length", "reason.taken", "reason.mismatch", "reason.other",
	} {
		keys[k] = true
	}
	for k := range keys {
		ja, en := ui.Admin.T("ja", k), ui.Admin.T("en", k)
		if ja == k || en == k || ja == "" || en == "" {
			t.Errorf("message %q missing (ja=%q en=%q)", k, ja, en)
		}
	}
}

func TestAdminParseAllowList(t *testing.T) {
	nets, err := admin.ParseAllowList("203.0.113.0/24, 2001:db8::1 192.0.2.7")
	if err != nil || len(nets) != 3 || nets[1].Bits() != 128 || nets[2].String() != "192.0.2.7/32" {
		t.Fatalf("ParseAllowList=%v, %v", nets, err)
	}
	if _, err := admin.ParseAllowList("office"); err == nil {
		t.Fatal("a name was accepted as a network")
	}
}
