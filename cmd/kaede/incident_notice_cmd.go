package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/incident"
	"kaede/internal/inquiry"
	"kaede/internal/monitor"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/switches"
)

// buildIncidentNotices builds the incidents' public notices and the
// reopening after an incident on the store's services: the checklist's
// probes read the monitor, the staff accounts and the audit log, and
// Reopen turns the emergency switches back to normal.
func (m *Main) buildIncidentNotices(svc *services) {
	incidents := svc.incidents
	svc.notices = incident.NewNotices(incidents)
	svc.notices.Contact = noticeContact(svc.settings)
	svc.notices.Scope = incidents.LatestScope
	every := m.Config.Monitor.Interval
	if m.monitorOptions.every > 0 {
		every = m.monitorOptions.every
	}
	deps := reopenDeps(m.db, svc.monitor, every)
	if svc.switches != nil {
		deps.Switches = reopenSwitches(m.db, svc.switches)
	}
	svc.reopening = incident.NewReopening(incidents, svc.notices, deps)
}

// reopenSwitches turns every switch that is in its emergency position
// (card payments or checkout off, maintenance on) back to normal, each
// change audited by the switches as by; its banner is cleared with it.
// The state is read from the database, not the two-second cache, so that
// a switch thrown a moment ago on another instance is turned back too.
func reopenSwitches(d *db.DB, sw *switches.Service) func(context.Context, audit.Actor) error {
	return func(ctx context.Context, by audit.Actor) error {
		st, err := switches.Load(ctx, d)
		if err != nil {
			return err
		}
		for _, s := range st.Emergencies() {
			c := switches.Change{Name: s.Name, On: switches.Normal(s.Name), Reason: "reopened after an incident: the reopening checklist was green"}
			if _, err := sw.Set(ctx, c, by); err != nil {
				return fmt.Errorf("switch %s back to normal: %w", s.Name, err)
			}
		}
		return nil
	}
}

// noticeContact is the inquiry desk a notice names: the shop's name and
// e-mail address, and the desk's phone and hours, from its settings.
func noticeContact(set *settings.Service) func(context.Context) (incident.Contact, error) {
	return func(ctx context.Context) (incident.Contact, error) {
		s, err := set.Get(ctx)
		if err != nil {
			return incident.Contact{}, err
		}
		return incident.Contact{ShopName: s.ShopName, ShopNameEn: s.ShopNameEn, Company: s.Company,
			Phone: s.DeskPhone(), Email: s.Email,
			Hours: inquiry.DeskHours(s.Desk, "ja"), HoursEn: inquiry.DeskHours(s.Desk, "en")}, nil
	}
}

// reopenDeps are the reopening checklist's probes: the tamper monitor's
// runs and baseline (nil mon leaves those items red, "not connected"), the
// staff accounts and the audit chain, all read from d.
func reopenDeps(d *db.DB, mon *monitor.Service, every time.Duration) incident.ReopenDeps {
	deps := incident.ReopenDeps{
		MonitorEvery: every,
		StaffFactors: func(ctx context.Context) ([]incident.StaffFactor, error) {
			accounts, err := staff.EnabledAccounts(ctx, d)
			if err != nil {
				return nil, err
			}
			out := make([]incident.StaffFactor, len(accounts))
			for i, a := range accounts {
				out[i] = incident.StaffFactor{Email: a.Email, SecondFactor: a.Enrolled()}
			}
			return out, nil
		},
		AuditChain: func(ctx context.Context) (int, error) { return audit.Verify(ctx, d) },
	}
	if mon == nil {
		return deps
	}
	deps.MonitorRuns = func(ctx context.Context, since time.Time) ([]incident.MonitorRun, error) {
		runs, err := mon.RunsSince(ctx, since)
		if err != nil {
			return nil, err
		}
		out := make([]incident.MonitorRun, len(runs))
		for i, r := range runs {
			out[i] = incident.MonitorRun{ID: r.ID, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
				Result: string(r.Result), Differences: len(r.Differences), Blind: r.Blind}
		}
		return out, nil
	}
	deps.Baseline = func(ctx context.Context) (incident.MonitorBaseline, error) {
		var out incident.MonitorBaseline
		b, err := mon.Baseline(ctx)
		switch {
		case shop.ErrorCode(err) == shop.NotFound:
		case err != nil:
			return out, err
		default:
			out = incident.MonitorBaseline{Approved: true, ID: b.ID, Digest: b.Digest, ApprovedBy: b.ApprovedBy, ApprovedAt: b.ApprovedAt}
		}
		switch _, err := mon.Pending(ctx); {
		case err == nil:
			out.Pending = true
		case shop.ErrorCode(err) != shop.NotFound:
			return out, err
		}
		return out, nil
	}
	return deps
}

// errChecklistRed is the command's exit for a checklist with a red item.
var errChecklistRed = errors.New("the reopening checklist is not all green")

// checkJSON is one item of `kaede incident reopen-check --json`.
type checkJSON struct {
	Item     string `json:"item"`
	OK       bool   `json:"ok"`
	Evidence string `json:"evidence"`
}

// runIncidentReopenCheck prints the reopening checklist of an incident,
// verified now from the database, and exits non-zero when an item is
// red: `kaede incident reopen-check ID [--json]`.
func runIncidentReopenCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var asJSON bool
	fs := newFlagSet("incident reopen-check ID", "Verifies the reopening checklist of incident ID now: the tamper monitor green for the last 24 hours\n(at least one run per --monitor-interval), its baseline approved, every enabled staff account with a\nsecond factor, the audit chain intact, a vulnerability scan recorded after the discovery.\nPrints each item with its evidence; exits non-zero when one is red.", stderr)
	fs.StringVar(&cfg.DataDir, "data", envOr("KAEDE_DATA_DIR", "kaede-data"), "data directory (KAEDE_DATA_DIR)")
	fs.StringVar(&cfg.DatabaseURL, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	cfg.Monitor.bindFlags(fs)
	fs.BoolVar(&asJSON, "json", false, "print the checklist as JSON")
	// The ID may come before, between or after the flags.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional, args = append(positional, fs.Arg(0)), fs.Args()[1:]
	}
	if len(positional) != 1 {
		fs.Usage()
		return fmt.Errorf("incident reopen-check: want one incident ID, got %q", strings.Join(positional, " "))
	}
	id, err := strconv.ParseInt(positional[0], 10, 64)
	if err != nil || id <= 0 {
		fs.Usage()
		return fmt.Errorf("incident reopen-check: want the incident's ID, got %q", positional[0])
	}
	if err := cfg.Monitor.validate(); err != nil {
		return err
	}
	cfg.Addr = "127.0.0.1:8080"
	cfg.finish()
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := checkSchema(ctx, d); err != nil {
		return err
	}
	// The monitor is only read here; its walker is never used.
	mon, err := buildMonitor(cfg.BaseURL, nil, secevent.NewStore(d, shop.SystemClock), d, monitorOptions{}, shop.SystemClock, switches.NewService(d, shop.SystemClock, 0))
	if err != nil {
		return err
	}
	incidents := incident.New(d, shop.SystemClock)
	r := incident.NewReopening(incidents, incident.NewNotices(incidents), reopenDeps(d, mon, cfg.Monitor.Interval))
	list, err := r.Check(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		out := struct {
			Incident int64       `json:"incident"`
			At       time.Time   `json:"checked_at"`
			OK       bool        `json:"ok"`
			Checks   []checkJSON `json:"checks"`
		}{Incident: id, At: list.At, OK: list.OK()}
		for _, c := range list.Checks {
			out.Checks = append(out.Checks, checkJSON{Item: string(c.Item), OK: c.OK, Evidence: c.Evidence})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "reopening checklist of incident %d, verified %s\n", id, list.At.In(shop.JST).Format("2006-01-02 15:04:05 MST"))
		for _, c := range list.Checks {
			mark := "RED  "
			if c.OK {
				mark = "green"
			}
			fmt.Fprintf(stdout, "%s  %-13s  %s\n", mark, c.Item, c.Evidence)
		}
	}
	if !list.OK() {
		return errChecklistRed
	}
	return nil
}
