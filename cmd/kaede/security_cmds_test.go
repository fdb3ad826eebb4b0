package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"kaede/internal/release"
	"kaede/internal/scripts"
)

// TestSecurityInventoryCommand: the inventory prints without a database,
// as text and as JSON.
func TestSecurityInventoryCommand(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"security", "inventory", "--json"}, &out, &errs); err != nil {
		t.Fatalf("security inventory --json: %v\n%s", err, errs.String())
	}
	var inv []scripts.Script
	if err := json.Unmarshal(out.Bytes(), &inv); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if len(inv) != 1 || inv[0].File != "passkey.js" || inv[0].Purpose == "" || inv[0].Owner == "" {
		t.Fatalf("inventory %+v", inv)
	}
	out.Reset()
	if err := run(t.Context(), []string{"security", "inventory"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), inv[0].Integrity) {
		t.Errorf("text inventory lacks %s:\n%s", inv[0].Integrity, out.String())
	}
}

func TestVersionManifest(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"version", "--manifest"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	m, err := release.Running()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{m.Digest + "  (manifest digest", "  ui/admin/static/passkey.js\n", "  migrations/migrations/"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version --manifest lacks %q", want)
		}
	}
}
