package monitor

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Config is what the walker walks and how far it may go.
type Config struct {
	// BaseURL is the store's public address, exactly what customers use,
	// through any proxy or CDN in front: https://shop.example.
	BaseURL string
	// ProviderOrigins are the configured card provider's page origins
	// (https://checkout.stripe.com): the only other origins the card step
	// may send a customer to.
	ProviderOrigins []string

	// StartPath is where the walker looks for a product to put in the
	// cart (links under ProductPrefix), unless ProductPath names one.
	StartPath     string
	ProductPrefix string
	ProductPath   string
	// AddPath is the add-to-cart form's action.
	AddPath string
	// Pages are the payment pages fetched with GET once the cart holds an
	// item, in order; CheckoutPath, one of them, holds the checkout form.
	Pages        []string
	CheckoutPath string
	// ConfirmPath is the checkout form's action: posting it shows the
	// final confirmation screen (the card step) and places nothing.
	ConfirmPath string
	// LinePathPrefix and the SKU are a cart line's form action; the walker
	// empties its cart there when done.
	LinePathPrefix string

	// Email and Address fill the checkout form as a guest. The address
	// fields are named as the form names them.
	Email   string
	Address map[string]string
	// UserAgent is sent with every request. It looks like a browser by
	// default: skimmers are known to hide from visitors that look like
	// robots.
	UserAgent string

	// RequestTimeout bounds each request; MaxPageBytes each body;
	// MaxTotalBytes all bodies of one walk; MaxFetches the scripts and
	// stylesheets fetched in one walk.
	RequestTimeout time.Duration
	MaxPageBytes   int64
	MaxTotalBytes  int64
	MaxFetches     int

	// Transport carries the requests; nil means a transport of its own.
	Transport http.RoundTripper

	// Browser is the path of a Chromium binary: when set, a headless
	// Chromium also walks the pages with the walk's session and records
	// what ran and what was asked (ModeBrowser). Empty: the HTTP walk alone.
	Browser string
	// BrowserTimeout bounds the browser's whole walk, its start included.
	BrowserTimeout time.Duration
	// BrowserSettle bounds the wait, after a page has loaded, for its
	// network to fall idle (no request for half a second): the time given
	// to code that loads more code.
	BrowserSettle time.Duration
}

// DefaultUserAgent is a current desktop Chrome's.
const DefaultUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// DefaultAddress is the monitor's guest address: a real-looking address
// that checkout accepts. No order is ever placed with it.
var DefaultAddress = map[string]string{
	"shipping_address.name":        "監視 テスト",
	"shipping_address.name_kana":   "カンシ テスト",
	"shipping_address.postal_code": "100-0001",
	"shipping_address.prefecture":  "13",
	"shipping_address.city":        "千代田区",
	"shipping_address.line1":       "千代田1-1",
	"shipping_address.phone":       "03-0000-0000",
}

// withDefaults fills what cfg leaves empty with Kaede's routes and sane
// limits, and checks the rest.
func (cfg Config) withDefaults() (Config, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("monitor: base URL %q: want http(s)://host", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	for _, o := range cfg.ProviderOrigins {
		if p, err := url.Parse(o); err != nil || p.Scheme == "" || p.Host == "" || (p.Path != "" && p.Path != "/") {
			return cfg, fmt.Errorf("monitor: provider origin %q: want scheme://host[:port]", o)
		}
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.StartPath, "/")
	def(&cfg.ProductPrefix, "/products/")
	def(&cfg.AddPath, "/cart/items")
	def(&cfg.CheckoutPath, "/checkout")
	def(&cfg.ConfirmPath, "/checkout/confirm")
	def(&cfg.LinePathPrefix, "/cart/items/")
	def(&cfg.Email, "monitor@invalid")
	def(&cfg.UserAgent, DefaultUserAgent)
	if cfg.Pages == nil {
		cfg.Pages = []string{"/cart", "/checkout"}
	}
	if cfg.Address == nil {
		cfg.Address = DefaultAddress
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	if cfg.MaxPageBytes <= 0 {
		cfg.MaxPageBytes = 2 << 20
	}
	if cfg.MaxTotalBytes <= 0 {
		cfg.MaxTotalBytes = 16 << 20
	}
	if cfg.BrowserTimeout <= 0 {
		cfg.BrowserTimeout = time.Minute
	}
	if cfg.BrowserSettle <= 0 {
		cfg.BrowserSettle = 5 * time.Second
	}
	if cfg.MaxFetches <= 0 {
		cfg.MaxFetches = 40
	}
	for _, p := range append(append([]string{cfg.StartPath, cfg.AddPath, cfg.CheckoutPath, cfg.ConfirmPath}, cfg.Pages...), cfg.ProductPath) {
		if p != "" && !strings.HasPrefix(p, "/") {
			return cfg, fmt.Errorf("monitor: path %q: want a path starting with /", p)
		}
	}
	if !slices.Contains(cfg.Pages, cfg.CheckoutPath) {
		return cfg, errors.New("monitor: the checkout path must be one of the pages walked")
	}
	return cfg, nil
}
