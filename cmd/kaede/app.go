package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/demo"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/payment/gateway"
	"kaede/internal/shop"
	"kaede/internal/web"
)

// Main is a running store: its database, job runner and HTTP server.
// End-to-end tests start one on 127.0.0.1:0 the way the binary does.
type Main struct {
	Config Config
	Log    *slog.Logger
	Clock  shop.Clock

	db       *db.DB
	jobs     *jobs.Runner
	web      *web.Server
	server   *http.Server
	listener net.Listener
	stop     context.CancelFunc
	wg       sync.WaitGroup

	// The admin's own listener, when --admin-addr is set.
	adminServer *http.Server

	// The profiling listener on loopback, when --debug-addr is set.
	debugServer *http.Server
	debugAddr   net.Addr

	// The test gateway, when this process runs it (the demo).
	gateway       *gateway.Server
	gatewayServer *http.Server

	// What end-to-end tests change in the tamper monitor.
	monitorOptions monitorOptions

	// The breach scenario's summary, when the demo plays it.
	breach *demo.BreachSummary
	// svc are the services Run built: what end-to-end tests store their
	// data through, so that the running store's caches see it.
	svc *services

	// changes hears the changes other instances on the same PostgreSQL
	// commit, for this process's caches (db.ListenForChanges).
	changes *db.Listener
}

// NewMain returns a store that will run with cfg.
func NewMain(cfg Config, log *slog.Logger) *Main {
	return &Main{Config: cfg, Log: log, Clock: shop.SystemClock}
}

// Run opens the database, prepares it (the demo migrates and seeds; serve
// refuses a schema that is behind), builds the services and then the
// servers on them, starts the job runner with the periodic tasks and the
// HTTP server, and returns once the store is listening.
func (m *Main) Run(ctx context.Context) error {
	var smtp *mail.SMTPConfig
	if m.Config.SMTPURL != "" {
		c, err := mail.ParseSMTPURL(m.Config.SMTPURL)
		if err != nil {
			return fmt.Errorf("KAEDE_SMTP_URL: %w", err)
		}
		smtp = &c
	}
	if err := m.openDatabase(ctx); err != nil {
		return err
	}
	if err := m.listen(); err != nil {
		return err
	}
	svc, err := m.buildServices(ctx, smtp)
	if err != nil {
		return err
	}
	m.svc = svc
	if err := m.buildServers(svc); err != nil {
		return err
	}
	// Guests' shared pages show the catalogue, the settings, the news and
	// the switches: any change, in any instance, drops them.
	m.db.OnChange(m.web.ForgetPages)
	if m.changes, err = m.db.ListenForChanges(ctx, m.Log.With("component", "changes")); err != nil {
		return err
	}
	if err := m.jobs.Schedule(m.tasks(svc)...); err != nil {
		return err
	}
	if err := m.serve(); err != nil {
		return err
	}
	if err := m.startDebug(); err != nil {
		return err
	}
	if err := m.recordURLs(); err != nil {
		// Only the links the operator commands print depend on it.
		m.Log.Warn("could not record the store's URLs in the data directory", "error", err)
	}
	return nil
}

// openDatabase opens the database and checks or (the demo) migrates its
// schema.
func (m *Main) openDatabase(ctx context.Context) error {
	d, err := db.Open(ctx, m.Config.DatabaseURL)
	if err != nil {
		return err
	}
	m.db = d
	if m.Config.Demo {
		if err := migrateAll(ctx, d); err != nil {
			return err
		}
	} else if err := checkSchema(ctx, d); err != nil {
		return err
	}
	return web.EnsureDefaultContent(ctx, content.NewPages(d, m.Clock))
}

// listen takes the store's address, derives the base URL from the port
// actually taken when it was not configured, and starts the test gateway
// when this process runs it.
func (m *Main) listen() error {
	cfg := &m.Config
	var err error
	m.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (KAEDE_ADDR / --addr): %w", cfg.Addr, err)
	}
	if cfg.BaseURL == "http://"+cfg.Addr {
		// The base URL was derived from the address: give it the port
		// actually taken (a store on port 0 in tests).
		if cfg.Admin.Addr == "" && cfg.Admin.URL == cfg.BaseURL {
			cfg.Admin.URL = m.URL()
		}
		cfg.BaseURL = m.URL()
	}
	if cfg.Card.RunGateway {
		return m.startGateway(m.listener.Addr(), cfg.BaseURL)
	}
	return nil
}

// buildServers builds the store's and the admin's HTTP handlers on svc, and
// the store's server. The admin on its own listener starts serving here.
func (m *Main) buildServers(svc *services) error {
	cfg := m.Config
	proxies, err := cfg.proxies()
	if err != nil {
		return err
	}
	m.web, err = web.New(web.Config{
		BaseURL:        cfg.BaseURL,
		Secret:         []byte(cfg.Secret),
		Demo:           cfg.Demo,
		MediaDir:       svc.mediaDir,
		TrustedProxies: proxies,
	}, web.Deps{
		Logger:        m.Log,
		Clock:         m.Clock,
		Ping:          m.db.PingContext,
		Settings:      svc.settings,
		Sessions:      svc.sessions,
		Legal:         svc.legal,
		Outbox:        svc.outbox,
		Catalog:       svc.catalog,
		Carts:         svc.carts,
		Checkout:      svc.checkout,
		Orders:        svc.orders,
		Documents:     svc.docs,
		Members:       svc.members,
		Payments:      svc.payments,
		Content:       svc.content,
		Notices:       svc.notices,
		Events:        svc.events,
		Switches:      svc.switches,
		Inquiries:     svc.inquiries,
		IncidentTitle: publicIncidentTitle(svc.notices),
		Billing:       svc.billing,
	})
	if err != nil {
		return err
	}
	adm, err := m.newAdmin(svc)
	if err != nil {
		return err
	}
	handler, err := m.serveAdmin(adm, m.web.Handler())
	if err != nil {
		return err
	}
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	return nil
}

// serve starts the job runner and the store's HTTP server.
func (m *Main) serve() error {
	bg, stop := context.WithCancel(context.Background())
	m.stop = stop
	if err := m.jobs.Start(bg); err != nil {
		return err
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server stopped", "error", err)
		}
	}()
	return nil
}

// URL is the address the store listens on, e.g. http://127.0.0.1:43123.
func (m *Main) URL() string {
	return "http://" + m.listener.Addr().String()
}

// Close stops accepting requests, lets running ones finish, stops the job
// runner and closes the database, in that order.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var errs []error
	if m.gatewayServer != nil {
		errs = append(errs, m.gatewayServer.Shutdown(ctx))
	}
	if m.gateway != nil {
		// Webhooks not yet delivered stay in the gateway's data file.
		errs = append(errs, m.gateway.Close())
	}
	if m.server != nil {
		errs = append(errs, m.server.Shutdown(ctx))
	}
	if m.adminServer != nil {
		errs = append(errs, m.adminServer.Shutdown(ctx))
	}
	if m.debugServer != nil {
		// Close, not Shutdown: a CPU profile in progress need not finish.
		errs = append(errs, m.debugServer.Close())
	}
	if m.jobs != nil {
		errs = append(errs, m.jobs.Stop(ctx))
	}
	if m.stop != nil {
		m.stop()
	}
	m.wg.Wait()
	m.changes.Close()
	if m.web != nil {
		errs = append(errs, m.web.Close())
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
	}
	return errors.Join(errs...)
}

// migrateAll applies Kaede's migrations and the job queue's.
func migrateAll(ctx context.Context, d *db.DB) error {
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, d)
}

// checkSchema refuses a database whose schema is behind the code.
func checkSchema(ctx context.Context, d *db.DB) error {
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	return jobs.CheckSchema(ctx, d)
}
