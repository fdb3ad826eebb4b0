package testenv_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"kaede/internal/testenv"
)

// outcome is a testing.TB that records how a helper ended the test
// instead of ending it.
type outcome struct {
	testing.TB
	fatal, skip string
}

func (o *outcome) Helper()                           {}
func (o *outcome) Fatalf(format string, args ...any) { o.fatal = fmt.Sprintf(format, args...) }
func (o *outcome) Skip(args ...any)                  { o.skip = fmt.Sprint(args...) }

func TestMissingSkipsOrFails(t *testing.T) {
	for _, tt := range []struct {
		require  string
		wantFail bool
	}{{"", false}, {"0", false}, {"1", true}} {
		t.Run("require="+tt.require, func(t *testing.T) {
			t.Setenv(testenv.EnvRequire, tt.require)
			o := &outcome{TB: t}
			testenv.Missing(o, "no %s", "Chromium")
			if failed := o.fatal != ""; failed != tt.wantFail || (o.skip != "") == tt.wantFail {
				t.Fatalf("fatal=%q skip=%q, want a failure: %v", o.fatal, o.skip, tt.wantFail)
			}
		})
	}
}

// TestStripeMockInGOBIN: "go install" with GOBIN set elsewhere puts the
// binary outside PATH and GOPATH/bin; it is found there all the same.
func TestStripeMockInGOBIN(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		testenv.Missing(t, "no go command: %v", err)
	}
	gobin := t.TempDir()
	bin := filepath.Join(gobin, "stripe-mock")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Dir(goCmd))
	t.Setenv("GOPATH", t.TempDir())
	t.Setenv("GOBIN", gobin)
	if got, err := testenv.LookStripeMock(); err != nil || got != bin {
		t.Fatalf("LookStripeMock()=%q, %v; want %q", got, err, bin)
	}
	t.Setenv("GOBIN", "")
	if got, err := testenv.LookStripeMock(); err == nil {
		t.Fatalf("LookStripeMock()=%q without one installed, want an error", got)
	}
}
