package main

import (
	"strings"
	"testing"
)

func TestConfigValidateNamesTheSetting(t *testing.T) {
	good := Config{Addr: "127.0.0.1:8080", DataDir: "d", MailFrom: "shop@example.jp",
		Secret: strings.Repeat("s", 32)}
	good.finish()
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, "KAEDE_ADDR"},
		{"base url scheme", func(c *Config) { c.BaseURL = "ftp://shop.example" }, "KAEDE_BASE_URL"},
		{"base url path", func(c *Config) { c.BaseURL = "https://shop.example/store" }, "KAEDE_BASE_URL"},
		{"base url relative", func(c *Config) { c.BaseURL = "/shop" }, "KAEDE_BASE_URL"},
		{"no data dir", func(c *Config) { c.DataDir = "" }, "KAEDE_DATA_DIR"},
		{"mysql", func(c *Config) { c.DatabaseURL = "mysql://root@localhost/kaede" }, "KAEDE_DATABASE_URL"},
		{"short secret", func(c *Config) { c.Secret = "short" }, "KAEDE_SECRET"},
		{"mail from", func(c *Config) { c.MailFrom = "nobody" }, "KAEDE_MAIL_FROM"},
		{"admin allow-list", func(c *Config) { c.Admin.Allow = "10.0.0.0/33" }, "KAEDE_ADMIN_ALLOW"},
		{"admin addr", func(c *Config) { c.Admin.Addr = "admin" }, "KAEDE_ADMIN_ADDR"},
		{"trusted proxies", func(c *Config) { c.TrustedProxies = "10.0.0.0/8, proxy.local" }, "KAEDE_TRUSTED_PROXIES"},
		{"debug addr without port", func(c *Config) { c.DebugAddr = "127.0.0.1" }, "KAEDE_DEBUG_ADDR"},
		{"debug addr on every interface", func(c *Config) { c.DebugAddr = ":6060" }, "KAEDE_DEBUG_ADDR"},
		{"debug addr public", func(c *Config) { c.DebugAddr = "192.0.2.1:6060" }, "KAEDE_DEBUG_ADDR"},
		{"mail from injection", func(c *Config) { c.MailFrom = "a@b.jp\r\nBcc: x@y.jp" }, "KAEDE_MAIL_FROM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err=%v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestDemoAndServeAcceptTrustedProxies(t *testing.T) {
	for _, cmd := range []string{"demo", "serve"} {
		t.Run(cmd, func(t *testing.T) {
			t.Setenv("KAEDE_SECRET", strings.Repeat("s", 32))
			t.Setenv("KAEDE_DATA_DIR", t.TempDir())
			var out, errs strings.Builder
			err := run(t.Context(), []string{cmd, "--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/33"}, &out, &errs)
			if err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
				t.Fatalf("err=%v, want one naming --trusted-proxies", err)
			}
		})
	}
}

func TestServeRefusesBadEnvironment(t *testing.T) {
	t.Setenv("KAEDE_SECRET", strings.Repeat("s", 32))
	t.Setenv("KAEDE_SMTP_URL", "smtp://")
	t.Setenv("KAEDE_DATA_DIR", t.TempDir())
	var out, errs strings.Builder
	err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "KAEDE_SMTP_URL") {
		t.Fatalf("err=%v, want one naming KAEDE_SMTP_URL", err)
	}
}

func TestServeRefusesUnmigratedDatabase(t *testing.T) {
	t.Setenv("KAEDE_SECRET", strings.Repeat("s", 32))
	t.Setenv("KAEDE_SMTP_URL", "")
	t.Setenv("KAEDE_DATA_DIR", t.TempDir())
	var out, errs strings.Builder
	err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "kaede migrate") {
		t.Fatalf("err=%v, want one telling to run kaede migrate", err)
	}
}

func TestServeRefusesSecretFileThatIsMissing(t *testing.T) {
	t.Setenv("KAEDE_SECRET_FILE", "/nonexistent/secret")
	var out, errs strings.Builder
	err := run(t.Context(), []string{"serve"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "KAEDE_SECRET_FILE") {
		t.Fatalf("err=%v, want one naming KAEDE_SECRET_FILE", err)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, cmd := range []string{"demo", "serve", "migrate", "outbox", "switch"} {
		var out, errs strings.Builder
		err := run(t.Context(), []string{cmd, "--help"}, &out, &errs)
		if err == nil || !strings.Contains(errs.String(), "Usage: kaede "+cmd) {
			t.Errorf("%s --help: err=%v, output %q", cmd, err, errs.String())
		}
	}
}
