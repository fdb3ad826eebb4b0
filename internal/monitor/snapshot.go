// Package monitor is the tamper monitor of PCI DSS 11.6.1: it walks the
// payment pages through the store's public address, exactly as a
// customer's browser receives them, records what could change them (the
// security headers, every script, stylesheet, inline handler, frame and
// form, and the content of every script and stylesheet they load), and
// compares that record with an approved baseline.
//
// What differs between two responses of an unchanged page (CSP nonces,
// CSRF tokens, idempotency keys, session cookie values, request ids) is
// left out or normalised, so two walks of an unchanged store give
// byte-identical snapshots.
package monitor

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// FormatVersion is the version of the snapshot's JSON form. A baseline of
// another version cannot be compared and must be taken again.
const FormatVersion = 1

// Snapshot is one walk of the payment pages: what the customer's browser
// received. Its JSON form (Encode) is stable and is what a baseline stores.
type Snapshot struct {
	Version int    `json:"version"`
	BaseURL string `json:"base_url"`
	// Pages in the order the walk visited them.
	Pages []Page `json:"pages"`
	// Cookies are the flags of every cookie the walk was given, by name.
	Cookies []Cookie `json:"cookies"`
	// Resources are the scripts and stylesheets the pages load, fetched
	// and hashed, sorted by URL.
	Resources []Resource `json:"resources"`
	// PaymentMethod is the method the walk chose at checkout: "card" when
	// the store offers it.
	PaymentMethod string `json:"payment_method"`
	// Conditions are the switch positions the walk was taken under
	// (Conditions.String); empty when every switch is normal, so that a
	// snapshot of the normal store encodes as it always did.
	Conditions string `json:"conditions,omitempty"`
	// CardOrigins are the other origins the card step may send the
	// customer to: cross-origin form actions and redirects, and the
	// form-action sources of its CSP. They must all be the provider's.
	CardOrigins []string `json:"card_origins"`
	// ProviderOrigins are the configured provider's page origins at the
	// time of the walk: what CardOrigins may hold.
	ProviderOrigins []string `json:"provider_origins"`
	// Mode is how the pages were walked: "" for the HTTP walk alone (so
	// that its snapshots encode as they always did), ModeBrowser when a
	// real browser also walked them and each page records what ran.
	Mode string `json:"mode,omitempty"`
}

// Page is one payment page as received.
type Page struct {
	// Name is the page's path as configured ("/checkout", "/checkout/confirm").
	Name   string `json:"name"`
	Method string `json:"method"`
	// URL is the address the page came from after any redirect.
	URL    string `json:"url"`
	Status int    `json:"status"`
	// Redirects are the addresses the request was redirected through.
	Redirects []string `json:"redirects,omitempty"`
	// Headers are the security-impacting response headers, by name.
	Headers []Header `json:"headers"`
	// CSP is the enforced Content-Security-Policy, parsed.
	CSP []Directive `json:"csp,omitempty"`
	// Base is the href of the page's <base> element, which changes how
	// every relative address on it resolves.
	Base           string         `json:"base,omitempty"`
	Meta           []Meta         `json:"meta,omitempty"`
	Scripts        []Script       `json:"scripts"`
	InlineScripts  []InlineScript `json:"inline_scripts"`
	Handlers       []Handler      `json:"handlers"`
	JavascriptURLs []Handler      `json:"javascript_urls"`
	Frames         []Frame        `json:"frames"`
	Stylesheets    []Stylesheet   `json:"stylesheets"`
	Forms          []Form         `json:"forms"`
	// Executed are the scripts a real browser ran on the page, and
	// Requests every request the page made in it (browser mode only): what
	// only appears at run time, such as a script another script inserts.
	Executed []ExecutedScript `json:"executed,omitempty"`
	Requests []Request        `json:"requests,omitempty"`
}

// ExecutedScript is a script the browser compiled and ran on a page.
type ExecutedScript struct {
	// Source is the script's address, or "inline" for code in the page
	// (an element or an event handler), or "eval" for code another script
	// compiled from a string.
	Source string `json:"source"`
	SHA384 string `json:"sha384"`
	// Excerpt is the start of inline and eval code, for a person.
	Excerpt string `json:"excerpt,omitempty"`
}

// Request is one request a page made in the browser: its origin and path
// (the query, which carries tokens and cache busters, is left out).
type Request struct {
	URL  string `json:"url"`
	Type string `json:"type"` // the browser's resource type: Document, Script, Fetch, Image…
	// Blocked is why the browser refused it (csp, mixed-content…), empty
	// when it was sent.
	Blocked string `json:"blocked,omitempty"`
}

// Header is one response header, normalised (nonces replaced).
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Directive is one CSP directive with its sources, nonces normalised to
// 'nonce'.
type Directive struct {
	Name    string   `json:"name"`
	Sources []string `json:"sources,omitempty"`
}

// Meta is a <meta http-equiv> element, which can set a policy or redirect.
type Meta struct {
	HTTPEquiv string `json:"http_equiv"`
	Content   string `json:"content"`
}

// Script is a <script src>.
type Script struct {
	Src       string `json:"src"`
	Type      string `json:"type,omitempty"`
	Integrity string `json:"integrity,omitempty"`
	// Nonce says whether the element carries a nonce; its value changes
	// with every response and is never recorded.
	Nonce bool `json:"nonce"`
}

// InlineScript is a <script> with its code in the page.
type InlineScript struct {
	SHA384 string `json:"sha384"`
	Type   string `json:"type,omitempty"`
	Nonce  bool   `json:"nonce"`
	// Excerpt is the start of the code, for a person reading the diff.
	Excerpt string `json:"excerpt"`
}

// Handler is an event-handler attribute (onclick=…) or a javascript: URL.
type Handler struct {
	Element string `json:"element"`
	Attr    string `json:"attr"`
	SHA384  string `json:"sha384"`
	Excerpt string `json:"excerpt"`
}

// Frame is an <iframe>, <frame>, <object> or <embed>: another document or
// plugin inside the page.
type Frame struct {
	Element string `json:"element"`
	Src     string `json:"src"`
}

// Stylesheet is a <link rel=stylesheet>.
type Stylesheet struct {
	Href      string `json:"href"`
	Integrity string `json:"integrity,omitempty"`
}

// Form is a <form>: where it sends what it holds.
type Form struct {
	Action string `json:"action"`
	Method string `json:"method"`
	// FormActions are the formaction addresses of its buttons.
	FormActions []string `json:"form_actions,omitempty"`
	// Fields are its controls as "name:type", sorted: a form that
	// suddenly asks for a card number shows here.
	Fields []string `json:"fields"`
}

// Cookie is how a cookie is set; never its value.
type Cookie struct {
	Name string `json:"name"`
	// Flags are the distinct attribute sets the walk saw for the cookie,
	// e.g. "HttpOnly; Secure; SameSite=Lax; Path=/".
	Flags []string `json:"flags"`
}

// Resource is a script or stylesheet fetched and hashed.
type Resource struct {
	URL  string `json:"url"`
	Kind string `json:"kind"` // "script" or "stylesheet"
	// SHA384 is the body's hash in SRI form (sha384-…); empty when the
	// fetch failed.
	SHA384 string `json:"sha384,omitempty"`
	// Failed says why the resource could not be fetched and hashed.
	Failed string `json:"failed,omitempty"`
}

// Encode is the snapshot's stable JSON form: the same snapshot always
// gives the same bytes.
func (s *Snapshot) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	return b.Bytes(), nil
}

// Digest is "sha256:" and the hex SHA-256 of the encoded snapshot: two
// snapshots with the same digest are the same.
func (s *Snapshot) Digest() (string, error) {
	b, err := s.Encode()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Decode reads a snapshot that Encode wrote.
func Decode(b []byte) (*Snapshot, error) {
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	if s.Version != FormatVersion {
		return nil, fmt.Errorf("decode snapshot: version %d, want %d: take a new baseline", s.Version, FormatVersion)
	}
	return &s, nil
}
