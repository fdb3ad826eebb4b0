package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/switches"
)

// MonitorStatus is the tamper monitor's control on the security page. The
// monitor fills it through Deps.Monitor; without one the page shows the
// control red, "not configured".
type MonitorStatus struct {
	Configured bool
	OK         bool      // the last run found no difference and saw every page
	LastRun    time.Time // zero before the first run
	Evidence   string    // one line: the last result, the baseline's state
}

// control is one line of the security page: green or red, and why.
type control struct {
	Label    string // catalogue key
	OK       bool
	Evidence string
}

// securityView is the security page's data.
type securityView struct {
	Open      []secevent.Event
	Recent    []secevent.Event // resolved in the last 7 days
	Controls  []control
	Events    svgChart
	Declines  svgChart
	CSP       svgChart // CSP violation reports per day
	CanManage bool
	Sent      int64 // the test alert just raised, 0 otherwise
	// Switches: the emergency switches exist (a link to them), and
	// which are away from normal now.
	Switches    bool
	Emergencies []switches.Switch
	// MonitorPage links the tamper monitor's own page, when there is one.
	MonitorPage bool
}

// chartDays is how far back the charts reach.
const chartDays = 7

// securityPage shows open events first, the controls and the charts.
func (s *Server) securityPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.now().UTC()
	since := now.AddDate(0, 0, -chartDays)
	open, err := s.events.List(ctx, secevent.Filter{Open: true, Limit: 500})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// Critical first, then by when last seen (List's order).
	sort.SliceStable(open, func(i, j int) bool { return rank(open[i].Severity) > rank(open[j].Severity) })
	recent, err := s.events.List(ctx, secevent.Filter{State: secevent.Resolved, Since: since, Limit: 50})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	controls, err := s.securityControls(ctx, true)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := securityView{Open: open, Recent: recent, Controls: controls,
		CanManage: s.actor(r).Role.Can(staff.SecurityManage), MonitorPage: s.tamper != nil}
	view.Sent, _ = strconv.ParseInt(r.URL.Query().Get("sent"), 10, 64)
	if s.switches != nil {
		st, err := s.switches.State(ctx)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		view.Switches, view.Emergencies = true, st.Emergencies()
	}
	hourly, err := s.events.Hourly(ctx, since)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Events = eventsChart(hourly, now)
	view.CSP = cspChart(hourly, now)
	if s.guard != nil {
		declines, err := s.guard.Declines(ctx, since)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		view.Declines = declinesChart(declines, now)
	}
	s.render(w, r, http.StatusOK, "security", view)
}

func rank(s secevent.Severity) int {
	switch s {
	case secevent.Critical:
		return 3
	case secevent.Warning:
		return 2
	}
	return 1
}

// securityControls gathers each control's evidence. Nothing is assumed:
// a control whose source is missing is red. The audit chain is verified
// over the whole log only when verifyChain is set: the security page does, the
// dashboard (every visit) leaves it to the hourly audit_head task, whose
// broken chain is a critical event the dashboard counts.
func (s *Server) securityControls(ctx context.Context, verifyChain bool) ([]control, error) {
	var out []control

	// The tamper monitor: filled by the monitor's wiring, red until then.
	mon := control{Label: "security.control.monitor", Evidence: "not configured"}
	if s.monitor != nil {
		st, err := s.monitor(ctx)
		if err != nil {
			return nil, err
		}
		if st.Configured {
			mon.OK, mon.Evidence = st.OK, st.Evidence
			if !st.LastRun.IsZero() {
				mon.Evidence += " (" + st.LastRun.In(shop.JST).Format("2006-01-02 15:04:05 JST") + ")"
			}
		}
	}
	out = append(out, mon)

	// Staff with a second factor: every active account.
	members, err := s.staff.List(ctx, staff.CLI)
	if err != nil {
		return nil, err
	}
	active, enrolled := 0, 0
	for _, m := range members {
		if !m.DisabledAt.IsZero() {
			continue
		}
		active++
		if m.Enrolled() {
			enrolled++
		}
	}
	out = append(out, control{Label: "security.control.second_factor", OK: active > 0 && enrolled == active,
		Evidence: fmt.Sprintf("%d / %d", enrolled, active)})

	// The audit chain, verified now.
	if verifyChain {
		n, verr := s.auditLog.Verify(ctx)
		chain := control{Label: "security.control.audit_chain"}
		var ce *audit.ChainError
		switch {
		case errors.As(verr, &ce):
			chain.Evidence = ce.Error()
		case verr != nil:
			return nil, verr
		default:
			id, hash, err := s.auditLog.Head(ctx)
			if err != nil {
				return nil, err
			}
			chain.OK = true
			chain.Evidence = fmt.Sprintf("%d entries, head #%d %s", n, id, shortHash(hash))
		}
		out = append(out, chain)
	}

	// Card testing: the breaker closed and no address blocked.
	card := control{Label: "security.control.card_testing", Evidence: "no card guard"}
	if s.guard != nil {
		st, err := s.guard.Status(ctx)
		if err != nil {
			return nil, err
		}
		card.OK = st.SuspendedUntil.IsZero() && len(st.BlockedIPs) == 0
		card.Evidence = fmt.Sprintf("breaker closed, %d blocked addresses", len(st.BlockedIPs))
		if !st.SuspendedUntil.IsZero() {
			card.Evidence = fmt.Sprintf("breaker OPEN until %s, %d blocked addresses",
				st.SuspendedUntil.In(shop.JST).Format("15:04 JST"), len(st.BlockedIPs))
		}
	}
	out = append(out, card)

	// TLS in front: the address customers use is https.
	out = append(out, control{Label: "security.control.tls", OK: strings.HasPrefix(s.storeURL, "https://"),
		Evidence: s.storeURL})

	// Alert channels: someone is e-mailed; the webhook is optional but
	// reported.
	recipients := 0
	for _, m := range members {
		if m.DisabledAt.IsZero() && m.Role.Can(staff.SecurityRead) {
			recipients++
		}
	}
	webhook := "webhook not set"
	if s.alerts != nil && s.alerts.WebhookConfigured() {
		webhook = "webhook set"
	}
	out = append(out, control{Label: "security.control.alerts", OK: recipients > 0 && s.alerts != nil,
		Evidence: fmt.Sprintf("%d e-mail recipients, %s", recipients, webhook)})
	return out, nil
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// securityEventPage shows one event with its evidence.
func (s *Server) securityEventPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such security event"))
		return
	}
	e, err := s.events.Get(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "security_event", struct {
		Event     secevent.Event
		CanManage bool
	}{e, s.actor(r).Role.Can(staff.SecurityManage)})
}

// securityMoveAction acknowledges or resolves an event (audited by the
// store) and returns to the event.
func (s *Server) securityMoveAction(to secevent.State) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.renderError(w, r, shop.Errorf(shop.NotFound, "no such security event"))
			return
		}
		note := strings.TrimSpace(newForm(r).String("note"))
		by := s.actor(r).Actor
		if to == secevent.Resolved {
			_, err = s.events.Resolve(r.Context(), id, by, note)
		} else {
			_, err = s.events.Acknowledge(r.Context(), id, by, note)
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, Prefix+"security/events/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	}
}

// securityTestAction raises a test alert through the real channels.
func (s *Server) securityTestAction(w http.ResponseWriter, r *http.Request) {
	if s.alerts == nil {
		s.renderError(w, r, shop.Errorf(shop.Conflict, "alerts are not configured"))
		return
	}
	ev, err := s.alerts.SendTest(r.Context(), s.actor(r).Actor)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"security?sent="+strconv.FormatInt(ev.ID, 10), http.StatusSeeOther)
}
