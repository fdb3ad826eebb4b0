package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/shop"
)

// incidentCLI runs kaede with args through the dispatcher, as the shell
// would, and returns its standard output.
func incidentCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"incident"}, args...), &out, &errOut)
	return out.String(), err
}

// TestIncidentCommands opens, lists, records, shows and prints an incident
// in a fresh data directory, the way an operator with a terminal would.
func TestIncidentCommands(t *testing.T) {
	dir := t.TempDir()
	if err := runMigrate(context.Background(), []string{"--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	discovered := time.Now().Add(-2 * time.Hour).In(shop.JST)

	out, err := incidentCLI(t, "open", "--data", dir, "--title", "カード会社から不正利用の連絡",
		"--discovered", discovered.Format("2006-01-02 15:04"), "--noticed", "A社から電話", "--unauthorised")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if out != "1\n" {
		t.Fatalf("open printed %q, want the ID alone", out)
	}

	// Refusals name the flag.
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"open", "--data", dir, "--title", "x", "--discovered", "yesterday"}, "--discovered"},
		{[]string{"open", "--data", dir, "--title", "x"}, "--discovered"},
		{[]string{"open", "--data", dir, "--discovered", "2026-01-02 10:00"}, "--title"},
		{[]string{"open", "--data", dir, "--title", "x", "--discovered", "2999-01-02 10:00"}, "--discovered"},
		{[]string{"open", "--data", dir, "--title", "x", "--discovered", "2026-01-02T10:00:00+09:00", "--category", "meteor"}, "--category"},
		{[]string{"record", "1", "--data", dir, "--kind", "party", "--at", discovered.Format(time.RFC3339)}, "--kind"},
		{[]string{"record", "1", "--data", dir, "--kind", "note", "--at", "noon"}, "--at"},
		{[]string{"summary", "1", "--data", dir}, "--out"},
	} {
		_, err := incidentCLI(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.flag) {
			t.Errorf("%v: %v, want an error naming %s", tt.args, err, tt.flag)
		}
	}

	out, err = incidentCLI(t, "list", "--data", dir)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "1 ") || !strings.Contains(lines[1], "カード会社から不正利用の連絡") || !strings.Contains(lines[1], "open") {
		t.Fatalf("list:\n%s\nwant a header and incident 1, open", out)
	}

	// The preliminary report, filed an hour after discovery; flags after
	// the ID work too.
	out, err = incidentCLI(t, "record", "1", "--data", dir, "--kind", "ppc_preliminary",
		"--at", discovered.Add(time.Hour).Format(time.RFC3339), "--text", "速報を提出")
	if err != nil || !strings.Contains(out, "ppc_preliminary") {
		t.Fatalf("record: %q, %v", out, err)
	}

	out, err = incidentCLI(t, "show", "1", "--json", "--data", dir)
	if err != nil {
		t.Fatalf("show --json: %v", err)
	}
	var shown showJSON
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	if shown.Incident.ID != 1 || !shown.Incident.Unauthorised || len(shown.Deadlines) != 4 || len(shown.Timeline) != 2 {
		t.Fatalf("show --json: %+v", shown)
	}
	for _, d := range shown.Deadlines {
		if d.Code == "ppc_preliminary" && (d.Status != "filed" || d.Late) {
			t.Errorf("preliminary report: %+v, want filed on time", d)
		}
		if d.Code == "ppc_final" && d.Status == "filed" {
			t.Errorf("final report filed: %+v", d)
		}
	}

	out, err = incidentCLI(t, "show", "--data", dir, "1")
	if err != nil {
		t.Fatalf("show: %v", err)
	}
	for _, want := range []string{"Incident 1: カード会社から不正利用の連絡", "Deadlines", "ppc_preliminary", "filed", "on time", "days left", "Timeline", "detected", "速報を提出"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	pdf := filepath.Join(dir, "summary.pdf")
	if _, err := incidentCLI(t, "summary", "1", "--data", dir, "--out", pdf); err != nil {
		t.Fatalf("summary: %v", err)
	}
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(pdftext.Pages(t, b), ""); !strings.Contains(text, "カード会社から不正利用の連絡") || !strings.Contains(text, "個人情報保護委員会への速報") {
		t.Errorf("summary PDF text:\n%s", text)
	}

	// The PPC report's draft: the nine items, from the record.
	out, err = incidentCLI(t, "report", "1", "--data", dir, "--kind", "final")
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	for _, want := range []string{"確報", "1. 概要", "カード会社から不正利用の連絡", "9. その他参考となる事項"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, err := incidentCLI(t, "report", "1", "--data", dir, "--kind", "interim"); err == nil || !strings.Contains(err.Error(), "--kind") {
		t.Errorf("report --kind interim: %v, want an error naming --kind", err)
	}
	rpdf := filepath.Join(dir, "report.pdf")
	if _, err := incidentCLI(t, "report", "1", "--data", dir, "--kind", "preliminary", "--out", rpdf); err != nil {
		t.Fatalf("report --out: %v", err)
	}
	if b, err := os.ReadFile(rpdf); err != nil || !strings.Contains(strings.Join(pdftext.Pages(t, b), ""), "再発防止のための措置") {
		t.Errorf("report PDF: %v", err)
	}

	if _, err := incidentCLI(t, "show", "9", "--data", dir); err == nil || shop.ErrorCode(err) != shop.NotFound {
		t.Errorf("show of a missing incident: %v, want NotFound", err)
	}
	if _, err := incidentCLI(t, "dance"); err == nil || !strings.Contains(err.Error(), "dance") {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func TestIncidentUsageListsEverySubcommand(t *testing.T) {
	u := incidentUsage()
	for name := range incidentCommands {
		if !strings.Contains(u, "kaede incident "+name) {
			t.Errorf("usage lacks %s:\n%s", name, u)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "incident") {
		t.Errorf("kaede help does not name incident: %v\n%s", err, out.String())
	}
}
