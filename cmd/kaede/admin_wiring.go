package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"kaede/internal/calendar"
	"kaede/internal/coupon"
	"net"
	"net/http"
	"strings"
	"time"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/edge"
	"kaede/internal/report"
	"kaede/internal/shop"
)

// AdminConfig is where and to whom the admin answers.
type AdminConfig struct {
	// Addr is the admin's own listener; empty serves it under /admin/ on
	// the store's listener. Its own listener lets the admin stay off the
	// internet entirely (a VPN or loopback address).
	Addr string
	// URL is where staff reach the admin (links in e-mails and commands);
	// default: http://Addr, or the store's base URL.
	URL string
	// Allow is the admin's IP allow-list, comma-separated CIDRs. The
	// default is loopback only: opening the admin to more is a choice the
	// operator writes down.
	Allow string
}

func (c *AdminConfig) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "admin-addr", envOr("KAEDE_ADMIN_ADDR", ""), "the admin's own listen address; empty: /admin/ on the store's (KAEDE_ADMIN_ADDR)")
	fs.StringVar(&c.URL, "admin-url", envOr("KAEDE_ADMIN_URL", ""), "the admin's public base URL (KAEDE_ADMIN_URL)")
	fs.StringVar(&c.Allow, "admin-allow", envOr("KAEDE_ADMIN_ALLOW", "127.0.0.0/8,::1/128"), "comma-separated CIDRs allowed to reach the admin (KAEDE_ADMIN_ALLOW)")
}

// finish derives the admin's URL from its address or the store's.
func (c *AdminConfig) finish(storeURL string) {
	if c.URL != "" {
		return
	}
	if c.Addr != "" {
		c.URL = "http://" + c.Addr
	} else {
		c.URL = storeURL
	}
}

// validate names the first wrong admin setting.
func (c *AdminConfig) validate() error {
	if c.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
			return fmt.Errorf("KAEDE_ADMIN_ADDR / --admin-addr %q: want host:port", c.Addr)
		}
	}
	if _, err := admin.ParseAllowList(c.Allow); err != nil {
		return fmt.Errorf("KAEDE_ADMIN_ALLOW / --admin-allow: %w", err)
	}
	return nil
}

// newAdmin builds the admin's handler on the store's services.
func (m *Main) newAdmin(svc *services) (*admin.Server, error) {
	cfg := m.Config
	nets, err := admin.ParseAllowList(cfg.Admin.Allow)
	if err != nil {
		return nil, fmt.Errorf("KAEDE_ADMIN_ALLOW: %w", err)
	}
	proxies, err := cfg.proxies()
	if err != nil {
		return nil, err
	}
	deps := admin.Deps{
		Logger: m.Log.With("component", "admin"), Clock: m.Clock,
		Staff:    svc.staff,
		Settings: svc.settings,
		Audit:    audit.NewLog(m.db),
		Legal:    svc.legal,
		Catalog:  svc.catalog, Orders: svc.orders, Members: svc.members,
		Documents: svc.docs,
		Content:   svc.content,
		MediaDir:  svc.mediaDir,
		Events:    svc.events, Alerts: svc.alerts, Guard: svc.guard, StoreURL: cfg.BaseURL,
		Switches: svc.switches,
		Texts:    svc.texts,
		Notices:  svc.notices, Reopening: svc.reopening,
		Inquiries: svc.inquiries, IncidentTitle: staffIncidentTitle(svc.notices),
		Incidents: svc.incidents,
		Campaigns: svc.campaigns,
		Reports:   report.New(m.db, svc.orders, svc.catalog, m.Clock),
		Closings:  calendar.NewClosings(m.db, m.Clock),
		Billing:   svc.billing,
		Coupons:   coupon.New(m.db, m.Clock),
	}
	if svc.monitor != nil {
		every := cfg.Monitor.Interval
		if m.monitorOptions.every > 0 {
			every = m.monitorOptions.every
		}
		deps.Monitor = monitorStatus(svc.monitor, every, m.Clock)
		deps.Tamper = monitorControl{Service: svc.monitor, log: m.Log.With("component", "monitor")}
	}
	if svc.payments != nil {
		deps.CardRefund = func(ctx context.Context, number string, amount shop.Yen, by audit.Actor) error {
			_, err := svc.payments.Refund(ctx, number, amount, by)
			return err
		}
	}
	return admin.New(admin.Config{
		BaseURL:        cfg.Admin.URL,
		Secret:         []byte(cfg.Secret),
		AllowedNets:    nets,
		TrustedProxies: proxies,
		Demo:           cfg.Demo,
	}, deps)
}

// serveAdmin puts the admin where the configuration says: on its own
// listener, or under /admin/ beside the store. It returns the handler the
// store's listener serves. The admin is mounted on an outer mux, never
// inside the store's handler, so that neither side's middleware (CSRF,
// CSP, sessions) applies to the other.
func (m *Main) serveAdmin(adm *admin.Server, store http.Handler) (http.Handler, error) {
	if m.Config.Admin.Addr == "" {
		top := http.NewServeMux()
		top.Handle(admin.Prefix, adm.Handler())
		top.Handle("/", store)
		return edge.Outer(strings.HasPrefix(m.Config.BaseURL, "https://"), top), nil
	}
	ln, err := net.Listen("tcp", m.Config.Admin.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (KAEDE_ADMIN_ADDR / --admin-addr): %w", m.Config.Admin.Addr, err)
	}
	// Product images are the store's (/media/, public on the store
	// anyway): the admin's own listener serves them too, through the
	// store's handler and its headers, so that the catalogue pages show
	// their thumbnails.
	top := http.NewServeMux()
	top.Handle(admin.Prefix, adm.Handler())
	top.Handle("GET /metrics", adm.Handler())
	top.Handle("GET /media/", store)
	m.adminServer = &http.Server{
		Handler:           edge.Outer(strings.HasPrefix(m.Config.Admin.URL, "https://"), top),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.adminServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("admin server stopped", "error", err)
		}
	}()
	return store, nil
}
