// Package admin is the HTTP edge of the shop's admin screens: login with a
// password and a mandatory second factor, enrolment, the dashboard, staff
// and session management, the audit log and the shop's settings.
//
// The admin is the part of Kaede most worth attacking (the 2019–2021
// breaches came through admin screens that anyone could reach with a
// password alone), so every request passes, in order: an IP allow-list, the
// security headers (strict CSP with a nonce, no framing, no-store),
// http.CrossOriginProtection, a CSRF token on every POST, and then the
// route's trust group (see routes.go), which checks the staff session, the
// role's permission and, for sensitive actions, a second factor given
// within the last five minutes. Every refusal of a logged-in member of
// staff is written to the audit log; every change is audited in the
// transaction that makes it.
//
// Adding a page: write internal/ui/admin/templates/NAME.html (defining "title" and
// "content"), a handler that ends with s.render(w, r, http.StatusOK, "NAME",
// data), its messages in internal/ui/admin_messages.go, and one line in routes.go.
package admin

import (
	"context"
	"errors"
	"fmt"
	"kaede/internal/calendar"
	"kaede/internal/coupon"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"kaede/internal/alert"
	"kaede/internal/audit"
	"kaede/internal/billing"
	"kaede/internal/catalog"
	"kaede/internal/content"
	"kaede/internal/edge"
	"kaede/internal/fraud"
	"kaede/internal/incident"
	"kaede/internal/inquiry"
	"kaede/internal/mailtext"
	"kaede/internal/member"
	"kaede/internal/metrics"
	"kaede/internal/order"
	"kaede/internal/orderdoc"
	"kaede/internal/report"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/switches"
	"kaede/internal/ui"
)

// Prefix is the path every admin URL starts with, so that the admin can
// share the store's listener (mounted at "/admin/") or run on its own.
const Prefix = "/admin/"

// Config is how the operator configures the admin.
type Config struct {
	// BaseURL is where staff reach the admin, e.g. "https://admin.example.jp";
	// it may differ from the store's when the admin has its own listener.
	// Links are BaseURL + "/admin/…". An https URL turns on Secure and
	// __Host- cookies and Strict-Transport-Security.
	BaseURL string
	// Secret keys the CSRF tokens (HMAC-SHA-256): at least 32 random bytes.
	Secret []byte
	// AllowedNets are the client networks the admin answers; everyone else
	// gets 403. Empty allows every address (New logs a warning): the
	// credit-card security guideline expects an IP restriction in front of
	// the admin.
	AllowedNets []netip.Prefix
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (see edge.Proxies.ClientAddr): the address the
	// allow-list, the login throttles and the audit log see. Empty trusts
	// none.
	TrustedProxies edge.Proxies
	// Demo shows a banner saying that this is a demo shop.
	Demo bool
}

// Deps are the services the admin's handlers call; cmd/kaede builds them,
// and the admin reaches the database only through them. Logger, Clock,
// Staff, Settings, Audit, Legal, Orders and Members are required; the
// others are for the screens that manage the catalogue and the news.
type Deps struct {
	Logger *slog.Logger
	Clock  shop.Clock
	Staff  *staff.Service
	// Settings is the one settings service, shared with the store so that
	// a change saved here shows there at once.
	Settings *settings.Service
	Audit    *audit.Log
	// Legal is the legal pages' text (privacy, terms, 特定商取引法).
	Legal   *content.Pages
	Catalog *catalog.Service
	Orders  *order.Service
	Members *member.Service
	// Documents makes the orders' PDFs (invoice, delivery slip, receipt
	// copies) and counts the receipt downloads; nil: the order page
	// offers the printable pages only.
	Documents *orderdoc.Service
	Content   *content.Service
	// MediaDir is where uploaded product images are stored (served by the
	// store under /media/).
	MediaDir string
	// CardRefund refunds amount of a card order through the payment
	// provider and records it; nil when no provider is configured.
	CardRefund func(ctx context.Context, number string, amount shop.Yen, by audit.Actor) error

	// The security page. Events is required for it; Alerts sends the test
	// alert and reports the channels; Guard (nil without card payments'
	// guard) shows card testing; StoreURL is the address customers use,
	// for the TLS control.
	Events   *secevent.Store
	Alerts   *alert.Alerter
	Guard    *fraud.Guard
	StoreURL string
	// Monitor reports the tamper monitor's state for the security page;
	// nil shows the monitor as not configured (red).
	Monitor func(context.Context) (MonitorStatus, error)
	// Switches are the shop's emergency switches (/admin/switches); the
	// same service the store, checkout and card payments obey, so that a
	// change made here applies on this instance at once. nil: no page.
	Switches *switches.Service
	// Texts are the shop's own wording of its customer e-mails
	// (/admin/mail-texts); nil: no pages.
	Texts *mailtext.Service

	// Notices are the incidents' public notices, and Reopening the
	// checklist and the reopening after an incident; nil hides their
	// pages.
	Notices   *incident.Notices
	Reopening *incident.Reopening
	// Inquiries is the inquiry desk; nil: no inquiry pages.
	Inquiries *inquiry.Service
	// IncidentTitle names an incident in lang, or returns NotFound; it
	// shows a ticket's incident and checks the one staff link it to. Nil:
	// tickets show the incident's id and cannot be linked by hand.
	IncidentTitle func(ctx context.Context, id int64, lang string) (string, error)
	// Tamper is the tamper monitor for its own page (the last run and its
	// differences, the baselines, approval and a check now); nil: no page.
	Tamper TamperMonitor

	// Incidents is the incident desk (/admin/incidents); nil leaves it out.
	Incidents *incident.Service
	// Campaigns are the incidents' customer notifications; nil: no
	// campaign pages.
	Campaigns *incident.Campaigns
	// Reports are the sales reports (/admin/reports) and the dashboard's
	// 30-day chart; nil: no report pages and no chart.
	Reports *report.Service
	// Closings are the shop's own closing days; nil: no calendar page.
	Closings *calendar.Closings

	// Billing is the monthly invoice of business customers; nil: no
	// billing pages.
	Billing *billing.Service
	// Coupons are the shop's coupon codes; nil: no coupons page.
	Coupons *coupon.Service
}

// Server is the admin's HTTP edge.
type Server struct {
	cfg     Config
	https   bool
	origin  string // scheme://host of BaseURL
	csrf    *edge.CSRF
	cookies edge.Cookies
	log     *slog.Logger
	now     shop.Clock
	views   *ui.UI
	mux     *http.ServeMux
	handler http.Handler

	staff    *staff.Service
	settings *settings.Service
	auditLog *audit.Log
	pages    *content.Pages
	catalog  *catalog.Service
	orders   *order.Service
	docs     *orderdoc.Service
	members  *member.Service
	content  *content.Service
	mediaDir string
	// cardRefund: see Deps.CardRefund.
	cardRefund func(ctx context.Context, number string, amount shop.Yen, by audit.Actor) error
	events     *secevent.Store // nil: no security page
	alerts     *alert.Alerter
	guard      *fraud.Guard
	storeURL   string
	monitor    func(context.Context) (MonitorStatus, error)
	switches   *switches.Service   // nil: no switches page
	texts      *mailtext.Service   // nil: no mail-text pages
	notices    *incident.Notices   // nil: no notice pages
	reopening  *incident.Reopening // nil (or without notices): no reopening page

	inquiries     *inquiry.Service // nil: no inquiry pages
	incidentTitle func(ctx context.Context, id int64, lang string) (string, error)
	tamper        TamperMonitor
	incidents     *incident.Service // nil: no incident desk
	campaigns     *incident.Campaigns
	reports       *report.Service    // nil: no sales reports
	closings      *calendar.Closings // nil: no calendar page
	billing       *billing.Service   // nil: no billing pages
	coupons       *coupon.Service

	figures figuresCache // the dashboard's sums over orders
}

// New checks the configuration, parses the templates and builds the route
// table. A bad setting is reported by its name.
func New(cfg Config, d Deps) (*Server, error) {
	if d.Logger == nil || d.Clock == nil || d.Staff == nil || d.Settings == nil || d.Audit == nil ||
		d.Legal == nil || d.Orders == nil || d.Members == nil {
		return nil, errors.New("admin: Logger, Clock, Staff, Settings, Audit, Legal, Orders and Members are required")
	}
	if len(cfg.Secret) < 32 {
		return nil, errors.New("admin: Secret must be at least 32 bytes")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("admin: BaseURL %q must be http(s)://host with no path", cfg.BaseURL)
	}
	v, err := newViews()
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		https:    u.Scheme == "https",
		origin:   u.Scheme + "://" + u.Host,
		csrf:     edge.NewCSRF(cfg.Secret, "kaede admin csrf"),
		cookies:  adminCookies(u.Scheme == "https"),
		log:      d.Logger,
		now:      d.Clock,
		views:    v,
		mux:      http.NewServeMux(),
		staff:    d.Staff,
		settings: d.Settings,
		auditLog: d.Audit,
		pages:    d.Legal,
		catalog:  d.Catalog,
		orders:   d.Orders,
		docs:     d.Documents,
		members:  d.Members,
		content:  d.Content,
		mediaDir: d.MediaDir,

		cardRefund: d.CardRefund,
		events:     d.Events,
		alerts:     d.Alerts,
		guard:      d.Guard,
		storeURL:   d.StoreURL,
		monitor:    d.Monitor,
		tamper:     d.Tamper,
		switches:   d.Switches,
		texts:      d.Texts,
		notices:    d.Notices,

		inquiries:     d.Inquiries,
		incidentTitle: d.IncidentTitle,
		incidents:     d.Incidents,
		campaigns:     d.Campaigns,
		reports:       d.Reports,
		closings:      d.Closings,
		billing:       d.Billing,
		coupons:       d.Coupons,
	}
	if d.Notices != nil {
		s.reopening = d.Reopening
	}
	s.cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if len(cfg.AllowedNets) == 0 {
		s.log.Warn("admin: no IP allow-list; the admin answers every address (set the allowed networks)")
	}
	s.routes()
	if s.handler, err = s.middleware(metrics.Route(s.mux)); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the admin's whole HTTP surface, every path under Prefix.
func (s *Server) Handler() http.Handler { return s.handler }

// URL returns the absolute address of an admin path ("/admin/…").
func (s *Server) URL(path string) string { return s.cfg.BaseURL + path }

// ParseAllowList reads the operator's allow-list setting: networks in CIDR
// form or single addresses, separated by commas or spaces
// ("203.0.113.0/24, 2001:db8::1"). Empty gives an empty list.
func ParseAllowList(s string) ([]netip.Prefix, error) {
	nets, err := edge.ParsePrefixes(s)
	if err != nil {
		return nil, fmt.Errorf("admin allow-list: %w", err)
	}
	return nets, nil
}

// adminCookies are HttpOnly and SameSite=Strict. Over https the __Host-
// prefix makes the browser refuse them from a sibling subdomain or over
// http (cookie tossing); the prefix requires Path=/, so over https the
// cookies are sent to the whole host. Over http (a laptop, the demo) the
// path keeps them to the admin.
func adminCookies(https bool) edge.Cookies {
	c := edge.Cookies{Secure: https, HostPrefix: true, Path: Prefix, SameSite: http.SameSiteStrictMode}
	if https {
		c.Path = "/"
	}
	return c
}
