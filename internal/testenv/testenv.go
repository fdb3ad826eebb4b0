// Package testenv is what tests need from outside Go: it finds Chromium,
// stripe-mock and the PostgreSQL server, and decides what a test does when
// one is missing. On a developer's machine the test skips; with
// KAEDE_REQUIRE_EXTERNAL=1 (CI sets it) it fails, because a skipped test
// still prints "ok" and a CI run must not pass by skipping.
package testenv

import (
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// EnvRequire names the variable that turns a missing external program or
// server into a test failure.
const EnvRequire = "KAEDE_REQUIRE_EXTERNAL"

// EnvChromium names the variable that points the browser tests at a
// Chromium binary of the developer's choice.
const EnvChromium = "KAEDE_CHROMIUM"

// InstallStripeMock is how CI installs the stripe-mock server.
const InstallStripeMock = "go install github.com/stripe/stripe-mock@v0.203.0"

// Required reports whether missing external programs fail tests rather
// than skip them.
func Required() bool {
	v := os.Getenv(EnvRequire)
	return v != "" && v != "0"
}

// Missing ends the test because something outside Go that it needs is not
// there: a skip, or a failure when Required.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("%s (%s is set: CI does not skip)", msg, EnvRequire)
	} else {
		tb.Skip(msg)
	}
}

// Chromium returns the path of the Chromium binary for the browser tests:
// KAEDE_CHROMIUM, or the first of the usual names found. It calls Missing
// when there is none.
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			Missing(tb, "%s=%s: %v", EnvChromium, p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(tb, "no Chromium on PATH (install the Debian package chromium, or set %s)", EnvChromium)
	return ""
}

// StripeMock returns the path of the stripe-mock binary, or calls Missing.
func StripeMock(tb testing.TB) string {
	tb.Helper()
	p, err := LookStripeMock()
	if err != nil {
		Missing(tb, "%v; install it with: %s", err, InstallStripeMock)
	}
	return p
}

// LookStripeMock finds stripe-mock where "go install" puts it: on PATH,
// in GOBIN, or in the bin directory of each GOPATH entry, as the go
// command reports them (the environment alone misses a GOBIN set with
// "go env -w").
func LookStripeMock() (string, error) {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, nil
	}
	var dirs []string
	for _, d := range goBinDirs() {
		p := filepath.Join(d, "stripe-mock")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
		dirs = append(dirs, d)
	}
	return "", fmt.Errorf("stripe-mock is not installed (looked on PATH and in %s)", strings.Join(dirs, ", "))
}

// goBinDirs are the directories "go install" may have written to: GOBIN
// and GOPATH/bin for each GOPATH entry, from "go env" when the go command
// is at hand, else from the environment and go/build's default.
func goBinDirs() []string {
	gobin, gopath := os.Getenv("GOBIN"), build.Default.GOPATH
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		if lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n"); len(lines) == 2 {
			gobin, gopath = lines[0], lines[1]
		}
	}
	var dirs []string
	if gobin != "" {
		dirs = append(dirs, gobin)
	}
	for _, p := range filepath.SplitList(gopath) {
		if p != "" {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	return dirs
}

// WaitFor calls cond until it holds, and fails the test when it does not
// hold within limit. Tests wait on what they expect to see, never for a
// fixed time: a fixed sleep is too short on a loaded machine and longer
// than needed everywhere else. cond runs on the test's goroutine, so it
// may call the test's helpers; the pause between calls grows from 1 ms to
// 100 ms.
func WaitFor(tb testing.TB, limit time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}
