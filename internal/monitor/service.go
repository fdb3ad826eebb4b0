package monitor

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/secevent"
	"kaede/internal/shop"
)

// Result is what one check found.
type Result string

// The results of a check.
const (
	OK        Result = "ok"        // the pages are the baseline's
	Different Result = "different" // the pages differ from the baseline
	Blind     Result = "blind"     // a page could not be fetched or walked
)

// ModeHTTP is the walk in pure Go, always available.
const ModeHTTP = "http"

// DefaultKeepRuns is how many runs the store keeps: a week of runs at the
// default interval of a minute.
const DefaultKeepRuns = 7 * 24 * 60

// maxReason bounds the reason a person gives for approving a baseline.
const maxReason = 1000

// Baseline is an approved snapshot, or the pending candidate of a new
// release.
type Baseline struct {
	ID             int64
	Snapshot       *Snapshot
	Digest         string
	ManifestDigest string
	State          string // "approved" or "pending"
	// Conditions are the switch positions it was taken under
	// (Conditions.String): runs under them compare with it.
	Conditions string
	// Mode is the walk's mode it was taken in: runs in it compare with it.
	Mode       string
	CreatedAt  time.Time
	ApprovedBy string
	ApprovedAt time.Time // zero while pending
	Reason     string
}

// Run is one stored check.
type Run struct {
	ID             int64
	StartedAt      time.Time
	FinishedAt     time.Time
	Mode           string
	Result         Result
	Differences    []Difference
	Blind          string // why the walk was blind
	SnapshotDigest string
	ManifestDigest string
	BaselineID     int64  // zero when there was no baseline to compare with
	Conditions     string // the switch positions it ran under (Conditions.String)
}

// ServiceConfig is what a Service needs besides the database.
type ServiceConfig struct {
	Walker *Walker
	Events *secevent.Store
	// Manifest gives the digest of the running release's manifest: a
	// difference under the baseline's manifest came from outside the
	// release.
	Manifest func() (string, error)
	// Conditions says where the shop's emergency switches stand now; nil
	// means always normal. A run is compared with the baseline taken under
	// the same positions.
	Conditions func(context.Context) (Conditions, error)
	// KeepRuns is how many runs are kept; zero means DefaultKeepRuns.
	KeepRuns int
}

// Service checks the payment pages against their baseline and keeps the
// baselines and the runs.
type Service struct {
	db    *db.DB
	clock shop.Clock
	cfg   ServiceConfig
}

// NewService returns the monitor's service on d.
func NewService(d *db.DB, clock shop.Clock, cfg ServiceConfig) (*Service, error) {
	if cfg.Walker == nil || cfg.Events == nil || cfg.Manifest == nil {
		return nil, errors.New("monitor: a walker, an event store and a manifest are required")
	}
	if cfg.KeepRuns <= 0 {
		cfg.KeepRuns = DefaultKeepRuns
	}
	if clock == nil {
		clock = shop.SystemClock
	}
	return &Service{db: d, clock: clock, cfg: cfg}, nil
}

// Mode is how the monitor walks: ModeHTTP, or ModeBrowser when a Chromium
// walks the pages too.
func (s *Service) Mode() string { return s.cfg.Walker.Mode() }

// BaseURL is the public address the monitor walks.
func (s *Service) BaseURL() string { return s.cfg.Walker.cfg.BaseURL }

// Check walks the pages once under the switches' present positions,
// compares them with the approved baseline of those positions, stores the
// run and raises a security event for a difference or a blind walk. The
// first check takes the baseline, approved by the system; the first check
// under other switch positions (card payments stopped during an incident)
// takes the baseline of those positions too, with a warning event so that
// a person looks at it, instead of calling the pages staff changed by a
// switch tampered with. The error is for a check that could not be
// stored; a blind walk is a run.
func (s *Service) Check(ctx context.Context) (Run, error) {
	run := Run{StartedAt: s.clock().UTC(), Mode: s.Mode(), Differences: []Difference{}}
	manifest, err := s.cfg.Manifest()
	if err != nil {
		return run, fmt.Errorf("monitor: release manifest: %w", err)
	}
	run.ManifestDigest = manifest
	cond, snap, walkErr, err := s.walk(ctx)
	if err != nil {
		return run, err
	}
	run.Conditions = cond.String()
	var blind *BlindError
	if walkErr != nil && !errors.As(walkErr, &blind) {
		// A cancelled context or a refused request: the walk says nothing
		// about the pages.
		return run, fmt.Errorf("monitor: walk: %w", walkErr)
	}
	if blind == nil {
		if run.SnapshotDigest, err = snap.Digest(); err != nil {
			return run, err
		}
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		base, err := s.approved(ctx, tx, run.Conditions, run.Mode)
		switch {
		case errors.Is(err, sql.ErrNoRows) && blind == nil:
			// The first walk is the baseline: there is nothing to
			// compare it with, and a person sees it in the admin.
			reason := "first run"
			if !cond.Normal() {
				reason = "first run with " + cond.Describe()
			}
			if run.Mode != ModeHTTP {
				reason += " in " + run.Mode + " mode"
			}
			if base, err = s.insertBaseline(ctx, tx, snap, run.SnapshotDigest, manifest, "approved",
				audit.System("monitor"), reason); err != nil {
				return err
			}
			run.BaselineID = base.ID
			if err := s.raiseNewConditions(ctx, tx, cond, base); err != nil {
				return err
			}
			if err := s.raiseNewMode(ctx, tx, run.Mode, base); err != nil {
				return err
			}
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			run.BaselineID = base.ID
			run.Differences = diff(base.Snapshot, snap, blind == nil)
		}
		switch {
		case blind != nil:
			run.Result, run.Blind = Blind, clip(blind.Error(), 1000)
		case len(run.Differences) > 0:
			run.Result = Different
		default:
			run.Result = OK
		}
		run.FinishedAt = s.clock().UTC()
		if err := s.insertRun(ctx, tx, &run); err != nil {
			return err
		}
		return s.raise(ctx, tx, run, base, snap)
	})
	return run, err
}

// maxWalks bounds the walks of one check while the switches keep moving.
const maxWalks = 3

// ErrSettling is a check not made because a switch moved moments ago:
// instances of the store may still serve either position, and a walk
// through them would compare pages of one position with the baseline of
// the other. The next check makes it.
var ErrSettling = &shop.Error{Code: shop.Unavailable, Message: "the emergency switches moved moments ago; the next check compares the pages"}

// walk walks the pages under the switches' positions, read before and
// after: a switch flipped during the walk would have it see pages of two
// positions, so it walks again.
func (s *Service) walk(ctx context.Context) (cond Conditions, snap *Snapshot, walkErr, err error) {
	conditions := func() (Conditions, error) {
		if s.cfg.Conditions == nil {
			return Conditions{}, nil
		}
		c, err := s.cfg.Conditions(ctx)
		if err != nil && !errors.Is(err, ErrSettling) {
			// Compared under the wrong positions, the pages would raise
			// a false alarm or hide a true one.
			err = fmt.Errorf("monitor: switch positions: %w", err)
		}
		return c, err
	}
	for i := 1; ; i++ {
		if cond, err = conditions(); err != nil {
			return cond, nil, nil, err
		}
		snap, walkErr = s.cfg.Walker.WalkUnder(ctx, cond)
		after, err := conditions()
		if err != nil {
			return cond, nil, nil, err
		}
		if after == cond || i == maxWalks {
			return cond, snap, walkErr, nil
		}
	}
}

// raiseNewConditions says, as a warning, that the monitor took the
// baseline of switch positions it had not seen: never silently, since a
// page changed by an attacker at the same moment would be in it. Nothing
// is raised for the store's very first baseline.
func (s *Service) raiseNewConditions(ctx context.Context, tx *sql.Tx, cond Conditions, base Baseline) error {
	if cond.Normal() {
		return nil
	}
	target := s.BaseURL()
	_, err := s.cfg.Events.RaiseTx(ctx, tx, secevent.Signal{Kind: secevent.KindTamper, Severity: secevent.Warning,
		Source: "monitor", Target: target + " conditions " + cond.String(),
		Summary: fmt.Sprintf("The payment pages were first checked with %s: the monitor took them as they are served now as the baseline for while the switches stay so; look at the run to confirm they are right", cond.Describe()),
		Detail: map[string]any{"base_url": target, "conditions": cond.String(), "baseline": base.ID,
			"digest": base.Digest, "manifest": base.ManifestDigest}})
	return err
}

// raiseNewMode says, as a warning, that the monitor took the first
// baseline of a mode while one of the other mode was approved: the
// operator changed the mode, and the pages as the new mode sees them are
// now the standard, which a person should look at.
func (s *Service) raiseNewMode(ctx context.Context, tx *sql.Tx, mode string, base Baseline) error {
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM monitor_baselines WHERE state = 'approved' AND mode <> $1 AND conditions = $2`,
		mode, base.Conditions).Scan(&others); err != nil {
		return fmt.Errorf("monitor: count baselines: %w", err)
	}
	if others == 0 {
		return nil
	}
	target := s.BaseURL()
	_, err := s.cfg.Events.RaiseTx(ctx, tx, secevent.Signal{Kind: secevent.KindTamper, Severity: secevent.Warning,
		Source: "monitor", Target: target + " mode " + mode + " " + base.Conditions,
		Summary: fmt.Sprintf("The payment pages were first checked in %s mode: the monitor took them as this mode sees them as the baseline; look at the run to confirm they are right", mode),
		Detail: map[string]any{"base_url": target, "mode": mode, "conditions": base.Conditions, "baseline": base.ID,
			"digest": base.Digest, "manifest": base.ManifestDigest}})
	return err
}

// raise turns a run into security events, in the run's transaction.
func (s *Service) raise(ctx context.Context, tx *sql.Tx, run Run, base Baseline, snap *Snapshot) error {
	target := s.BaseURL()
	if run.Result == Blind {
		if _, err := s.cfg.Events.RaiseTx(ctx, tx, secevent.Signal{Kind: secevent.KindMonitorBlind,
			Severity: secevent.Critical, Source: "monitor", Target: target,
			Summary: "The tamper monitor cannot see the payment pages: " + run.Blind,
			Detail:  map[string]any{"run": run.ID, "blind": run.Blind, "base_url": target}}); err != nil {
			return err
		}
	}
	if len(run.Differences) == 0 {
		return nil
	}
	detail := map[string]any{"run": run.ID, "base_url": target, "baseline": base.Digest, "conditions": run.Conditions,
		"snapshot": run.SnapshotDigest, "manifest": run.ManifestDigest, "baseline_manifest": base.ManifestDigest,
		"differences": firstDifferences(run.Differences, 20)}
	sig := secevent.Signal{Kind: secevent.KindTamper, Source: "monitor",
		// One event per state the pages are in: the same change seen
		// again is counted, another change is news.
		Target: target + " " + run.SnapshotDigest}
	if run.Result == Blind {
		sig.Target = target + " blind"
	}
	if strings.EqualFold(base.ManifestDigest, run.ManifestDigest) || run.Result == Blind {
		sig.Severity = secevent.Critical
		sig.Summary = fmt.Sprintf("A payment page changed outside a release (%d differences): %s",
			len(run.Differences), run.Differences[0])
		if c := ParseConditions(run.Conditions); !c.Normal() {
			sig.Summary += " (compared with the pages as served with " + c.Describe() + ")"
		}
	} else {
		sig.Severity = secevent.Warning
		sig.Summary = fmt.Sprintf("The payment pages changed with a new release (%d differences): awaiting approval",
			len(run.Differences))
		b, err := s.insertBaseline(ctx, tx, snap, run.SnapshotDigest, run.ManifestDigest, "pending", audit.Actor{}, "")
		if err != nil {
			return err
		}
		detail["candidate"] = b.ID
	}
	sig.Detail = detail
	_, err := s.cfg.Events.RaiseTx(ctx, tx, sig)
	return err
}

// firstDifferences keeps an event's detail readable and small.
func firstDifferences(ds []Difference, n int) []string {
	out := make([]string, 0, min(n, len(ds)))
	for _, d := range ds[:min(n, len(ds))] {
		out = append(out, clip(d.String(), 300))
	}
	return out
}

// insertBaseline stores a snapshot as the approved baseline, or as the
// pending candidate in place of any older one.
func (s *Service) insertBaseline(ctx context.Context, tx *sql.Tx, snap *Snapshot, digest, manifest, state string, by audit.Actor, reason string) (Baseline, error) {
	enc, err := snap.Encode()
	if err != nil {
		return Baseline{}, err
	}
	now := s.clock().UTC()
	b := Baseline{Snapshot: snap, Digest: digest, ManifestDigest: manifest, State: state, CreatedAt: now,
		Conditions: snap.Conditions, Mode: snapshotMode(snap)}
	var approvedAt any
	if state == "approved" {
		b.ApprovedBy, b.ApprovedAt, b.Reason, approvedAt = by.Name, now, reason, now
	} else {
		var same int
		if err := tx.QueryRowContext(ctx, `SELECT id FROM monitor_baselines WHERE state = 'pending' AND digest = $1 AND manifest_digest = $2 AND conditions = $3 AND mode = $4`,
			digest, manifest, b.Conditions, b.Mode).Scan(&same); err == nil {
			b.ID = int64(same)
			return b, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return Baseline{}, fmt.Errorf("monitor: find candidate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM monitor_baselines WHERE state = 'pending'`); err != nil {
			return Baseline{}, fmt.Errorf("monitor: replace candidate: %w", err)
		}
	}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO monitor_baselines (snapshot, digest, manifest_digest, state, created_at, approved_by, approved_at, reason, conditions, mode)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		string(enc), digest, manifest, state, now, b.ApprovedBy, approvedAt, reason, b.Conditions, b.Mode).Scan(&b.ID)
	if err != nil {
		return Baseline{}, fmt.Errorf("monitor: insert baseline: %w", err)
	}
	if state == "approved" {
		after := map[string]any{"digest": digest, "manifest": manifest, "reason": reason, "conditions": b.Conditions, "mode": b.Mode}
		if err := audit.Record(ctx, tx, now, by, "monitor.baseline", fmt.Sprintf("monitor_baseline:%d", b.ID), nil, after); err != nil {
			return Baseline{}, err
		}
	}
	return b, nil
}

// insertRun stores a run and prunes the oldest beyond KeepRuns.
func (s *Service) insertRun(ctx context.Context, tx *sql.Tx, run *Run) error {
	if run.Differences == nil {
		run.Differences = []Difference{}
	}
	diffs, err := json.Marshal(run.Differences)
	if err != nil {
		return fmt.Errorf("monitor: encode differences: %w", err)
	}
	var baseline any
	if run.BaselineID != 0 {
		baseline = run.BaselineID
	}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO monitor_runs (started_at, finished_at, mode, result, differences, blind, snapshot_digest, manifest_digest, baseline_id, conditions)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		run.StartedAt, run.FinishedAt, run.Mode, string(run.Result), string(diffs), run.Blind,
		run.SnapshotDigest, run.ManifestDigest, baseline, run.Conditions).Scan(&run.ID)
	if err != nil {
		return fmt.Errorf("monitor: insert run: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM monitor_runs WHERE id <= $1`, run.ID-int64(s.cfg.KeepRuns)); err != nil {
		return fmt.Errorf("monitor: prune runs: %w", err)
	}
	return nil
}

const selectBaseline = `SELECT id, snapshot, digest, manifest_digest, state, created_at, approved_by, approved_at, reason, conditions, mode FROM monitor_baselines`

func scanBaseline(row interface{ Scan(...any) error }) (Baseline, error) {
	var b Baseline
	var snap string
	var approved sql.NullTime
	if err := row.Scan(&b.ID, &snap, &b.Digest, &b.ManifestDigest, &b.State, &b.CreatedAt, &b.ApprovedBy, &approved, &b.Reason, &b.Conditions, &b.Mode); err != nil {
		return Baseline{}, err
	}
	b.CreatedAt = b.CreatedAt.UTC()
	if approved.Valid {
		b.ApprovedAt = approved.Time.UTC()
	}
	var err error
	if b.Snapshot, err = Decode([]byte(snap)); err != nil {
		return Baseline{}, fmt.Errorf("monitor: baseline %d: %w", b.ID, err)
	}
	return b, nil
}

// approved is the newest approved baseline of the switch positions cond
// and the mode; sql.ErrNoRows when none.
func (s *Service) approved(ctx context.Context, tx *sql.Tx, cond, mode string) (Baseline, error) {
	b, err := scanBaseline(tx.QueryRowContext(ctx, selectBaseline+` WHERE state = 'approved' AND conditions = $1 AND mode = $2 ORDER BY id DESC LIMIT 1`, cond, mode))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Baseline{}, fmt.Errorf("monitor: load baseline: %w", err)
	}
	return b, err
}

// Baseline is the approved baseline runs compare with while every switch
// is normal; a shop.NotFound error before the first run.
func (s *Service) Baseline(ctx context.Context) (Baseline, error) {
	return s.BaselineFor(ctx, Conditions{})
}

// BaselineFor is the approved baseline runs under the switch positions c
// compare with in the monitor's mode; a shop.NotFound error before the
// first run under them.
func (s *Service) BaselineFor(ctx context.Context, c Conditions) (Baseline, error) {
	return s.loadBaseline(ctx, `state = 'approved' AND conditions = $1 AND mode = $2 ORDER BY id DESC LIMIT 1`, "no baseline yet", c.String(), s.Mode())
}

// Pending is the candidate of a new release awaiting approval; a
// shop.NotFound error when there is none.
func (s *Service) Pending(ctx context.Context) (Baseline, error) {
	return s.loadBaseline(ctx, `state = 'pending'`, "no baseline awaits approval")
}

func (s *Service) loadBaseline(ctx context.Context, where, missing string, args ...any) (Baseline, error) {
	var b Baseline
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBaseline(tx.QueryRowContext(ctx, selectBaseline+` WHERE `+where, args...))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Baseline{}, shop.Errorf(shop.NotFound, "%s", missing)
	}
	if err != nil {
		return Baseline{}, fmt.Errorf("monitor: load baseline: %w", err)
	}
	return b, nil
}

// Approve makes the pending candidate id the baseline, for the reason a
// person gives; audited.
func (s *Service) Approve(ctx context.Context, id int64, by audit.Actor, reason string) (Baseline, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		code := shop.ReasonRequired
		if reason != "" {
			code = shop.ReasonLength
		}
		return Baseline{}, &shop.Error{Code: shop.Invalid, Message: "a reason is required",
			Fields: map[string]string{"reason": code}}
	}
	var b Baseline
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBaseline(tx.QueryRowContext(ctx, selectBaseline+` WHERE id = $1`+s.db.ForUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return shop.Errorf(shop.NotFound, "baseline candidate %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("monitor: load candidate %d: %w", id, err)
		}
		if b.State != "pending" {
			return shop.Errorf(shop.Conflict, "baseline %d is already approved", id)
		}
		now := s.clock().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE monitor_baselines SET state = 'approved', approved_by = $1, approved_at = $2, reason = $3 WHERE id = $4`,
			by.Name, now, reason, id); err != nil {
			return fmt.Errorf("monitor: approve %d: %w", id, err)
		}
		b.State, b.ApprovedBy, b.ApprovedAt, b.Reason = "approved", by.Name, now, reason
		return audit.Record(ctx, tx, now, by, "monitor.approve", fmt.Sprintf("monitor_baseline:%d", id),
			map[string]any{"state": "pending"},
			map[string]any{"state": "approved", "digest": b.Digest, "manifest": b.ManifestDigest, "reason": reason, "conditions": b.Conditions})
	})
	return b, err
}

// LastRun is the newest run; a shop.NotFound error before the first.
func (s *Service) LastRun(ctx context.Context) (Run, error) {
	var r Run
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var result, diffs string
		var baseline sql.NullInt64
		err := tx.QueryRowContext(ctx, `
			SELECT id, started_at, finished_at, mode, result, differences, blind, snapshot_digest, manifest_digest, baseline_id, conditions
			FROM monitor_runs ORDER BY id DESC LIMIT 1`).Scan(&r.ID, &r.StartedAt, &r.FinishedAt, &r.Mode, &result,
			&diffs, &r.Blind, &r.SnapshotDigest, &r.ManifestDigest, &baseline, &r.Conditions)
		if err != nil {
			return err
		}
		r.Result, r.BaselineID = Result(result), baseline.Int64
		r.StartedAt, r.FinishedAt = r.StartedAt.UTC(), r.FinishedAt.UTC()
		return json.Unmarshal([]byte(diffs), &r.Differences)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, shop.Errorf(shop.NotFound, "the monitor has not run yet")
	}
	if err != nil {
		return Run{}, fmt.Errorf("monitor: last run: %w", err)
	}
	return r, nil
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// snapshotMode is the mode a snapshot was walked in.
func snapshotMode(s *Snapshot) string {
	if s.Mode == "" {
		return ModeHTTP
	}
	return s.Mode
}
