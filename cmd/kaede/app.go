package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"kaede/internal/audit"
	"kaede/internal/cardpay"
	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/demo"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
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

	// The test gateway, when this process runs it (the demo).
	gateway       *gateway.Server
	gatewayServer *http.Server
}

// NewMain returns a store that will run with cfg.
func NewMain(cfg Config, log *slog.Logger) *Main {
	return &Main{Config: cfg, Log: log, Clock: shop.SystemClock}
}

// Run opens the database, prepares it (the demo migrates and seeds; serve
// refuses a schema that is behind), starts the job runner and the HTTP
// server, and returns once the store is listening.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	var smtp *mail.SMTPConfig
	if cfg.SMTPURL != "" {
		c, err := mail.ParseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return fmt.Errorf("KAEDE_SMTP_URL: %w", err)
		}
		smtp = &c
	}
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	m.db = d
	if cfg.Demo {
		if err := migrateAll(ctx, d); err != nil {
			return err
		}
	} else if err := checkSchema(ctx, d); err != nil {
		return err
	}
	if err := web.EnsureDefaultContent(ctx, d, m.Clock()); err != nil {
		return err
	}

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
		m.Config.BaseURL, m.Config.Admin.URL = cfg.BaseURL, cfg.Admin.URL
	}
	if cfg.Card.RunGateway {
		if err := m.startGateway(m.listener.Addr(), cfg.BaseURL); err != nil {
			return err
		}
		cfg.Card = m.Config.Card
	}

	sender, err := mail.NewSendWorker(d, mail.Delivery{SMTP: smtp, From: cfg.MailFrom}, m.Clock, m.Log)
	if err != nil {
		return err
	}
	cardJobs := &cardpay.Jobs{}
	jobsCfg := jobs.Config{Register: sender.Register}
	if cfg.Card.Provider != "" {
		jobsCfg.Register = func(ws *river.Workers) {
			sender.Register(ws)
			cardJobs.Register(ws)
		}
		jobsCfg.Periodic = cardpay.PeriodicJobs()
	}
	m.jobs, err = jobs.New(d, m.Log, jobsCfg)
	if err != nil {
		return err
	}
	queue := mail.NewQueue(m.jobs, m.Clock)
	mediaDir := filepath.Join(cfg.DataDir, "media")
	cat := catalog.New(d, m.Clock)
	// Storefront reads may be two seconds old: stock and prices are
	// checked again in the database when an item goes into the cart and
	// when the order is placed.
	cat.EnableCache(2 * time.Second)
	carts := cart.New(d, m.Clock)
	orders := order.New(d, queue, m.Clock)
	checkouts := checkout.New(d, carts, orders, queue, m.Clock, cfg.BaseURL)
	payments, err := m.newPayments(d, orders, cfg.BaseURL)
	if err != nil {
		return err
	}
	if payments != nil {
		cardJobs.Use(payments)
		if err := checkouts.EnableCard(checkout.CardOptions{Provider: payments.Provider().Name(),
			Capture: cfg.Card.Capture, TTL: cfg.Card.OrderTTL}); err != nil {
			return err
		}
	}
	if cfg.Demo {
		err := demo.Seed(ctx, d, cat, mediaDir, m.Clock())
		switch {
		case err == nil:
			m.Log.Info("demo data created", "data", cfg.DataDir)
		case errors.Is(err, demo.ErrNotEmpty):
			m.Log.Info("demo data kept from an earlier start", "data", cfg.DataDir)
		default:
			return fmt.Errorf("seed demo data: %w", err)
		}
	}
	members := member.New(d, queue, m.Clock, cfg.BaseURL)
	news := content.New(d, m.Clock)
	proxies, err := cfg.proxies()
	if err != nil {
		return err
	}
	m.web, err = web.New(web.Config{
		BaseURL:        cfg.BaseURL,
		Secret:         []byte(cfg.Secret),
		Demo:           cfg.Demo,
		MediaDir:       mediaDir,
		TrustedProxies: proxies,
	}, web.Deps{
		DB:       d,
		Logger:   m.Log,
		Clock:    m.Clock,
		Catalog:  cat,
		Carts:    carts,
		Checkout: checkouts,
		Orders:   orders,
		Members:  members,
		Payments: payments,
		Content:  news,
	})
	if err != nil {
		return err
	}
	adm, err := m.newAdmin(d, adminServices{catalog: cat, orders: orders, members: members,
		payments: payments, queue: queue, mediaDir: mediaDir, content: news})
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
	bg, stop := context.WithCancel(context.Background())
	m.stop = stop
	if err := m.jobs.Start(bg); err != nil {
		return err
	}
	m.wg.Add(2)
	go func() {
		defer m.wg.Done()
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server stopped", "error", err)
		}
	}()
	go func() {
		defer m.wg.Done()
		m.housekeeping(bg)
	}()
	return nil
}

// housekeeping runs now and then every hour: it deletes expired sessions
// and logs the audit log's head. Logs leave the machine (a log service, a
// syslog host), so a head recorded there is what shows that someone with
// database access rewrote the whole chain, head row included.
func (m *Main) housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := m.web.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			m.Log.Warn("purge sessions", "error", err)
		} else if n > 0 {
			m.Log.Info("expired sessions purged", "count", n)
		}
		if id, hash, err := audit.Head(ctx, m.db); err != nil && ctx.Err() == nil {
			m.Log.Warn("read audit head", "error", err)
		} else if err == nil {
			m.Log.Info("audit head", "entry", id, "hash", hash)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
	if m.jobs != nil {
		errs = append(errs, m.jobs.Stop(ctx))
	}
	if m.stop != nil {
		m.stop()
	}
	m.wg.Wait()
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
