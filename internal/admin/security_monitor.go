package admin

import (
	"context"
	"net/http"
	"strconv"

	"kaede/internal/audit"
	"kaede/internal/monitor"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// TamperMonitor is what the monitor page asks of the tamper monitor
// (PCI DSS 11.6.1): its newest run, the approved baseline and the pending
// candidate of a new release, the approval of that candidate, and one
// check now. cmd/kaede gives monitor.Service with its check counted and
// logged like the periodic one; tests give a fake.
type TamperMonitor interface {
	LastRun(ctx context.Context) (monitor.Run, error)
	Baseline(ctx context.Context) (monitor.Baseline, error)
	BaselineFor(ctx context.Context, c monitor.Conditions) (monitor.Baseline, error)
	Pending(ctx context.Context) (monitor.Baseline, error)
	Approve(ctx context.Context, id int64, by audit.Actor, reason string) (monitor.Baseline, error)
	Check(ctx context.Context) (monitor.Run, error)
}

// monitorRoutes are the monitor page, its approval and its check. The
// approval makes what the payment pages now are the standard every later
// run is held to: it needs a fresh second factor.
func (s *Server) monitorRoutes(mux *http.ServeMux) {
	if s.tamper == nil {
		return
	}
	mux.Handle("GET "+Prefix+"security/monitor", s.can(staff.SecurityRead, s.monitorPage))
	mux.Handle("POST "+Prefix+"security/monitor/check", s.can(staff.SecurityManage, s.monitorCheckAction))
	mux.Handle("POST "+Prefix+"security/monitor/approve", s.fresh(staff.SecurityManage, s.monitorApproveAction))
}

// diffGroup is one page's differences, in the order Diff gave them.
type diffGroup struct {
	Page  string // "" for the walk as a whole: cookies, fetched files, the card step
	Diffs []monitor.Difference
}

// groupDiffs groups differences by page, pages in the order first met.
func groupDiffs(ds []monitor.Difference) []diffGroup {
	var out []diffGroup
	at := map[string]int{}
	for _, d := range ds {
		i, ok := at[d.Page]
		if !ok {
			i = len(out)
			at[d.Page] = i
			out = append(out, diffGroup{Page: d.Page})
		}
		out[i].Diffs = append(out[i].Diffs, d)
	}
	return out
}

// monitorView is the monitor page's data; a nil run or baseline is one
// that does not exist yet.
type monitorView struct {
	Run      *monitor.Run
	RunDiffs []diffGroup
	// Conditions are the switch positions of the run, and so of the
	// baseline shown: each set of positions has a baseline of its own.
	Conditions   monitor.Conditions
	Baseline     *monitor.Baseline
	Pending      *monitor.Baseline
	PendingDiffs []diffGroup // the candidate against the approved baseline
	Checked      int64       // the run "Check now" just made
	Approved     int64       // the baseline just approved
	CanManage    bool
}

// monitorView reads the monitor's state.
func (s *Server) monitorView(r *http.Request) (monitorView, error) {
	ctx := r.Context()
	v := monitorView{CanManage: s.actor(r).Role.Can(staff.SecurityManage)}
	v.Checked, _ = strconv.ParseInt(r.URL.Query().Get("checked"), 10, 64)
	v.Approved, _ = strconv.ParseInt(r.URL.Query().Get("approved"), 10, 64)
	run, err := s.tamper.LastRun(ctx)
	switch {
	case err == nil:
		v.Run, v.RunDiffs = &run, groupDiffs(run.Differences)
	case shop.ErrorCode(err) != shop.NotFound:
		return v, err
	}
	if v.Run != nil {
		v.Conditions = monitor.ParseConditions(v.Run.Conditions)
	}
	base, err := s.tamper.BaselineFor(ctx, v.Conditions)
	switch {
	case err == nil:
		v.Baseline = &base
	case shop.ErrorCode(err) != shop.NotFound:
		return v, err
	}
	pending, err := s.tamper.Pending(ctx)
	switch {
	case err == nil:
		v.Pending = &pending
		// A candidate is compared with the baseline of its own switch
		// positions.
		against := v.Baseline
		if pending.Conditions != v.Conditions.String() {
			against = nil
			if b, err := s.tamper.BaselineFor(ctx, monitor.ParseConditions(pending.Conditions)); err == nil {
				against = &b
			} else if shop.ErrorCode(err) != shop.NotFound {
				return v, err
			}
		}
		if against != nil {
			v.PendingDiffs = groupDiffs(monitor.Diff(against.Snapshot, pending.Snapshot))
		}
	case shop.ErrorCode(err) != shop.NotFound:
		return v, err
	}
	return v, nil
}

// monitorPage shows the newest run and its differences, the approved
// baseline, and a pending candidate with its differences and the form
// that approves it.
func (s *Server) monitorPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.monitorView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "security_monitor", v)
}

// monitorCheckAction walks the payment pages once now, records the run
// like the periodic check (a difference raises its event), and shows it.
func (s *Server) monitorCheckAction(w http.ResponseWriter, r *http.Request) {
	run, err := s.tamper.Check(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"security/monitor?checked="+strconv.FormatInt(run.ID, 10), http.StatusSeeOther)
}

// monitorApproveAction makes the pending candidate the baseline, for the
// reason given (required), audited by the monitor as "monitor.approve".
func (s *Server) monitorApproveAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	id := f.Int64("id")
	if err := f.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := s.tamper.Approve(r.Context(), id, s.actor(r).Actor, f.String("reason")); err != nil {
		v, verr := s.monitorView(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.renderForm(w, r, "security_monitor", v, err)
		return
	}
	http.Redirect(w, r, Prefix+"security/monitor?approved="+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
