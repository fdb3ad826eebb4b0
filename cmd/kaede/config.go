package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"kaede/internal/alert"
	"kaede/internal/edge"
)

// Config is everything kaede serve and kaede demo need to start. Values
// come from defaults, then KAEDE_* environment variables (and *_FILE
// variants for secrets), then flags; Validate names the first wrong one.
type Config struct {
	Addr        string // where the store listens
	BaseURL     string // the store's public URL, for links in e-mails
	DataDir     string // SQLite file (by default) and media
	DatabaseURL string // postgres://… or a SQLite path
	SMTPURL     string // smtp://user:pass@host:port; empty: mail stays in the outbox
	MailFrom    string
	Secret      string // keys CSRF tokens; at least 32 characters
	Demo        bool
	// Scenario is the story the demo plays on its data (scenario.go).
	Scenario ScenarioConfig
	// TrustedProxies are the reverse proxies (comma-separated CIDRs) whose
	// X-Forwarded-For names the client, for the store and the admin alike.
	TrustedProxies string
	Card           CardConfig    // card payments (payments.go)
	Admin          AdminConfig   // the admin's listener and allow-list (admin_wiring.go)
	Monitor        MonitorConfig // the tamper monitor (monitor.go)
	// AlertWebhookURL and AlertWebhookSecret: where security alerts are
	// POSTed as signed JSON besides the staff's e-mail (internal/alert).
	AlertWebhookURL    string
	AlertWebhookSecret string
	Backup             BackupConfig // the scheduled backup (backup.go)
	// DebugAddr is the loopback address of the profiling listener
	// (debug.go); empty: none.
	DebugAddr string
}

// envOr returns the environment variable name, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// secretFromEnv reads NAME, or the file named by NAME_FILE. Secrets belong
// in the environment or in files, never in the repository or on a command
// line where ps shows them.
func secretFromEnv(name string) (string, error) {
	if path := os.Getenv(name + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return os.Getenv(name), nil
}

// bindFlags registers the flags shared by serve and demo on fs, with
// defaults taken from the environment.
func (c *Config) bindFlags(fs *flag.FlagSet, defaultData string) {
	fs.StringVar(&c.Addr, "addr", envOr("KAEDE_ADDR", "127.0.0.1:8080"), "listen address (KAEDE_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", envOr("KAEDE_BASE_URL", ""), "public base URL, default http://ADDR (KAEDE_BASE_URL)")
	fs.StringVar(&c.DataDir, "data", envOr("KAEDE_DATA_DIR", defaultData), "data directory: SQLite database and media (KAEDE_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL: postgres://… or a SQLite file, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	fs.StringVar(&c.MailFrom, "mail-from", envOr("KAEDE_MAIL_FROM", "no-reply@kaede.example"), "sender address of e-mails (KAEDE_MAIL_FROM)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", envOr("KAEDE_TRUSTED_PROXIES", ""), "comma-separated CIDRs of the reverse proxies whose X-Forwarded-For names the client (KAEDE_TRUSTED_PROXIES)")
	fs.StringVar(&c.AlertWebhookURL, "alert-webhook-url", envOr("KAEDE_ALERT_WEBHOOK_URL", ""), "https URL that receives security alerts as signed JSON (KAEDE_ALERT_WEBHOOK_URL)")
	fs.StringVar(&c.DebugAddr, "debug-addr", envOr("KAEDE_DEBUG_ADDR", ""), "loopback address of a profiling listener (Go pprof), e.g. 127.0.0.1:6060; empty: none (KAEDE_DEBUG_ADDR)")
	c.Card.bindFlags(fs)
	c.Admin.bindFlags(fs)
	c.Monitor.bindFlags(fs)
	c.Backup.bindFlags(fs)
}

// proxies reads TrustedProxies, naming the setting when it is wrong.
func (c *Config) proxies() (edge.Proxies, error) {
	p, err := edge.ParseProxies(c.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("KAEDE_TRUSTED_PROXIES / --trusted-proxies: %w", err)
	}
	return p, nil
}

// loadSecrets fills the secret settings from the environment.
func (c *Config) loadSecrets() error {
	var err error
	if c.SMTPURL, err = secretFromEnv("KAEDE_SMTP_URL"); err != nil {
		return err
	}
	if c.Secret, err = secretFromEnv("KAEDE_SECRET"); err != nil {
		return err
	}
	if c.AlertWebhookSecret, err = secretFromEnv("KAEDE_ALERT_WEBHOOK_SECRET"); err != nil {
		return err
	}
	if err := c.Backup.loadSecrets(); err != nil {
		return err
	}
	return c.Card.loadSecrets()
}

// finish derives the defaults that depend on other settings.
func (c *Config) finish() {
	if c.DatabaseURL == "" && c.DataDir != "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "kaede.db")
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.Admin.finish(c.BaseURL)
	c.Card.finish()
	c.Monitor.finish()
}

// Validate checks every setting and names the first wrong one.
func (c *Config) Validate() error {
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return fmt.Errorf("KAEDE_ADDR / --addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("KAEDE_BASE_URL / --base-url %q: want http(s)://host[:port] with no path or query", c.BaseURL)
	}
	if c.DataDir == "" {
		return errors.New("KAEDE_DATA_DIR / --data: must not be empty (media are stored there)")
	}
	if c.DatabaseURL == "" {
		return errors.New("KAEDE_DATABASE_URL / --database: must not be empty")
	}
	if strings.Contains(c.DatabaseURL, "://") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("KAEDE_DATABASE_URL / --database: scheme not supported (want postgres:// or a SQLite file path)")
	}
	if len(c.Secret) < 32 {
		return errors.New("KAEDE_SECRET (or KAEDE_SECRET_FILE): must hold at least 32 characters")
	}
	if c.MailFrom == "" || !strings.Contains(c.MailFrom, "@") || strings.ContainsAny(c.MailFrom, "\r\n<>") {
		return fmt.Errorf("KAEDE_MAIL_FROM / --mail-from %q: want an e-mail address", c.MailFrom)
	}
	if _, err := c.proxies(); err != nil {
		return err
	}
	if err := validateDebugAddr(c.DebugAddr); err != nil {
		return err
	}
	if err := c.Admin.validate(); err != nil {
		return err
	}
	if err := c.Monitor.validate(); err != nil {
		return err
	}
	if err := c.Backup.validate(); err != nil {
		return err
	}
	if err := c.alerts().Validate(); err != nil {
		return err
	}
	return c.Card.Validate()
}

// alerts is the security alerts' configuration.
func (c *Config) alerts() alert.Config {
	return alert.Config{AdminURL: c.Admin.URL, WebhookURL: c.AlertWebhookURL, WebhookSecret: c.AlertWebhookSecret}
}

// demoSecret returns the secret kept in the demo's data directory, making
// one on first start, so that a restarted demo keeps its sessions.
func demoSecret(dir string) (string, error) {
	path := filepath.Join(dir, "secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	s := hex.EncodeToString(buf)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write demo secret: %w", err)
	}
	return s, nil
}

// defaultDemoDir is the user's cache directory, or ./kaede-demo when the
// system has none.
func defaultDemoDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "kaede-demo")
	}
	return "kaede-demo"
}
