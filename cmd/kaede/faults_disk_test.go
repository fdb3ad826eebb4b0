package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"kaede/internal/testenv"
)

// fullWithin bounds how long orders are placed on a full disk before the
// store must have said so.
const fullWithin = 40 * time.Second

// TestDiskFullUnderSQLite fills the disk that holds a running store's
// SQLite database (a small tmpfs of the test's own) while orders come in
// through the API. The customers get 503 with Retry-After, never a 500;
// the operator's log says the database is full; once space returns, the
// store takes orders again without a restart; and the database passes
// PRAGMA integrity_check, holding every order a client was told of.
func TestDiskFullUnderSQLite(t *testing.T) {
	dir := smallDisk(t, 16)
	seed := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	seed.stop(t)
	d := openStore(t, filepath.Join(dir, "kaede.db"))
	looseLimitsIn(t, d)
	var sku string
	for s := range stormStock(t, d) {
		sku = s
	}
	// The unit stays on sale: the disk fills long before.
	if _, err := d.Exec(`UPDATE variants SET stock = 1000000 WHERE sku = $1`, sku); err != nil {
		t.Fatal(err)
	}
	k := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	s := newStorm(nil)
	s.targets.Store(&[]string{k.store})

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	var refusal string
	deadline := time.Now().Add(fullWithin)
	for refusal == "" {
		if time.Now().After(deadline) {
			t.Fatalf("%d orders placed on a full disk, and no 503 within %s", s.placed.Load(), fullWithin)
		}
		status, header, body := s.order(t, sku)
		switch status {
		case http.StatusCreated:
			continue
		case http.StatusServiceUnavailable:
			if ra, err := strconv.Atoi(header.Get("Retry-After")); err != nil || ra <= 0 {
				t.Errorf("503 with Retry-After %q", header.Get("Retry-After"))
			}
			refusal = body
		default:
			t.Fatalf("an order on a full disk answered %d, want 201 or 503: %s", status, body)
		}
	}
	for _, leak := range []string{"disk", "SQL", "full (13)"} {
		if strings.Contains(refusal, leak) {
			t.Errorf("the customer's answer shows %q: %s", leak, refusal)
		}
	}
	testenv.WaitFor(t, fullWithin, "the operator's log to say the database is full", func() bool {
		return strings.Contains(k.out.String(), `msg="database unavailable"`) && strings.Contains(k.out.String(), "disk is full")
	})
	t.Logf("%d orders placed before the disk was full; the customer read %s; the log says: %s",
		s.placed.Load(), strings.TrimSpace(refusal), logLine(k.out.String(), "disk is full"))

	// Space returns: the store takes orders again by itself.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	before := s.placed.Load()
	testenv.WaitFor(t, fullWithin, "an order placed once space returned", func() bool {
		status, _, body := s.order(t, sku)
		if status != http.StatusCreated && status != http.StatusServiceUnavailable {
			t.Fatalf("an order after space returned answered %d: %s", status, body)
		}
		return status == http.StatusCreated
	})
	for range 20 {
		if status, _, body := s.order(t, sku); status != http.StatusCreated {
			t.Fatalf("an order after the store recovered answered %d: %s", status, body)
		}
	}
	t.Logf("%d orders placed after space returned", s.placed.Load()-before)

	k.stop(t)
	d = openStore(t, filepath.Join(dir, "kaede.db"))
	var integrity string
	if err := d.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("integrity_check=%q (%v), want ok", integrity, err)
	}
	s.check(t, d, nil)
}

// order places one order of one unit of sku through the API, and
// records it when the answer is 201; it returns the first answer that is
// not the one wanted.
func (s *storm) order(t *testing.T, sku string) (int, http.Header, string) {
	t.Helper()
	ctx := t.Context()
	status, header, body, err := s.send(ctx, "POST", "/api/v1/carts", "", map[string]any{})
	if err != nil || status != http.StatusCreated {
		return status, header, string(body) + errText(err)
	}
	var c struct{ ID string }
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	status, header, body, err = s.send(ctx, "POST", "/api/v1/carts/"+c.ID+"/items", "", map[string]any{"sku": sku, "quantity": 1})
	if err != nil || status != http.StatusOK {
		return status, header, string(body) + errText(err)
	}
	key := newStormKey()
	status, header, body, err = s.send(ctx, "POST", "/api/v1/carts/"+c.ID+"/checkout", key, stormCheckout)
	if err != nil || status != http.StatusCreated {
		return status, header, string(body) + errText(err)
	}
	var res struct{ Order struct{ Number string } }
	if err := json.Unmarshal(body, &res); err != nil || res.Order.Number == "" {
		t.Fatalf("checkout answered 201 with %s", body)
	}
	s.mu.Lock()
	s.told[key] = res.Order.Number
	s.mu.Unlock()
	s.placed.Add(1)
	return status, header, ""
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// smallDisk mounts a tmpfs of mb megabytes on a new directory, unmounted
// when the test ends: a disk the test may fill without filling the
// machine's.
func smallDisk(t *testing.T, mb int) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.Itoa(mb)+"m", "tmpfs", dir).CombinedOutput()
	if err != nil {
		testenv.Missing(t, "cannot mount a small tmpfs for the full-disk test (run as root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes path until the disk has no room left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64<<10)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	// The last bytes: what a block did not fit.
	for {
		if _, err := f.Write(block[:512]); err != nil {
			break
		}
	}
}

// logLine is the first line of the log that holds s.
func logLine(log, s string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
