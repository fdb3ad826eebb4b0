package main

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/settings"
	"kaede/internal/testenv"
	"kaede/internal/throttle"
)

// envRunAsKaede makes the test binary run kaede's main instead of the
// tests: the fault tests start the store as a process of its own, which
// they can kill -9, from the very binary under test.
const envRunAsKaede = "KAEDE_TEST_RUN_AS_KAEDE"

func TestMain(m *testing.M) {
	if os.Getenv(envRunAsKaede) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startWithin bounds a store's start, the demo's first seeding included,
// on a loaded machine.
const startWithin = 60 * time.Second

// kaedeProcess is a kaede command running as a process of its own.
type kaedeProcess struct {
	cmd  *exec.Cmd
	out  *lockedBuffer // stdout and stderr
	done chan struct{}
	// store is the store's base URL, as the command printed it.
	store string
}

// startKaede runs "kaede args…" with the extra environment and waits until
// it says it is running. The process is killed when the test ends.
func startKaede(t *testing.T, env []string, args ...string) *kaedeProcess {
	t.Helper()
	p := &kaedeProcess{cmd: exec.Command(os.Args[0], args...), out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(append(os.Environ(), envRunAsKaede+"=1"), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start kaede %s: %v", strings.Join(args, " "), err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("output of kaede %s (the end):\n%s", strings.Join(args, " "), lastLines(p.out.String(), 40))
		}
	})
	testenv.WaitFor(t, startWithin, "kaede "+args[0]+" to start", func() bool {
		select {
		case <-p.done:
			t.Fatalf("kaede %s exited at start: %v\n%s", strings.Join(args, " "), p.cmd.ProcessState, p.out.String())
		default:
		}
		return strings.Contains(p.out.String(), "Press Ctrl-C to stop.")
	})
	m := storeLine.FindStringSubmatch(p.out.String())
	if m == nil {
		t.Fatalf("kaede printed no store URL:\n%s", p.out.String())
	}
	p.store = m[1]
	return p
}

var storeLine = regexp.MustCompile(`(?m)^  store:  (http://[^/\s]+)/$`)

// kill ends the process with SIGKILL: no shutdown, no flush, what a crash
// or the OOM killer does.
func (p *kaedeProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	<-p.done
}

// stop ends the process as an operator does (SIGTERM) and waits for it.
func (p *kaedeProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("kaede did not stop within 30 s of SIGTERM:\n%s", p.out.String())
	}
}

// looseLimitsIn lifts the shop's limits per client (settings.Limits) in
// d, for a test that places many orders from one address, as every test
// client here is 127.0.0.1. A running store reads them at its next start.
func looseLimitsIn(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	st, err := settings.Load(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	wide := []throttle.Window{{Max: 100000, Minutes: 1}}
	st.Limits.OrdersPerAddress, st.Limits.OrdersPerEmail, st.Limits.OrdersPerSession = wide, wide, wide
	st.Limits.UnpaidOrders, st.Limits.CartsPerAddress = wide, wide
	st.Limits.ResendsPerAccount, st.Limits.ResendsPerAddress = wide, wide
	st.Limits.MailsPerRecipientHour = 0
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, st, time.Now()) }); err != nil {
		t.Fatal(err)
	}
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
