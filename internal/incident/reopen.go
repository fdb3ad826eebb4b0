package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// The reopening checklist: before the shop turns its switches back on
// after an incident, five things are verified live, each from its own
// source, never ticked by hand. Reopen refuses unless every item is green
// at the moment it runs.

// CheckItem names one item of the checklist.
type CheckItem string

// The items, in the order they are shown.
const (
	CheckMonitor      CheckItem = "monitor"       // the tamper monitor green for the last 24 hours
	CheckBaseline     CheckItem = "baseline"      // the monitor's baseline approved, none pending
	CheckSecondFactor CheckItem = "second_factor" // every enabled member of staff has a second factor
	CheckAuditChain   CheckItem = "audit_chain"   // the audit log's hash chain verifies
	CheckVulnScan     CheckItem = "vuln_scan"     // a vulnerability scan recorded after the discovery
)

// CheckItems lists the items in order.
var CheckItems = []CheckItem{CheckMonitor, CheckBaseline, CheckSecondFactor, CheckAuditChain, CheckVulnScan}

// MonitorWindow is how long the tamper monitor must have been green.
const MonitorWindow = 24 * time.Hour

// Check is one item's verdict and the evidence it rests on (one line in
// English, like the security page's controls: counts, dates, ids).
type Check struct {
	Item     CheckItem
	OK       bool
	Evidence string
}

// Checklist is the whole list as verified at one moment.
type Checklist struct {
	IncidentID int64
	At         time.Time
	Checks     []Check
}

// OK reports whether every item is green.
func (c Checklist) OK() bool {
	for _, ch := range c.Checks {
		if !ch.OK {
			return false
		}
	}
	return len(c.Checks) == len(CheckItems)
}

// Red lists the items that are not green.
func (c Checklist) Red() []CheckItem {
	var out []CheckItem
	for _, ch := range c.Checks {
		if !ch.OK {
			out = append(out, ch.Item)
		}
	}
	return out
}

// MonitorRun is what the checklist reads of one tamper-monitor run.
type MonitorRun struct {
	ID          int64
	StartedAt   time.Time
	FinishedAt  time.Time
	Result      string // "ok", "different" or "blind"
	Differences int
	Blind       string // why the walk could not see a page
}

// MonitorBaseline is what the checklist reads of the monitor's baseline.
type MonitorBaseline struct {
	Approved   bool // an approved baseline exists
	ID         int64
	Digest     string
	ApprovedBy string
	ApprovedAt time.Time
	Pending    bool // a new release's candidate awaits approval
}

// StaffFactor is one enabled staff account and whether it has a second
// factor.
type StaffFactor struct {
	Email        string
	SecondFactor bool
}

// ReopenDeps are the checklist's probes and the switches, given as
// functions so that incident imports neither the monitor nor staff (the
// command's wiring connects them). A nil probe is a red item saying it is
// not connected; nil AuditChain verifies the audit log of the incidents'
// own database.
type ReopenDeps struct {
	// MonitorRuns returns the monitor's runs finished at or after since,
	// oldest first.
	MonitorRuns func(ctx context.Context, since time.Time) ([]MonitorRun, error)
	// MonitorEvery is how often the monitor runs: a gap between runs
	// longer than half as much again is a run missed.
	MonitorEvery time.Duration
	// Baseline reports the monitor's baseline.
	Baseline func(ctx context.Context) (MonitorBaseline, error)
	// StaffFactors lists every enabled staff account.
	StaffFactors func(ctx context.Context) ([]StaffFactor, error)
	// AuditChain verifies the audit log's chain and returns its length, or
	// an *audit.ChainError saying where it breaks.
	AuditChain func(ctx context.Context) (int, error)
	// Switches turns the shop's switches back on (card payments,
	// checkout, maintenance), audited as by. Nil refuses to reopen:
	// ErrSwitchesNotWired.
	Switches func(ctx context.Context, by audit.Actor) error
}

// ErrSwitchesNotWired refuses a reopening when nothing can turn the
// switches back on.
var ErrSwitchesNotWired = &shop.Error{Code: shop.Conflict,
	Message: "the switches are not connected to the reopening: turn them on from the switches page or `kaede switch`, and tell the developers"}

// ErrChecklistRed refuses a reopening while an item is red; the error
// returned wraps it with the red items.
var ErrChecklistRed = &shop.Error{Code: shop.Conflict, Message: "the reopening checklist is not all green"}

// ErrIncidentClosed refuses to reopen after a closed incident: the
// reopening belongs on its timeline before it closes.
var ErrIncidentClosed = &shop.Error{Code: shop.Conflict, Message: "the incident is closed"}

// ErrAlreadyReopened refuses a second reopening of one incident.
var ErrAlreadyReopened = &shop.Error{Code: shop.Conflict, Message: "the shop was already reopened after this incident"}

// Reopening checks and carries out the reopening of the shop after an
// incident.
type Reopening struct {
	svc     *Service
	notices *Notices
	deps    ReopenDeps
}

// NewReopening returns the reopening of incidents kept by s, whose notices
// n announces it.
func NewReopening(s *Service, n *Notices, deps ReopenDeps) *Reopening {
	if deps.AuditChain == nil {
		deps.AuditChain = func(ctx context.Context) (int, error) { return audit.Verify(ctx, s.db) }
	}
	return &Reopening{svc: s, notices: n, deps: deps}
}

// SwitchesWired reports whether Reopen can turn the switches back on.
func (r *Reopening) SwitchesWired() bool { return r.deps.Switches != nil }

// Check verifies every item now. An item whose source cannot be read is
// an error, not a green or a red.
func (r *Reopening) Check(ctx context.Context, incidentID int64) (Checklist, error) {
	inc, err := r.svc.Get(ctx, incidentID)
	if err != nil {
		return Checklist{}, err
	}
	now := r.svc.clock().UTC()
	list := Checklist{IncidentID: inc.ID, At: now}
	checks := []func(context.Context, Incident, time.Time) (Check, error){
		r.checkMonitor, r.checkBaseline, r.checkSecondFactor, r.checkAuditChain, r.checkVulnScan,
	}
	for _, c := range checks {
		ch, err := c(ctx, inc, now)
		if err != nil {
			return Checklist{}, err
		}
		list.Checks = append(list.Checks, ch)
	}
	return list, nil
}

// checkMonitor wants, over the last 24 hours, no run that found a
// difference or could not see the pages, and no gap between runs (or
// from the window's start to the first run, or from the last run to now)
// longer than one and a half intervals: a monitor that did not run proves
// nothing.
func (r *Reopening) checkMonitor(ctx context.Context, _ Incident, now time.Time) (Check, error) {
	c := Check{Item: CheckMonitor}
	if r.deps.MonitorRuns == nil || r.deps.MonitorEvery <= 0 {
		c.Evidence = "the tamper monitor is not connected"
		return c, nil
	}
	since := now.Add(-MonitorWindow)
	runs, err := r.deps.MonitorRuns(ctx, since)
	if err != nil {
		return c, fmt.Errorf("incident: read the monitor's runs: %w", err)
	}
	if len(runs) == 0 {
		c.Evidence = "no monitor run in the last 24 hours"
		return c, nil
	}
	for _, run := range runs {
		switch run.Result {
		case "ok":
		case "blind":
			c.Evidence = fmt.Sprintf("run #%d at %s could not see the pages: %s", run.ID, jst(run.FinishedAt), run.Blind)
			return c, nil
		default:
			c.Evidence = fmt.Sprintf("run #%d at %s: %s, %d difference(s)", run.ID, jst(run.FinishedAt), run.Result, run.Differences)
			return c, nil
		}
	}
	maxGap := r.deps.MonitorEvery + r.deps.MonitorEvery/2
	prev := since
	for _, run := range runs {
		if gap := run.StartedAt.Sub(prev); gap > maxGap {
			c.Evidence = fmt.Sprintf("no run between %s and %s (%s; every %s expected)", jst(prev), jst(run.StartedAt),
				gap.Round(time.Second), r.deps.MonitorEvery)
			return c, nil
		}
		prev = run.StartedAt
	}
	if gap := now.Sub(prev); gap > maxGap {
		c.Evidence = fmt.Sprintf("no run since %s (%s; every %s expected): the monitor is not running", jst(prev),
			gap.Round(time.Second), r.deps.MonitorEvery)
		return c, nil
	}
	c.OK = true
	c.Evidence = fmt.Sprintf("%d runs since %s, all ok, none more than %s apart; last #%d at %s",
		len(runs), jst(since), maxGap, runs[len(runs)-1].ID, jst(runs[len(runs)-1].FinishedAt))
	return c, nil
}

func (r *Reopening) checkBaseline(ctx context.Context, _ Incident, _ time.Time) (Check, error) {
	c := Check{Item: CheckBaseline}
	if r.deps.Baseline == nil {
		c.Evidence = "the tamper monitor is not connected"
		return c, nil
	}
	b, err := r.deps.Baseline(ctx)
	if err != nil {
		return c, fmt.Errorf("incident: read the monitor's baseline: %w", err)
	}
	switch {
	case !b.Approved:
		c.Evidence = "no approved baseline: the monitor has not taken one"
	case b.Pending:
		c.Evidence = fmt.Sprintf("baseline #%d is approved, but a new release's baseline awaits approval (kaede monitor approve)", b.ID)
	default:
		c.OK = true
		c.Evidence = fmt.Sprintf("baseline #%d %s approved by %s at %s", b.ID, shortDigest(b.Digest), b.ApprovedBy, jst(b.ApprovedAt))
	}
	return c, nil
}

func (r *Reopening) checkSecondFactor(ctx context.Context, _ Incident, _ time.Time) (Check, error) {
	c := Check{Item: CheckSecondFactor}
	if r.deps.StaffFactors == nil {
		c.Evidence = "the staff accounts are not connected"
		return c, nil
	}
	accounts, err := r.deps.StaffFactors(ctx)
	if err != nil {
		return c, fmt.Errorf("incident: read the staff accounts: %w", err)
	}
	var without []string
	for _, a := range accounts {
		if !a.SecondFactor {
			without = append(without, a.Email)
		}
	}
	switch {
	case len(accounts) == 0:
		c.Evidence = "no enabled staff account"
	case len(without) > 0:
		c.Evidence = fmt.Sprintf("%d of %d enabled accounts have no second factor: %s (finish their enrolment or disable them)",
			len(without), len(accounts), strings.Join(without, ", "))
	default:
		c.OK = true
		c.Evidence = fmt.Sprintf("%d / %d enabled accounts have a second factor", len(accounts), len(accounts))
	}
	return c, nil
}

func (r *Reopening) checkAuditChain(ctx context.Context, _ Incident, _ time.Time) (Check, error) {
	c := Check{Item: CheckAuditChain}
	n, err := r.deps.AuditChain(ctx)
	var ce *audit.ChainError
	switch {
	case errors.As(err, &ce):
		c.Evidence = ce.Error()
	case err != nil:
		return c, fmt.Errorf("incident: verify the audit log: %w", err)
	default:
		c.OK = true
		c.Evidence = fmt.Sprintf("%d entries verified", n)
	}
	return c, nil
}

// checkVulnScan wants a scan recorded on the timeline after the
// discovery: a scan from before says nothing of the shop as repaired.
func (r *Reopening) checkVulnScan(ctx context.Context, inc Incident, _ time.Time) (Check, error) {
	c := Check{Item: CheckVulnScan}
	events, err := r.svc.Timeline(ctx, inc.ID)
	if err != nil {
		return c, err
	}
	var last, before *Event
	for i, e := range events {
		if e.Kind != EventVulnScan {
			continue
		}
		if e.OccurredAt.After(inc.DiscoveredAt) {
			last = &events[i]
		} else {
			before = &events[i]
		}
	}
	switch {
	case last != nil:
		c.OK = true
		c.Evidence = fmt.Sprintf("scan on %s recorded by %s", jst(last.OccurredAt), last.RecordedBy)
		if last.Text != "" {
			c.Evidence += ": " + firstLine(last.Text, 120)
		}
	case before != nil:
		c.Evidence = fmt.Sprintf("the only scan recorded (%s) is from before the discovery (%s)", jst(before.OccurredAt), jst(inc.DiscoveredAt))
	default:
		c.Evidence = "no vulnerability scan recorded on the timeline since the discovery"
	}
	return c, nil
}

func jst(t time.Time) string { return t.In(shop.JST).Format("2006-01-02 15:04 MST") }

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

// firstLine is the first line of s, cut to n characters.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// DraftReopening writes the reopening announcement (再開のお知らせ) from
// the incident's timeline, dated at; staff edit it before pressing Reopen.
func (r *Reopening) DraftReopening(ctx context.Context, incidentID int64, at time.Time) (UpdateText, error) {
	facts, err := r.notices.facts(ctx, incidentID)
	if err != nil {
		return UpdateText{}, err
	}
	return DraftReopening(facts, at), nil
}

// DraftReopening writes the reopening announcement from the facts.
func DraftReopening(f NoticeFacts, at time.Time) UpdateText {
	d := newDrafter(f)
	stopped, card := d.first(EventCardStopped)
	var u UpdateText
	var openJa, openEn string
	if card {
		u.TitleJa, u.TitleEn = "クレジットカード決済再開のお知らせ", "Card payments resumed"
		openJa = fmt.Sprintf("%sでは、%sよりクレジットカード決済を停止しておりましたが、システムのセキュリティ対策および監視体制の強化を完了し、%sより再開いたしました。",
			d.shopJa, dateJa(stopped.OccurredAt), dateJa(at))
		openEn = fmt.Sprintf("Card payments at %s, stopped since %s, resumed on %s after we strengthened the security of our systems and their monitoring.",
			d.shopEn, dateEn(stopped.OccurredAt), dateEn(at))
	} else {
		u.TitleJa, u.TitleEn = "再開のお知らせ", "We have reopened"
		openJa = fmt.Sprintf("%sは、システムのセキュリティ対策および監視体制の強化を完了し、%sより通常どおりご利用いただけるようになりました。", d.shopJa, dateJa(at))
		openEn = fmt.Sprintf("%s is open as usual again since %s, after we strengthened the security of our systems and their monitoring.", capital(d.shopEn), dateEn(at))
	}
	scanJa := "再開にあたっては、脆弱性診断を実施したうえで、決済画面の改ざんを常時検知する体制を整えております。"
	scanEn := "Before reopening we had the shop checked for vulnerabilities, and its payment pages are now watched for any change at all times."
	var scan Event
	for _, e := range f.Events {
		if e.Kind == EventVulnScan && e.OccurredAt.After(f.Incident.DiscoveredAt) {
			scan = e
		}
	}
	if !scan.OccurredAt.IsZero() {
		scanJa = fmt.Sprintf("再開にあたっては、%sに脆弱性診断を実施したうえで、決済画面の改ざんを常時検知する体制を整えております。", dateJa(scan.OccurredAt))
		scanEn = fmt.Sprintf("Before reopening we had the shop checked for vulnerabilities on %s, and its payment pages are now watched for any change at all times.", dateEn(scan.OccurredAt))
	}
	u.BodyJa = paragraphs(openJa, scanJa,
		"お客様には多大なるご迷惑とご心配をおかけしましたことを、改めて深くお詫び申し上げます。今後とも何卒よろしくお願い申し上げます。")
	u.BodyEn = paragraphs(openEn, scanEn,
		"We apologise once more for the trouble and worry we caused, and thank you for your patience.")
	return u
}

// Reopen reopens the shop after the incident: it verifies the checklist
// again (the page's view may be minutes old), turns the switches back on,
// and then, in one transaction, appends the reopening announcement to the
// published notice and records the reopening on the timeline, audited.
//
// The switches go first: if the announcement then fails, the shop is open
// without it and pressing Reopen again announces it (the switches are
// already on, which turning them on again leaves so); the other order
// would announce a reopening that had not happened.
func (r *Reopening) Reopen(ctx context.Context, incidentID int64, text UpdateText, by audit.Actor) (Checklist, NoticeUpdate, error) {
	text = text.clean()
	if err := text.validate(); err != nil {
		return Checklist{}, NoticeUpdate{}, err
	}
	if r.deps.Switches == nil {
		return Checklist{}, NoticeUpdate{}, ErrSwitchesNotWired
	}
	inc, err := r.svc.Get(ctx, incidentID)
	if err != nil {
		return Checklist{}, NoticeUpdate{}, err
	}
	if err := r.refusal(ctx, inc); err != nil {
		return Checklist{}, NoticeUpdate{}, err
	}
	list, err := r.Check(ctx, incidentID)
	if err != nil {
		return Checklist{}, NoticeUpdate{}, err
	}
	if !list.OK() {
		red := make([]string, 0, len(CheckItems))
		for _, item := range list.Red() {
			red = append(red, string(item))
		}
		return list, NoticeUpdate{}, fmt.Errorf("%w: red: %s", ErrChecklistRed, strings.Join(red, ", "))
	}
	if err := r.deps.Switches(ctx, by); err != nil {
		return list, NoticeUpdate{}, fmt.Errorf("incident: turn the switches back on: %w", err)
	}
	var u NoticeUpdate
	err = r.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		inc, err := getTx(ctx, tx, r.svc.db, incidentID)
		if err != nil {
			return err
		}
		if err := r.refusalTx(ctx, tx, inc); err != nil {
			return err
		}
		if u, err = r.notices.appendTx(ctx, tx, incidentID, UpdateReopening, text, by); err != nil {
			return err
		}
		now := r.svc.clock().UTC()
		entry := fmt.Sprintf("再開（スイッチを戻し、お知らせ第%d報を掲載）", u.Number)
		if _, err := r.svc.RecordTx(ctx, tx, incidentID, EventReopened, now, entry, by); err != nil {
			return err
		}
		checks := make(map[string]any, len(list.Checks))
		for _, c := range list.Checks {
			checks[string(c.Item)] = c.Evidence
		}
		return audit.Record(ctx, tx, now, by, "incident.reopen", inc.Ref(), nil,
			map[string]any{"checklist": checks, "checked_at": list.At, "notice_update": u.Number})
	})
	if err != nil {
		return list, NoticeUpdate{}, err
	}
	return list, u, nil
}

// Refusal says why the incident cannot be reopened whatever the
// checklist says: closed, reopened already, or no published notice to
// announce it on; nil when it can be.
func (r *Reopening) Refusal(ctx context.Context, incidentID int64) error {
	inc, err := r.svc.Get(ctx, incidentID)
	if err != nil {
		return err
	}
	return r.refusal(ctx, inc)
}

func (r *Reopening) refusal(ctx context.Context, inc Incident) error {
	return r.svc.db.ReadTx(ctx, func(tx *sql.Tx) error { return r.refusalTx(ctx, tx, inc) })
}

func (r *Reopening) refusalTx(ctx context.Context, tx *sql.Tx, inc Incident) error {
	if inc.State == Closed {
		return ErrIncidentClosed
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_events WHERE incident_id = $1 AND kind = $2`,
		inc.ID, string(EventReopened)).Scan(&n); err != nil {
		return fmt.Errorf("incident: reopenings of %d: %w", inc.ID, err)
	}
	if n > 0 {
		return ErrAlreadyReopened
	}
	var state string
	err := tx.QueryRowContext(ctx, `SELECT state FROM incident_notices WHERE incident_id = $1`, inc.ID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && state != string(NoticePublished)) {
		return ErrNoticeNotPublished
	}
	if err != nil {
		return fmt.Errorf("incident: the notice of %d: %w", inc.ID, err)
	}
	return nil
}
