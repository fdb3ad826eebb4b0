package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/jobs"
)

func TestAuditVerifyCommand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		t.Setenv("KAEDE_STAFF_KEY", strings.Repeat("ab", 32))
		// Three audited changes: two staff added, one listed (not audited).
		for _, email := range []string{"owner@example.jp", "packer@example.jp"} {
			var out, errOut bytes.Buffer
			if err := runStaff(ctx, []string{"add", "--database", d.URL, "--email", email, "--role", "owner"}, &out, &errOut); err != nil {
				t.Fatalf("staff add: %v\n%s", err, errOut.String())
			}
		}
		var out, errOut bytes.Buffer
		if err := runAudit(ctx, []string{"verify", "--database", d.URL}, &out, &errOut); err != nil {
			t.Fatalf("audit verify on an intact chain: %v", err)
		}
		if !strings.Contains(out.String(), "intact: 2 entries") {
			t.Fatalf("audit verify printed %q, want the count 2", out.String())
		}
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET after_json = '{"email":"evil@example.jp","role":"owner"}' WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		out.Reset()
		err := runAudit(ctx, []string{"verify", "--database", d.URL}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "entry 2") {
			t.Fatalf("audit verify after tampering: err=%v, want one naming entry 2", err)
		}
	})
}

func TestStaffCommand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		t.Setenv("KAEDE_STAFF_KEY", "")
		t.Setenv("KAEDE_STAFF_KEY_FILE", "")
		var out, errOut bytes.Buffer
		args := []string{"add", "--database", d.URL, "--data", dir, "--email", "Owner@Example.jp", "--role", "owner", "--admin-url", "https://admin.example.jp/"}
		if err := runStaff(ctx, args, &out, &errOut); err == nil {
			t.Fatal("staff add without a staff key succeeded")
		}
		if err := runStaff(ctx, append(args, "--demo"), &out, &errOut); err != nil {
			t.Fatalf("staff add --demo: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(out.String(), "https://admin.example.jp/admin/enrol?token=") {
			t.Fatalf("staff add printed %q, want the enrolment link", out.String())
		}
		key, err := os.ReadFile(filepath.Join(dir, "staff.key"))
		if err != nil {
			t.Fatalf("demo staff key not created: %v", err)
		}
		if info, _ := os.Stat(filepath.Join(dir, "staff.key")); info.Mode().Perm() != 0o600 {
			t.Errorf("staff.key mode %v, want 0600", info.Mode().Perm())
		}
		again, err := staffKey(dir, true)
		if err != nil || hex.EncodeToString(again) != strings.TrimSpace(string(key)) {
			t.Fatalf("second read of the demo key: %x, %v; want the same key", again, err)
		}
		out.Reset()
		if err := runStaff(ctx, []string{"list", "--database", d.URL, "--data", dir, "--demo"}, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "owner@example.jp") || !strings.Contains(out.String(), "not enrolled") {
			t.Fatalf("staff list printed %q", out.String())
		}
		if err := runStaff(ctx, []string{"add", "--database", d.URL, "--demo", "--data", dir, "--email", "x@example.jp", "--role", "boss"}, &out, &errOut); err == nil {
			t.Fatal("staff add with an unknown role succeeded")
		}
	})
}

func TestStaffKeyFormats(t *testing.T) {
	raw := bytes.Repeat([]byte{0x5a}, 32)
	file := filepath.Join(t.TempDir(), "key")
	for name, v := range map[string]string{
		"hex":    hex.EncodeToString(raw),
		"base64": "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=",
	} {
		if err := os.WriteFile(file, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("KAEDE_STAFF_KEY", "")
		t.Setenv("KAEDE_STAFF_KEY_FILE", file)
		k, err := staffKey(t.TempDir(), false)
		if err != nil || !bytes.Equal(k, raw) {
			t.Errorf("%s: key %x, %v", name, k, err)
		}
	}
	t.Setenv("KAEDE_STAFF_KEY_FILE", "")
	t.Setenv("KAEDE_STAFF_KEY", "too short")
	if _, err := staffKey(t.TempDir(), true); err == nil {
		t.Error("a short KAEDE_STAFF_KEY was accepted")
	}
}

func TestAuditVerifyOnAFreshDemo(t *testing.T) {
	dir := t.TempDir()
	m := start(t, Config{DataDir: dir})
	var products int
	err := m.db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE actor = 'system:demo' AND action = 'catalog.product.create'`).Scan(&products)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if products < 30 {
		t.Fatalf("%d demo products in the audit log, want at least 30", products)
	}
	var out, errOut bytes.Buffer
	if err := runAudit(context.Background(), []string{"verify", "--data", dir}, &out, &errOut); err != nil {
		t.Fatalf("audit verify on a fresh demo: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "intact: ") {
		t.Fatalf("audit verify printed %q, want intact", out.String())
	}
}

// TestStaffAddPrintsTheRunningDemosLink: the enrolment link printed by
// kaede staff add --demo points at the port the running demo took, not
// at a default port.
func TestStaffAddPrintsTheRunningDemosLink(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("KAEDE_ADMIN_URL", "")
	t.Setenv("KAEDE_BASE_URL", "")
	t.Setenv("KAEDE_STAFF_KEY", "")
	t.Setenv("KAEDE_STAFF_KEY_FILE", "")
	m := start(t, Config{DataDir: dir, Demo: true})
	defer m.Close()
	var out, errOut bytes.Buffer
	if err := runStaff(context.Background(), []string{"add", "--demo", "--data", dir, "--email", "sec@example.jp", "--role", "owner"}, &out, &errOut); err != nil {
		t.Fatalf("staff add: %v\n%s", err, errOut.String())
	}
	if want := m.URL() + "/admin/enrol?token="; !strings.Contains(out.String(), want) {
		t.Fatalf("staff add printed %q, want a link starting %s", out.String(), want)
	}
}
