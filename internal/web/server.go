// Package web is the store's HTTP edge: the route table, the middleware
// that every request passes (request id, access log, panic recovery,
// security headers, cross-origin and CSRF checks, language, session), the
// page renderer and the JSON helpers that store pages and the JSON API are
// built on.
//
// Adding a page: write internal/ui/templates/pages/NAME.html (defining
// "title" and "content"), a handler that calls s.render(w, r, status,
// "NAME", data), and one line in routes.go.
package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"

	"kaede/internal/billing"
	"kaede/internal/cardpay"
	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/content"
	"kaede/internal/detect"
	"kaede/internal/edge"
	"kaede/internal/incident"
	"kaede/internal/inquiry"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/metrics"
	"kaede/internal/order"
	"kaede/internal/orderdoc"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/switches"
	"kaede/internal/ui"
)

// Config is how the operator configures the store's HTTP edge.
type Config struct {
	// BaseURL is the store's public address, e.g. "https://shop.example.jp".
	// An https base URL turns on Secure cookies and Strict-Transport-Security.
	BaseURL string
	// Secret keys the CSRF tokens (HMAC-SHA-256); at least 32 random bytes,
	// kept secret and stable across restarts and instances.
	Secret []byte
	// Demo shows a banner on every page saying that nothing is real.
	Demo bool
	// MediaDir holds product images served read-only under /media/; empty
	// serves none.
	MediaDir string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (see edge.Proxies.ClientAddr); empty trusts none.
	TrustedProxies edge.Proxies
}

// Deps are the services the handlers call. cmd/kaede builds them: the
// store's edge reaches the database only through them.
type Deps struct {
	Logger *slog.Logger
	Clock  shop.Clock
	// Ping reports whether the database answers, for the health check.
	Ping func(context.Context) error
	// Settings is the one settings service, shared with the admin so that
	// a change saved there shows here at once.
	Settings *settings.Service
	// Sessions keeps the customers' sessions.
	Sessions *member.Sessions
	// Legal is the legal pages' text (privacy, terms, 特定商取引法).
	Legal *content.Pages
	// Outbox is the stored e-mails the demo shows its visitor; required
	// with Config.Demo.
	Outbox   *mail.Outbox
	Catalog  *catalog.Service
	Carts    *cart.Service
	Checkout *checkout.Service
	Orders   *order.Service
	Members  *member.Service
	// Documents makes an order's PDFs for its customer: the qualified
	// invoice and the receipt they download; nil: no document routes.
	Documents *orderdoc.Service
	// Content is the shop's news; nil shows none.
	Content *content.Service
	// Notices are the incidents' public notices (お詫びとお知らせ), shown
	// at /notices/{id} and pinned on the top page; nil shows none.
	Notices *incident.Notices
	// Payments takes card payments through the configured provider; nil
	// when the shop has none, and then checkout offers no card.
	Payments *cardpay.Service
	// Events stores CSP violations, webhook signature failures and bursts
	// of server errors as security events; nil only logs them.
	Events *secevent.Store
	// Switches are the shop's emergency switches: their banners on every
	// page, and maintenance (503). The same service must be given to
	// checkout and card payments, which enforce the others. nil: no
	// switches (tests of other things); cmd/kaede always sets them.
	Switches *switches.Service
	// Inquiries is the inquiry desk behind the contact form; nil: no
	// contact form.
	Inquiries *inquiry.Service
	// IncidentTitle names an incident the contact form can be about, in
	// lang ("ja" or "en"), or returns NotFound for an id that names none
	// the public may see; nil: the form offers no incident.
	IncidentTitle func(ctx context.Context, id int64, lang string) (string, error)
	// Billing is the monthly invoice of approved business customers: the
	// method at checkout and the invoices on my page; nil: neither.
	Billing *billing.Service
}

// Server is the store's HTTP edge.
type Server struct {
	// monitorPass is what the shop's own tamper monitor sends in
	// MonitorHeader (monitor_pass.go).
	monitorPass string
	cfg         Config
	https       bool
	origin      string // scheme://host of BaseURL
	ping        func(context.Context) error
	log         *slog.Logger
	now         shop.Clock
	ui          *ui.UI
	media       *os.Root // nil when there is no MediaDir
	mux         *http.ServeMux
	handler     http.Handler
	reports     *rateLimiter
	csrf        *edge.CSRF
	cookies     edge.Cookies

	settings *settings.Service
	sessions *member.Sessions
	legal    *content.Pages
	outbox   *mail.Outbox // nil outside the demo
	pages    pageCache
	cards    cardCache
	shells   pageCache // listings for visitors with a session (cacheListing)
	navs     pageCache // the shells' user navs without their CSRF field (userNav)
	// userNavMark is where a shell takes the visitor's user nav, csrfMark
	// where a cached user nav takes the visitor's CSRF field.
	userNavMark, csrfMark template.HTML
	catalog               *catalog.Service
	carts                 *cart.Service
	checkout              *checkout.Service
	orders                *order.Service
	docs                  *orderdoc.Service // nil: no document routes
	members               *member.Service
	content               *content.Service
	payments              *cardpay.Service  // nil: no card payments
	events                *secevent.Store   // nil: security findings are only logged
	switches              *switches.Service // nil: every switch normal
	notices               *incident.Notices // nil: no notices
	errors5xx             *detect.Burst
	inquiries             *inquiry.Service // nil: no contact form
	// incidentTitle: see Deps.IncidentTitle.
	incidentTitle func(ctx context.Context, id int64, lang string) (string, error)
	billing       *billing.Service // nil: no monthly invoice
}

// New checks the configuration, parses the templates and builds the route
// table. A bad setting is reported by its name.
func New(cfg Config, d Deps) (*Server, error) {
	if d.Ping == nil || d.Logger == nil || d.Clock == nil || d.Settings == nil || d.Sessions == nil ||
		d.Legal == nil || d.Catalog == nil || d.Carts == nil || d.Checkout == nil || d.Orders == nil ||
		d.Members == nil || (cfg.Demo && d.Outbox == nil) {
		return nil, errors.New("web: every dependency is required")
	}
	if len(cfg.Secret) < 32 {
		return nil, errors.New("web: Secret must be at least 32 bytes")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("web: BaseURL %q must be http(s)://host with no path", cfg.BaseURL)
	}
	views, err := ui.New()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &Server{
		userNavMark: newMark("user nav"),
		csrfMark:    newMark("csrf field"),
		cfg:         cfg,
		https:       u.Scheme == "https",
		origin:      u.Scheme + "://" + u.Host,
		ping:        d.Ping,
		log:         d.Logger,
		now:         d.Clock,
		ui:          views,
		mux:         http.NewServeMux(),
		reports:     newRateLimiter(20, d.Clock),
		csrf:        edge.NewCSRF(cfg.Secret, "kaede store csrf"),
		monitorPass: MonitorPass(cfg.Secret),
		cookies:     edge.Cookies{Secure: u.Scheme == "https", Path: "/", SameSite: http.SameSiteLaxMode},

		settings: d.Settings,
		sessions: d.Sessions,
		legal:    d.Legal,
		outbox:   d.Outbox,
		catalog:  d.Catalog,
		carts:    d.Carts,
		checkout: d.Checkout,
		orders:   d.Orders,
		docs:     d.Documents,
		members:  d.Members,
		content:  d.Content,
		notices:  d.Notices,
		payments: d.Payments,
		events:   d.Events,
		switches: d.Switches,

		inquiries:     d.Inquiries,
		incidentTitle: d.IncidentTitle,
		billing:       d.Billing,
	}
	s.cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	s.errors5xx = s.newErrorBurst()
	if cfg.MediaDir != "" {
		root, err := os.OpenRoot(cfg.MediaDir)
		if err != nil {
			return nil, fmt.Errorf("web: MediaDir: %w", err)
		}
		s.media = root
	}
	s.routes()
	s.handler, err = s.middleware(metrics.Route(s.mux))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the store's whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Close releases the media directory.
func (s *Server) Close() error {
	if s.media != nil {
		return s.media.Close()
	}
	return nil
}
