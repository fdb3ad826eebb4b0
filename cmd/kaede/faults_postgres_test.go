package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kaede/internal/testenv"
)

// resumeWithin is how soon after PostgreSQL is back every surface must
// answer again by itself: "within seconds".
const resumeWithin = 15 * time.Second

// TestPostgresRestartUnderTraffic stops the store's PostgreSQL while
// clients use the store, the API and the admin, and starts it again. The
// server is a private cluster of the test's own (the shared one serves
// every other test). While the database is away every answer is the
// normal one or a 503 with Retry-After that names no detail, never a 500;
// once it is back, every surface answers normally again by itself, with
// no restart of the store.
func TestPostgresRestartUnderTraffic(t *testing.T) {
	pg := privatePostgres(t)
	dir := t.TempDir()
	seed := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--database", pg.url)
	seed.stop(t)
	looseLimitsIn(t, openStore(t, pg.url)) // the API client makes a cart a millisecond
	k := startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--database", pg.url)

	surfaces := []*surface{
		// A page for a visitor with a session, which is never the guests'
		// shared page: the session is looked up every time.
		{name: "store", method: "GET", path: "/products/dokudami-tea", cookie: "kaede_session=restart-visitor", ok: http.StatusOK},
		{name: "api", method: "POST", path: "/api/v1/carts", body: "{}", ok: http.StatusCreated},
		// A well-formed staff session token the database does not know:
		// checking it needs the database; when it answers, the way is to
		// the login.
		{name: "admin", method: "GET", path: "/admin/orders", cookie: "kaede_admin=" + strings.Repeat("A", 43), ok: http.StatusSeeOther},
	}
	client := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, s := range surfaces {
		wg.Go(func() {
			for ctx.Err() == nil {
				s.hit(ctx, client, k.store)
			}
		})
	}
	defer func() { cancel(); wg.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			for _, s := range surfaces {
				t.Logf("%s: %d normal answers, %d 503s, problems %q", s.name, s.oks, s.unavailable, s.problems)
			}
		}
	})

	for _, s := range surfaces {
		testenv.WaitFor(t, resumeWithin, s.name+" answering before the restart", func() bool { return s.okSince(time.Time{}) })
	}
	pg.ctl(t, "stop", "-m", "fast")
	stopped := time.Now()
	for _, s := range surfaces {
		testenv.WaitFor(t, resumeWithin, s.name+" answering 503 while PostgreSQL is down", func() bool { return s.unavailableSince(stopped) })
	}
	pg.ctl(t, "start")
	started := time.Now()
	for _, s := range surfaces {
		testenv.WaitFor(t, resumeWithin, s.name+" answering again after PostgreSQL came back", func() bool { return s.okSince(started) })
	}
	t.Logf("every surface answered again %s after PostgreSQL was back (down for %s)",
		time.Since(started).Round(time.Millisecond), started.Sub(stopped).Round(time.Millisecond))
	cancel()
	wg.Wait()

	select {
	case <-k.done:
		t.Fatalf("the store exited: %v", k.cmd.ProcessState)
	default:
	}
	for _, s := range surfaces {
		t.Logf("%s: %d normal answers, %d 503s", s.name, s.oks, s.unavailable)
		for _, p := range s.problems {
			t.Errorf("%s: %s", s.name, p)
		}
	}
}

// surface is one kind of request the restart test keeps sending, and
// what came back.
type surface struct {
	name, method, path, cookie, body string
	ok                               int // the status when all is well

	mu               sync.Mutex
	oks, unavailable int
	lastOK, last503  time.Time
	problems         []string
}

// dbDetailLeaks are what an answer must never show: the database's detail.
// The short ones (driver names, error codes) are looked for in the
// answers that are not the normal page only: a normal page's integrity
// hashes are base64 and once in a while spell "pgx".
var (
	dbDetailLeaks      = []string{"SQLSTATE", "connection refused", "dial tcp", "goroutine"}
	dbDetailLeaksShort = []string{"57P0", "pgx", "pgconn"}
)

func (s *surface) hit(ctx context.Context, client *http.Client, base string) {
	req, err := http.NewRequestWithContext(ctx, s.method, base+s.path, strings.NewReader(s.body))
	if err != nil {
		s.problem("%v", err)
		return
	}
	if s.cookie != "" {
		req.Header.Set("Cookie", s.cookie)
	}
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			s.problem("no answer: %v", err)
		}
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	at := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	leaks := dbDetailLeaks
	if res.StatusCode != s.ok {
		leaks = append(leaks[:len(leaks):len(leaks)], dbDetailLeaksShort...)
	}
	for _, l := range leaks {
		if strings.Contains(string(body), l) {
			s.note("%d answer shows %q: %.300s", res.StatusCode, l, body)
		}
	}
	switch res.StatusCode {
	case s.ok:
		s.oks++
		s.lastOK = at
	case http.StatusServiceUnavailable:
		s.unavailable++
		s.last503 = at
		if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra <= 0 {
			s.note("503 with Retry-After %q", res.Header.Get("Retry-After"))
		}
	default:
		s.note("status %d, want %d or 503: %.300s", res.StatusCode, s.ok, body)
	}
}

func (s *surface) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note(format, args...)
}

// note keeps the first problems, enough to read; s.mu is held.
func (s *surface) note(format string, args ...any) {
	if len(s.problems) < 10 {
		s.problems = append(s.problems, fmt.Sprintf(format, args...))
	}
}

func (s *surface) okSince(t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastOK.After(t)
}

func (s *surface) unavailableSince(t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last503.After(t)
}

// pgCluster is a PostgreSQL server of one test's own, which it may stop
// and start: the shared server on 5432 serves every other test.
type pgCluster struct {
	bin, dir string
	port     int
	url      string
	cred     *syscall.Credential // PostgreSQL refuses to run as root
}

// privatePostgres creates and starts a throwaway cluster with the server
// programs of the PostgreSQL installed here (the Debian package CI
// installs), listening on a free port of 127.0.0.1 with trust
// authentication. It is stopped and removed when the test ends.
func privatePostgres(t *testing.T) *pgCluster {
	t.Helper()
	c := &pgCluster{}
	initdb, err := exec.LookPath("initdb")
	if err != nil {
		found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		if len(found) == 0 {
			testenv.Missing(t, "no PostgreSQL server programs (initdb) on PATH or in /usr/lib/postgresql/*/bin: install the Debian package postgresql")
		}
		initdb = found[len(found)-1]
	}
	c.bin = filepath.Dir(initdb)
	// Not t.TempDir: its parent is private to root, and the server runs
	// as the postgres user when the test runs as root.
	c.dir, err = os.MkdirTemp("", "kaede-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(c.dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Missing(t, "running as root and no postgres user to run a private PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.port = freeLocalPort(t)
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	c.run(t, initdb, "-D", filepath.Join(c.dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	c.ctl(t, "start")
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "stop")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Run()
	})
	return c
}

// ctl runs pg_ctl with args (start, stop -m fast) and waits for it.
func (c *pgCluster) ctl(t *testing.T, args ...string) {
	t.Helper()
	all := append([]string{"-D", filepath.Join(c.dir, "data"), "-w", "-l", filepath.Join(c.dir, "log"),
		"-o", fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off", c.port)}, args...)
	c.run(t, filepath.Join(c.bin, "pg_ctl"), all...)
}

func (c *pgCluster) run(t *testing.T, prog string, args ...string) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		t.Fatalf("%s %s: %v\n%s\n%s", filepath.Base(prog), strings.Join(args, " "), err, out, log)
	}
}

// freeLocalPort is a TCP port of 127.0.0.1 that nothing listens on now.
func freeLocalPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
