package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"kaede/internal/secevent"
)

// TestSecurityEventsCommand runs against a demo's data directory, the way
// an operator reads what the running demo raised.
func TestSecurityEventsCommand(t *testing.T) {
	dir := t.TempDir()
	m := start(t, Config{DataDir: dir})
	ctx := context.Background()
	store := secevent.NewStore(m.db, nil)
	for _, target := range []string{"/checkout", "/cart"} {
		if _, err := store.Raise(ctx, secevent.Signal{Kind: secevent.KindCSPViolation, Severity: secevent.Critical,
			Source: "csp-report", Target: target, Summary: "blocked https://evil.example/s.js\non " + target}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	if err := runSecurity(ctx, []string{"events", "--data", dir, "--since", "1h"}, &out, &errOut); err != nil {
		t.Fatalf("security events: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "critical") || !strings.Contains(out.String(), "/checkout") {
		t.Fatalf("table:\n%s\nwant a header and two critical events", out.String())
	}

	out.Reset()
	if err := runSecurity(ctx, []string{"events", "--json", "--data", dir}, &out, &errOut); err != nil {
		t.Fatalf("security events --json: %v", err)
	}
	var evs []secevent.Event
	if err := json.Unmarshal(out.Bytes(), &evs); err != nil || len(evs) != 2 {
		t.Fatalf("json: %v, %d events:\n%s", err, len(evs), out.String())
	}
}
