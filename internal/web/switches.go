package web

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kaede/internal/edge"
	"kaede/internal/switches"
	"kaede/internal/ui"
)

// The store's side of the shop's emergency switches (internal/switches):
// a banner on every page for each switch away from normal, and the
// maintenance answer. What the switches forbid (orders, cards) is refused
// by checkout and cardpay, whichever edge calls them.

// maintenanceRetryAfter is the Retry-After of the maintenance answer: a
// hint to browsers, crawlers and API clients that it is short, not a
// promise.
const maintenanceRetryAfter = 5 * time.Minute

// Notice is one banner of the site-wide notice: the shop's text for a
// switch away from normal, in the page's language.
type Notice struct {
	Switch string // "card", "checkout" or "maintenance"
	Text   string
	// Original is the shop's Japanese banner on an English page that has
	// no English one, shown under the standard English sentence.
	Original string
}

// switchState returns the switches, or every switch normal when the store
// has none (tests of other things). A state that cannot be read is
// logged, and the last one known is used: the store keeps answering.
func (s *Server) switchState(r *http.Request) switches.State {
	if s.switches == nil {
		return switches.State{}
	}
	st, err := s.switches.State(r.Context())
	if err != nil {
		s.log.Warn("switches unknown; using the last known", "request_id", requestID(r), "error", err)
	}
	return st
}

// notices are the banners for st, in lang.
func notices(st switches.State, lang string) []Notice {
	var out []Notice
	for _, sw := range st.Emergencies() {
		n := Notice{Switch: string(sw.Name), Text: sw.Banner}
		if lang == ui.English {
			n.Text = sw.BannerEn
			if n.Text == "" {
				n.Original = sw.Banner
			}
		}
		if n.Text == "" {
			n.Text = ui.T(lang, "switch.banner."+string(sw.Name))
		}
		out = append(out, n)
	}
	return out
}

// noticesKey tells apart the pages rendered under different switches, for
// the guest page cache: a banner changes the page, and must show once this
// instance knows of it, not two seconds later.
func noticesKey(st switches.State) string {
	var b strings.Builder
	for _, sw := range st.Emergencies() {
		b.WriteString(string(sw.Name))
		b.WriteByte('@')
		b.WriteString(strconv.FormatInt(sw.ChangedAt.UnixNano(), 36))
		b.WriteByte(' ')
	}
	return b.String()
}

// maintenance answers every request but the ones that must stay up with
// 503 and the shop's notice while maintenance is on: the health check
// (the load balancer must not take the instance out of service for it),
// CSP reports, payment webhooks (a card paid before the maintenance must
// still be recorded), the static files the notice page itself uses, and
// the public incident notices and the contact form.
// The admin is not behind this handler at all.
func (s *Server) maintenance(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sessionless(r) || openDuringMaintenance(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		st := s.switchState(r)
		if !st.Maintenance() {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Retry-After", strconv.Itoa(int(maintenanceRetryAfter/time.Second)))
		h.Set("Cache-Control", "no-store")
		if isAPI(r) {
			s.writeJSONError(w, r, switches.ErrMaintenance)
			return
		}
		s.renderMaintenance(w, r, st)
	})
}

// openDuringMaintenance names the pages a shop closed after an incident
// must still serve: its public notice and the inquiry desk, which is when
// customers need them most.
func openDuringMaintenance(path string) bool {
	return path == "/contact" || path == "/contact/sent" || strings.HasPrefix(path, "/notices/")
}

// maintenanceView is the maintenance page's data.
type maintenanceView struct {
	Message string // catalogue key
}

// renderMaintenance is the maintenance page: the layout with the shop's
// name, notice and contact, and nothing that needs the database beyond
// the (cached) settings, since maintenance may be for the database.
func (s *Server) renderMaintenance(w http.ResponseWriter, r *http.Request, st switches.State) {
	in := info(r)
	p := &Page{Lang: in.Lang, Nonce: in.Nonce, RequestID: in.ID, Path: r.URL.Path, Demo: s.cfg.Demo,
		Notices: notices(st, in.Lang), Data: maintenanceView{Message: "maintenance.lead"},
		// No form on this page: a CSRF token would start a session.
		csrf: func() template.HTML { return "" },
		langURL: func(l string) string {
			return r.URL.Path + "?lang=" + l
		},
	}
	if set, err := s.settings.Get(r.Context()); err == nil {
		p.Shop, p.ShopName = set, set.ShopName
		if p.Lang == ui.English && set.ShopNameEn != "" {
			p.ShopName = set.ShopNameEn
		}
	} else {
		s.log.Warn("maintenance page without the shop's settings", "request_id", in.ID, "error", err)
	}
	s.writePage(w, r, http.StatusServiceUnavailable, "maintenance", p)
}

// messageKey is the catalogue key of the sentence the store shows for err:
// the switches' refusals have their own, the rest edge.MessageKey's.
func messageKey(err error) string {
	switch {
	case errors.Is(err, switches.ErrCheckoutStopped):
		return "error.checkout_stopped"
	case errors.Is(err, switches.ErrCardStopped):
		return "error.card_stopped"
	case errors.Is(err, switches.ErrMaintenance):
		return "error.maintenance"
	}
	return edge.MessageKey(err)
}
