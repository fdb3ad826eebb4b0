package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/metrics"
	"kaede/internal/monitor"
	"kaede/internal/release"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/switches"
)

// MonitorConfig is the tamper monitor's settings (PCI DSS 11.6.1).
type MonitorConfig struct {
	// Interval is how often the payment pages are checked through the
	// public base URL (KAEDE_MONITOR_INTERVAL).
	Interval time.Duration
	// Mode is "auto" (a browser walk too when Chromium is found), "http"
	// or "browser" (KAEDE_MONITOR_MODE); a Config built in code walks
	// over HTTP unless it says otherwise.
	Mode string
	// Browser is the Chromium binary for the browser mode
	// (KAEDE_MONITOR_BROWSER); empty: found on PATH.
	Browser string
}

// The monitor's modes as configured.
const (
	monitorAuto    = "auto"
	monitorHTTP    = monitor.ModeHTTP
	monitorBrowser = monitor.ModeBrowser
)

// minMonitorInterval keeps the monitor from loading the shop: each check
// is a dozen requests.
const minMonitorInterval = 10 * time.Second

func (c *MonitorConfig) bindFlags(fs *flag.FlagSet) {
	every, err := time.ParseDuration(envOr("KAEDE_MONITOR_INTERVAL", "1m"))
	if err != nil {
		every = -1 // reported by validate, naming the setting
	}
	fs.DurationVar(&c.Interval, "monitor-interval", every, "how often the tamper monitor checks the payment pages through the base URL, at least 10s (KAEDE_MONITOR_INTERVAL)")
	c.bindModeFlags(fs)
}

// bindModeFlags registers how the monitor walks, for the served store and
// "kaede monitor check" alike.
func (c *MonitorConfig) bindModeFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Mode, "monitor-mode", envOr("KAEDE_MONITOR_MODE", monitorAuto), "how the tamper monitor walks the payment pages: auto (browser when Chromium is found), http, or browser: a headless Chromium walks them too and records the scripts that ran and the requests made (KAEDE_MONITOR_MODE)")
	fs.StringVar(&c.Browser, "monitor-browser", envOr("KAEDE_MONITOR_BROWSER", ""), "the Chromium binary for the browser mode; default chromium or google-chrome on PATH (KAEDE_MONITOR_BROWSER)")
}

// browser is the Chromium the monitor walks with, or "" for the HTTP walk
// alone; an error names the setting that cannot be met.
func (c *MonitorConfig) browser() (string, error) {
	switch c.Mode {
	case monitorHTTP, "":
		return "", nil
	case monitorAuto, monitorBrowser:
	default:
		return "", fmt.Errorf("KAEDE_MONITOR_MODE / --monitor-mode %q: want auto, http or browser", c.Mode)
	}
	path, err := monitor.FindChromium(c.Browser)
	if err != nil {
		return "", fmt.Errorf("KAEDE_MONITOR_BROWSER / --monitor-browser: %w", err)
	}
	if path == "" && c.Mode == monitorBrowser {
		return "", errors.New("KAEDE_MONITOR_MODE / --monitor-mode browser: no Chromium on PATH; install it or name it with KAEDE_MONITOR_BROWSER")
	}
	return path, nil
}

// finish fills the default of a Config built in code (tests).
func (c *MonitorConfig) finish() {
	if c.Interval == 0 {
		c.Interval = time.Minute
	}
	if c.Mode == "" {
		c.Mode = monitorHTTP
	}
}

func (c *MonitorConfig) validate() error {
	if c.Interval < minMonitorInterval {
		return fmt.Errorf("KAEDE_MONITOR_INTERVAL / --monitor-interval: want a duration of at least %s, e.g. 1m", minMonitorInterval)
	}
	_, err := c.browser()
	return err
}

// monitorOptions are what end-to-end tests change in the monitor and no
// operator may: a check more often than the minimum, and a transport that
// refuses the hosts a tampered page names instead of asking DNS.
type monitorOptions struct {
	every     time.Duration
	transport http.RoundTripper
	// manifest stands for the running release's manifest digest: a test
	// plays a new release without building one.
	manifest func() (string, error)
}

// manifestDigest is the digest of the running release's manifest: what
// tells a change the release made from one made outside it.
func manifestDigest() (string, error) {
	m, err := release.Running()
	if err != nil {
		return "", err
	}
	return m.Digest, nil
}

// newMonitor builds the tamper monitor on the store's public base URL,
// with the card provider's page origins as the only other origins the
// card step may lead to.
func (m *Main) newMonitor(svc *services) (*monitor.Service, error) {
	var origins []string
	if svc.payments != nil {
		origins = svc.payments.PageOrigins()
	}
	browser, err := m.Config.Monitor.browser()
	if err != nil {
		return nil, err
	}
	// The walks carry the store's pass so that the limits per client
	// address (carts) never blind the monitor (monitor_pass.go).
	opts := m.monitorOptions
	opts.transport = withMonitorPass(opts.transport, m.Config.BaseURL, m.Config.Secret)
	mon, err := buildMonitorMode(m.Config.BaseURL, origins, svc.events, m.db, opts, m.Clock, svc.switches, browser)
	if err == nil {
		m.Log.Info("tamper monitor", "mode", mon.Mode(), "browser", browser, "base_url", m.Config.BaseURL)
	}
	return mon, err
}

// buildMonitor is the monitor's walker and service over HTTP alone; opts
// are empty but in tests.
func buildMonitor(baseURL string, origins []string, events *secevent.Store, d *db.DB, opts monitorOptions, clock shop.Clock, sw *switches.Service) (*monitor.Service, error) {
	return buildMonitorMode(baseURL, origins, events, d, opts, clock, sw, "")
}

// buildMonitorMode is buildMonitor with the Chromium of the browser mode;
// "" walks over HTTP alone.
func buildMonitorMode(baseURL string, origins []string, events *secevent.Store, d *db.DB, opts monitorOptions, clock shop.Clock, sw *switches.Service, browser string) (*monitor.Service, error) {
	w, err := monitor.NewWalker(monitor.Config{BaseURL: baseURL, ProviderOrigins: origins, Transport: opts.transport, Browser: browser})
	if err != nil {
		return nil, err
	}
	manifest := manifestDigest
	if opts.manifest != nil {
		manifest = opts.manifest
	}
	return monitor.NewService(d, clock, monitor.ServiceConfig{Walker: w, Events: events, Manifest: manifest,
		Conditions: monitorConditions(sw, clock)})
}

// monitorConditions tells the monitor where the emergency switches stand,
// so that a run is compared with the baseline taken under the same
// positions: staff stopping card payments changes checkout, and that is
// no tampering.
//
// Every instance trusts the switches it read for switches.DefaultTTL: for
// a while after a change, the instance that answers the walk may serve the
// other position, so the check waits for the next interval
// (monitor.ErrSettling).
func monitorConditions(sw *switches.Service, clock shop.Clock) func(context.Context) (monitor.Conditions, error) {
	return func(ctx context.Context) (monitor.Conditions, error) {
		st, err := sw.State(ctx)
		if err != nil {
			return monitor.Conditions{}, err
		}
		c := monitor.Conditions{CardStopped: !st.CardPayments(), CheckoutStopped: !st.Checkout()}
		for _, s := range st.All() {
			if !s.ChangedAt.IsZero() && clock().Sub(s.ChangedAt) < 2*switches.DefaultTTL {
				return c, monitor.ErrSettling
			}
		}
		return c, nil
	}
}

// monitorTask checks the payment pages every interval, on one instance.
func (m *Main) monitorTask(svc *services) jobs.Task {
	every := m.Config.Monitor.Interval
	if m.monitorOptions.every > 0 {
		every = m.monitorOptions.every
	}
	// One check at a time in this process: a browser walk can take
	// longer than a short interval, and checks queued behind it must not
	// hold the urgent queue's workers, which the alerts need.
	var running atomic.Bool
	return jobs.Task{Name: "monitor_check", Every: every, Run: func(ctx context.Context) error {
		if !running.CompareAndSwap(false, true) {
			m.Log.Debug("tamper monitor check skipped: the previous one is still walking")
			return nil
		}
		defer running.Store(false)
		// During maintenance the store serves no page but the notice:
		// there is nothing to watch, and a walk would only report itself
		// blind. (With card payments or checkout stopped the pages are
		// served and watched, against the baseline of those positions.)
		if st, err := svc.switches.State(ctx); err == nil && st.Maintenance() {
			m.Log.Info("tamper monitor paused: the store is in maintenance")
			return nil
		}
		_, err := checkOnce(ctx, svc.monitor, m.Log)
		if errors.Is(err, monitor.ErrSettling) {
			m.Log.Info("tamper monitor check deferred: a switch moved moments ago")
			return nil
		}
		return err
	}}
}

// checkOnce runs one check and logs and counts it.
func checkOnce(ctx context.Context, mon *monitor.Service, log *slog.Logger) (monitor.Run, error) {
	run, err := mon.Check(ctx)
	if err != nil {
		return run, err
	}
	switch run.Result {
	case monitor.OK:
		metrics.MonitorRun("clean")
		log.Debug("payment pages unchanged", "run", run.ID)
	case monitor.Different:
		metrics.MonitorRun(string(run.Result))
		log.Error("payment pages differ from the baseline", "run", run.ID, "differences", len(run.Differences), "first", run.Differences[0].String())
	case monitor.Blind:
		metrics.MonitorRun(string(run.Result))
		log.Error("tamper monitor blind", "run", run.ID, "error", run.Blind)
	}
	for _, d := range run.Differences {
		metrics.MonitorDifference(string(d.Severity))
	}
	return run, nil
}

// monitorControl is the monitor as the admin's monitor page uses it: a
// check asked for there is counted and logged like the periodic one.
type monitorControl struct {
	*monitor.Service
	log *slog.Logger
}

// Check runs one check now.
func (c monitorControl) Check(ctx context.Context) (monitor.Run, error) {
	return checkOnce(ctx, c.Service, c.log)
}

// runMonitor dispatches the monitor subcommands.
func runMonitor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "check":
		return runMonitorCheck(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "approve":
		return runMonitorApprove(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, "Usage: kaede monitor check [--data DIR] [--demo] [--base-url URL]\n       kaede monitor approve --reason TEXT [--data DIR] [--demo]")
	return errors.New("monitor: unknown or missing subcommand")
}

// runMonitorApprove makes the baseline candidate that a new release left
// pending the approved baseline, with the operator's reason; audited as
// the command line.
func runMonitorApprove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var dataDir, databaseURL, reason string
	var demoMode bool
	fs := newFlagSet("monitor approve", "Approves the pending baseline (the payment pages as a new release serves them) after a person\nhas read the differences (kaede monitor check); the reason is kept in the audit log.", stderr)
	fs.StringVar(&dataDir, "data", envOr("KAEDE_DATA_DIR", ""), "data directory (KAEDE_DATA_DIR); default kaede-data, or the demo's with --demo")
	fs.StringVar(&databaseURL, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	fs.StringVar(&reason, "reason", "", "why the changed pages are right, e.g. the release and what it changed (required)")
	fs.BoolVar(&demoMode, "demo", false, "the demo's data directory by default")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if dataDir == "" {
		dataDir = "kaede-data"
		if demoMode {
			dataDir = defaultDemoDir()
		}
	}
	cfg := Config{DataDir: dataDir, DatabaseURL: databaseURL, Addr: "127.0.0.1:8080"}
	cfg.finish()
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := checkSchema(ctx, d); err != nil {
		return err
	}
	mon, err := buildMonitor(cfg.BaseURL, nil, secevent.NewStore(d, shop.SystemClock), d, monitorOptions{}, shop.SystemClock,
		switches.NewService(d, shop.SystemClock, 0))
	if err != nil {
		return err
	}
	pending, err := mon.Pending(ctx)
	if err != nil {
		return err
	}
	b, err := mon.Approve(ctx, pending.ID, audit.Actor{Name: audit.ActorCLI}, reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "baseline %d approved (%s)\n", b.ID, b.Digest)
	return nil
}

// checkMode is the Chromium a check from the command line walks with. Left
// to auto, it walks as the store's own monitor last did, so that it is
// compared with the same baseline (each mode has its own): a store that
// walks over HTTP is checked over HTTP even where Chromium is at hand.
func checkMode(ctx context.Context, d *db.DB, c *MonitorConfig) (string, error) {
	if c.Mode == monitorAuto {
		mon, err := buildMonitor("http://127.0.0.1", nil, secevent.NewStore(d, shop.SystemClock), d, monitorOptions{}, shop.SystemClock, nil)
		if err != nil {
			return "", err
		}
		if run, err := mon.LastRun(ctx); err == nil {
			c.Mode = run.Mode
		}
	}
	return c.browser()
}

// errDifferent is the CLI's exit for a check that found differences or
// could not see the pages.
var errDifferent = errors.New("the payment pages differ from the baseline or could not be checked")

// runMonitorCheck runs one check now against the configured base URL and
// records it like the task does. Its events alert people as the served
// store's do (newAlerting): the e-mails and the webhook are queued, and the
// running store's job runner sends them.
func runMonitorCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var demoMode bool
	fs := newFlagSet("monitor check", "Checks the payment pages once through the public base URL against the approved baseline,\nrecords the run like the periodic check, prints the differences and exits non-zero on any (or when blind).\nThe first check takes the baseline. A critical difference alerts the staff with the security permission\nand the alert webhook, as the running store's own check does (the store's job runner sends them).", stderr)
	fs.StringVar(&cfg.DataDir, "data", envOr("KAEDE_DATA_DIR", ""), "data directory (KAEDE_DATA_DIR); default kaede-data, or the demo's with --demo")
	fs.StringVar(&cfg.DatabaseURL, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	fs.StringVar(&cfg.BaseURL, "base-url", envOr("KAEDE_BASE_URL", ""), "the store's public base URL (KAEDE_BASE_URL); default http://127.0.0.1:8080")
	fs.StringVar(&cfg.Card.GatewayURL, "gateway-url", envOr("KAEDE_GATEWAY_URL", ""), "the test gateway's origin, when the shop takes cards through it (KAEDE_GATEWAY_URL)")
	fs.StringVar(&cfg.Admin.URL, "admin-url", envOr("KAEDE_ADMIN_URL", ""), "the admin's public base URL, for the links in alerts (KAEDE_ADMIN_URL); default the base URL")
	fs.StringVar(&cfg.AlertWebhookURL, "alert-webhook-url", envOr("KAEDE_ALERT_WEBHOOK_URL", ""), "https URL that receives security alerts as signed JSON (KAEDE_ALERT_WEBHOOK_URL)")
	fs.BoolVar(&demoMode, "demo", false, "check the demo (its data directory by default)")
	cfg.Monitor.bindModeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "kaede-data"
		if demoMode {
			cfg.DataDir = defaultDemoDir()
		}
	}
	cfg.Addr = "127.0.0.1:8080"
	cfg.finish()
	var err error
	if cfg.AlertWebhookSecret, err = secretFromEnv("KAEDE_ALERT_WEBHOOK_SECRET"); err != nil {
		return err
	}
	if err := cfg.alerts().Validate(); err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := checkSchema(ctx, d); err != nil {
		return err
	}
	browser, err := checkMode(ctx, d, &cfg.Monitor)
	if err != nil {
		return err
	}
	// The card provider's page origins: the gateway's when named, else
	// those the approved baseline was taken with, so that a check from
	// the command line judges the card step like the store's own.
	var origins []string
	if cfg.Card.GatewayURL != "" {
		origins = []string{originOf(cfg.Card.GatewayURL)}
	}
	// A job client that only inserts: the e-mails and the webhook of an
	// alert wait in the queue for the store's runner.
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	runner, err := jobs.New(d, log, jobs.Config{})
	if err != nil {
		return err
	}
	events, _, err := newAlerting(d, mail.NewQueue(runner, shop.SystemClock), runner, shop.SystemClock, cfg.alerts(), log)
	if err != nil {
		return err
	}
	sw := switches.NewService(d, shop.SystemClock, 0)
	mon, err := buildMonitorMode(cfg.BaseURL, origins, events, d, monitorOptions{}, shop.SystemClock, sw, browser)
	if err != nil {
		return err
	}
	if origins == nil {
		if b, err := mon.Baseline(ctx); err == nil {
			if mon, err = buildMonitorMode(cfg.BaseURL, b.Snapshot.ProviderOrigins, events, d, monitorOptions{}, shop.SystemClock, sw, browser); err != nil {
				return err
			}
		}
	}
	run, err := checkOnce(ctx, mon, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "run %d of %s (%s mode): %s (%d differences)\n", run.ID, cfg.BaseURL, run.Mode, run.Result, len(run.Differences))
	if run.Blind != "" {
		fmt.Fprintln(stdout, run.Blind)
	}
	for _, d := range run.Differences {
		fmt.Fprintln(stdout, d)
	}
	if run.Result != monitor.OK {
		return errDifferent
	}
	return nil
}

// monitorStatus is the monitor's control on the admin's security page: green
// when the newest run found the pages as approved and is recent (at most
// three intervals old, so that a monitor that stopped running turns red
// too), with the run's time and result and the baseline as evidence.
func monitorStatus(mon *monitor.Service, every time.Duration, clock shop.Clock) func(context.Context) (admin.MonitorStatus, error) {
	return func(ctx context.Context) (admin.MonitorStatus, error) {
		st := admin.MonitorStatus{Configured: true}
		base, err := mon.Baseline(ctx)
		switch {
		case shop.ErrorCode(err) == shop.NotFound:
			st.Evidence = "no baseline yet: the first run takes it"
			return st, nil
		case err != nil:
			return st, err
		}
		run, err := mon.LastRun(ctx)
		switch {
		case shop.ErrorCode(err) == shop.NotFound:
			st.Evidence = "no run yet"
			return st, nil
		case err != nil:
			return st, err
		}
		st.LastRun = run.FinishedAt
		stale := clock().Sub(run.FinishedAt) > 3*every
		st.OK = run.Result == monitor.OK && !stale
		st.Evidence = fmt.Sprintf("last run %s: %s, %d difference(s); baseline %s approved by %s",
			run.FinishedAt.In(shop.JST).Format("2006-01-02 15:04:05"), run.Result, len(run.Differences),
			shortDigest(base.Digest), base.ApprovedBy)
		if c := monitor.ParseConditions(run.Conditions); !c.Normal() {
			st.Evidence += "; run with " + c.Describe() + ", compared with the baseline taken so"
		}
		if stale {
			st.Evidence += fmt.Sprintf("; no run for more than %s: the monitor is not running", 3*every)
		}
		switch _, err := mon.Pending(ctx); {
		case err == nil:
			st.OK = false
			st.Evidence += "; a new baseline awaits approval (the monitor page, or kaede monitor approve)"
		case shop.ErrorCode(err) != shop.NotFound:
			return st, err
		}
		return st, nil
	}
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
