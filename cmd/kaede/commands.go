package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"

	"kaede/internal/db"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/shop"
)

// runDemo runs the store with demo data on the embedded database.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("demo", "Runs the store with demo data on the embedded SQLite database.\nDemo data is created only when the data directory is empty; later starts keep what customers did.\nWith --scenario breach, a new data directory also gets a year of orders from about 3,000 customers,\nand the card buyers of one 303-day window are the victims of a card-data breach: play the incident.", stderr)
	cfg.bindFlags(fs, defaultDemoDir())
	cfg.Scenario.bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Scenario.validate(); err != nil {
		return err
	}
	if err := cfg.loadSecrets(); err != nil {
		return err
	}
	cfg.Demo = true
	if cfg.Card.Provider == "" || (cfg.Card.Provider == "gateway" && cfg.Card.GatewayURL == "") {
		// The demo takes cards through its own test gateway, on the port
		// after the store's, with keys kept in the data directory.
		cfg.Card.Provider, cfg.Card.RunGateway = "gateway", true
	}
	cfg.finish()
	if cfg.Secret == "" {
		s, err := demoSecret(cfg.DataDir)
		if err != nil {
			return err
		}
		cfg.Secret = s
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return serveUntilDone(ctx, cfg, stdout, stderr)
}

// runServe runs the store with the configuration from flags and KAEDE_*.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("serve", "Runs the store. Settings come from flags and KAEDE_* environment variables;\nsecrets from KAEDE_SECRET / KAEDE_SMTP_URL or their *_FILE variants.\nThe database must be migrated first (kaede migrate).", stderr)
	cfg.bindFlags(fs, "kaede-data")
	fs.BoolVar(&cfg.Card.RunGateway, "gateway", false, "also run the built-in test card gateway on the port after the store's (testing only; implies --payment-provider gateway)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Card.RunGateway {
		cfg.Card.Provider = "gateway"
	}
	if err := cfg.loadSecrets(); err != nil {
		return err
	}
	cfg.finish()
	if err := cfg.Validate(); err != nil {
		return err
	}
	return serveUntilDone(ctx, cfg, stdout, stderr)
}

// serveUntilDone runs a Main until ctx ends (Ctrl-C, SIGTERM).
func serveUntilDone(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	m := NewMain(cfg, log)
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "Kaede is running.\n  store:  %s/\n  data:   %s\n", m.Config.BaseURL, cfg.DataDir)
	if m.Config.Card.RunGateway {
		fmt.Fprintf(stdout, "  gateway: %s/ (test card payments; try 4242 4242 4242 4242, any future expiry, any 3-digit code)\n", m.Config.Card.GatewayURL)
	}
	fmt.Fprintf(stdout, "  admin:  %s/admin/ (allowed from %s)\n", m.Config.Admin.URL, m.Config.Admin.Allow)
	if cfg.Demo {
		fmt.Fprintf(stdout, "  outbox: %s/demo/outbox (e-mails the demo would have sent)\n", m.Config.BaseURL)
		fmt.Fprintf(stdout, "  staff:  kaede staff add --demo --data %s --email you@example.jp --role owner\n", cfg.DataDir)
	}
	if m.breach != nil {
		printBreach(stdout, *m.breach, m.Clock())
	}
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	<-ctx.Done()
	log.Info("shutting down")
	return m.Close()
}

// openDB opens the database named by the shared flags, for the operator
// commands.
func openDB(ctx context.Context, name, summary string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*db.DB, *flag.FlagSet, error) {
	var cfg Config
	fs := newFlagSet(name, summary, stderr)
	fs.StringVar(&cfg.DataDir, "data", envOr("KAEDE_DATA_DIR", "kaede-data"), "data directory (KAEDE_DATA_DIR)")
	fs.StringVar(&cfg.DatabaseURL, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.finish()
	d, err := db.Open(ctx, cfg.DatabaseURL)
	return d, fs, err
}

// runMigrate brings the schema up to date.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	d, _, err := openDB(ctx, "migrate", "Applies the database migrations that are not applied yet (Kaede's and the job queue's).", args, stderr, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	if err := jobs.Migrate(ctx, d); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s database: %d migration(s) applied; schema is up to date\n", d.Dialect, n)
	return nil
}

// runMember holds the operator's tasks on customer accounts.
func runMember(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "approve-licence" {
		fmt.Fprintln(stderr, "Usage: kaede member approve-licence --email ADDRESS --reviewer NAME [--data DIR | --database URL]")
		return errors.New("unknown or missing member task")
	}
	var email, reviewer string
	d, _, err := openDB(ctx, "member approve-licence", "Approves the member's latest pending practitioner licence, unlocking member prices and practitioners-only products.", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the member's e-mail address")
		fs.StringVar(&reviewer, "reviewer", "", "who checked the licence (recorded with the decision)")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if email == "" || reviewer == "" {
		return errors.New("--email and --reviewer are required")
	}
	if err := checkSchema(ctx, d); err != nil {
		return err
	}
	// The approval e-mail is written to the outbox; the running store's
	// job runner delivers it.
	r, err := jobs.New(d, slog.New(slog.NewTextHandler(stderr, nil)), jobs.Config{})
	if err != nil {
		return err
	}
	members := member.New(d, mail.NewQueue(r, shop.SystemClock), shop.SystemClock, "")
	if err := members.ApproveLicenceByEmail(ctx, email, reviewer); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "licence of %s approved by %s\n", email, reviewer)
	return nil
}

// runOutbox lists the e-mails in the outbox, or prints one.
func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var status string
	var limit int
	d, fs, err := openDB(ctx, "outbox", "Lists the e-mails Kaede has written, newest first; with an id, prints that e-mail.\nUsage: kaede outbox [flags] [ID]", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&status, "status", "", "only e-mails with this status: queued, sent, outbox or failed")
		fs.IntVar(&limit, "limit", 50, "how many e-mails to list")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if fs.NArg() > 0 {
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("ID %q: want a number", fs.Arg(0))
		}
		m, err := mail.Get(ctx, d, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "To: %s\nSubject: %s\nStatus: %s (attempts %d)\nCreated: %s\n\n%s\n",
			m.To, m.Subject, m.Status, m.Attempts, m.CreatedAt.Format("2006-01-02 15:04:05 MST"), m.Body)
		return nil
	}
	list, err := mail.List(ctx, d, mail.Filter{Status: status, Limit: limit})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tKIND\tTO\tSUBJECT")
	for _, m := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", m.ID, m.Status, m.Kind, m.To, m.Subject)
	}
	return tw.Flush()
}
