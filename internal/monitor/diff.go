package monitor

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Kind is what changed.
type Kind string

// The kinds of difference.
const (
	HeaderAdded     Kind = "header-added"
	HeaderRemoved   Kind = "header-removed"
	HeaderChanged   Kind = "header-changed"
	CSPWeakened     Kind = "csp-weakened"
	CookieChanged   Kind = "cookie-changed"
	ScriptAdded     Kind = "script-added"
	ScriptRemoved   Kind = "script-removed"
	ScriptChanged   Kind = "script-changed" // its attributes: integrity, nonce, type
	HashChanged     Kind = "hash-changed"   // the content of a script or stylesheet
	InlineChanged   Kind = "inline-script"
	EventHandler    Kind = "event-handler"
	JavascriptURL   Kind = "javascript-url"
	Iframe          Kind = "iframe"
	StylesheetDiff  Kind = "stylesheet"
	FormAdded       Kind = "form-added"
	FormRemoved     Kind = "form-removed"
	FormChanged     Kind = "form-action-changed"
	RedirectOrigin  Kind = "redirect-origin-changed"
	PaymentMethod   Kind = "payment-method-changed"
	FetchFailed     Kind = "fetch-failed"
	PageChanged     Kind = "page-changed" // walked or not, its address, <base>, <meta http-equiv>
	VersionMismatch Kind = "version-mismatch"
	// What only the browser walk sees.
	ScriptRan     Kind = "script-executed"        // a script ran that did not before
	RequestOrigin Kind = "request-origin"         // a page asked an origin no page asked before
	RequestAdded  Kind = "request-added"          // a page asked a new address of a known origin
	RequestGone   Kind = "request-no-longer-made" // a page no longer asks an address
)

// Severity is a hint for the alert: whether the change can let a skimmer
// in (critical), weakens or hides something (warning), or is harmless on
// its face (notice). The alerting side decides with the release manifest
// whether the change was expected.
type Severity string

// The severities, most severe first.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Notice   Severity = "notice"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Difference is one change between the baseline and a walk, ready to show
// a person.
type Difference struct {
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Page is the page's name, or "" for the walk as a whole (cookies,
	// fetched files, the card step's origins).
	Page string `json:"page"`
	// Subject is what changed: a header's name, a script's address.
	Subject string `json:"subject"`
	Before  string `json:"before"`
	After   string `json:"after"`
}

func (d Difference) String() string {
	page := d.Page
	if page == "" {
		page = "(walk)"
	}
	return fmt.Sprintf("%s %s %s %s: %q → %q", d.Severity, d.Kind, page, d.Subject, d.Before, d.After)
}

// Diff lists how current differs from baseline, most severe first, in an
// order that depends only on the two snapshots.
func Diff(baseline, current *Snapshot) []Difference {
	return diff(baseline, current, true)
}

// diff compares; a walk that was not complete is compared only on the
// pages it reached.
func diff(baseline, current *Snapshot, complete bool) []Difference {
	d := &differ{}
	if baseline == nil || current == nil {
		return nil
	}
	if baseline.Version != current.Version {
		d.add(VersionMismatch, Warning, "", "snapshot format", strconv.Itoa(baseline.Version), strconv.Itoa(current.Version))
		return d.out
	}
	d.origins = requestOrigins(baseline)
	order := map[string]int{}
	key := func(p Page) string { return p.Method + " " + p.Name }
	before := map[string]Page{}
	for _, p := range baseline.Pages {
		before[key(p)] = p
	}
	for _, p := range current.Pages {
		order[p.Name] = len(order)
		if b, ok := before[key(p)]; ok {
			d.page(b, p)
		} else {
			d.add(PageChanged, Notice, p.Name, "page", "", "walked")
		}
	}
	if complete {
		seen := map[string]bool{}
		for _, p := range current.Pages {
			seen[key(p)] = true
		}
		for _, p := range baseline.Pages {
			if !seen[key(p)] {
				order[p.Name] = len(order)
				d.add(PageChanged, Warning, p.Name, "page", "walked", "not walked")
			}
		}
		d.cookies(baseline.Cookies, current.Cookies)
		d.resources(baseline.Resources, current.Resources)
		d.cardStep(baseline, current)
	}
	sort.SliceStable(d.out, func(i, j int) bool {
		a, b := d.out[i], d.out[j]
		if a.Severity.rank() != b.Severity.rank() {
			return a.Severity.rank() < b.Severity.rank()
		}
		if pa, pb := pageRank(order, a.Page), pageRank(order, b.Page); pa != pb {
			return pa < pb
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if a.Before != b.Before {
			return a.Before < b.Before
		}
		return a.After < b.After
	})
	return d.out
}

// pageRank orders differences by the page's place in the walk; the walk's
// own come last.
func pageRank(order map[string]int, page string) int {
	if page == "" {
		return len(order)
	}
	return order[page]
}

type differ struct {
	out []Difference
	// origins are those the baseline's pages asked in the browser, and
	// the store's own: a request elsewhere is news.
	origins map[string]bool
}

func (d *differ) add(k Kind, s Severity, page, subject, before, after string) {
	d.out = append(d.out, Difference{Kind: k, Severity: s, Page: page, Subject: subject, Before: before, After: after})
}

// page compares one page's two records.
func (d *differ) page(b, c Page) {
	name := c.Name
	if b.URL != c.URL || b.Status != c.Status {
		d.add(PageChanged, Warning, name, "address", fmt.Sprintf("%d %s", b.Status, b.URL), fmt.Sprintf("%d %s", c.Status, c.URL))
	}
	if hb, hc := strings.Join(b.Redirects, " → "), strings.Join(c.Redirects, " → "); hb != hc {
		sev := Warning
		if leavesOrigin(c.URL, c.Redirects) {
			sev = Critical
		}
		d.add(RedirectOrigin, sev, name, "redirects", hb, hc)
	}
	if c.Status/100 == 3 {
		// A redirect elsewhere, not followed: there is no page to compare.
		return
	}
	d.headers(name, b, c)
	if b.Base != c.Base {
		d.add(PageChanged, Critical, name, "<base href>", b.Base, c.Base)
	}
	d.set(name, PageChanged, "<meta http-equiv>", metaKeys(b.Meta), metaKeys(c.Meta), Critical, Warning)
	d.scripts(name, b.Scripts, c.Scripts)
	d.set(name, InlineChanged, "inline script", inlineKeys(b.InlineScripts), inlineKeys(c.InlineScripts), Critical, Warning)
	d.set(name, EventHandler, "event handler", handlerKeys(b.Handlers), handlerKeys(c.Handlers), Critical, Warning)
	d.set(name, JavascriptURL, "javascript: URL", handlerKeys(b.JavascriptURLs), handlerKeys(c.JavascriptURLs), Critical, Warning)
	d.set(name, Iframe, "frame", frameKeys(b.Frames), frameKeys(c.Frames), Critical, Warning)
	d.stylesheets(name, b.Stylesheets, c.Stylesheets)
	d.forms(name, b.Forms, c.Forms)
	// A page the browser reached asked for itself at least: without
	// requests, the browser did not record it (the HTTP mode, or a browser
	// walk that went blind before it), and there is nothing to compare.
	if b.Requests != nil && c.Requests != nil {
		d.executed(name, b.Executed, c.Executed)
		d.requests(name, b.Requests, c.Requests)
	}
}

// headers compares the watched headers of a page. A removed security
// header is critical (the standard's guidance: CSP cannot see one that
// vanished); a weakened CSP or HSTS too; other changes are warnings.
func (d *differ) headers(page string, b, c Page) {
	bh, ch := headerMap(b.Headers), headerMap(c.Headers)
	for _, name := range watchedHeaders {
		bv, bok := bh[name]
		cv, cok := ch[name]
		switch {
		case bok && !cok:
			sev := Critical
			if name == "Cache-Control" || name == "Content-Security-Policy-Report-Only" {
				sev = Warning
			}
			d.add(HeaderRemoved, sev, page, name, bv, "")
		case !bok && cok:
			d.add(HeaderAdded, Notice, page, name, "", cv)
		case bv != cv:
			switch {
			case name == "Content-Security-Policy":
				if why := cspWeakened(b.CSP, c.CSP); why != "" {
					d.add(CSPWeakened, Critical, page, name+": "+why, bv, cv)
					continue
				}
			case name == "Strict-Transport-Security" && hstsWeakened(bv, cv):
				d.add(HeaderChanged, Critical, page, name, bv, cv)
				continue
			}
			d.add(HeaderChanged, Warning, page, name, bv, cv)
		}
	}
}

func headerMap(hs []Header) map[string]string {
	m := map[string]string{}
	for _, h := range hs {
		m[h.Name] = h.Value
	}
	return m
}

// scripts compares external scripts by address; the same address twice is
// two scripts.
func (d *differ) scripts(page string, b, c []Script) {
	bm, cm := map[string]Script{}, map[string]Script{}
	var bk, ck []string
	for _, s := range b {
		k := nth(bm, s.Src)
		bm[k] = s
		bk = append(bk, k)
	}
	for _, s := range c {
		k := nth(cm, s.Src)
		cm[k] = s
		ck = append(ck, k)
	}
	for _, k := range ck {
		cs := cm[k]
		bs, ok := bm[k]
		if !ok {
			d.add(ScriptAdded, Critical, page, cs.Src, "", describeScript(cs))
			continue
		}
		if bs != cs {
			sev := Warning
			if bs.Integrity != cs.Integrity || (bs.Nonce && !cs.Nonce) {
				sev = Critical
			}
			d.add(ScriptChanged, sev, page, cs.Src, describeScript(bs), describeScript(cs))
		}
	}
	for _, k := range bk {
		if _, ok := cm[k]; !ok {
			d.add(ScriptRemoved, Warning, page, bm[k].Src, describeScript(bm[k]), "")
		}
	}
}

// nth is key, or key#2, key#3… when m holds it already.
func nth[T any](m map[string]T, key string) string {
	k := key
	for i := 2; ; i++ {
		if _, ok := m[k]; !ok {
			return k
		}
		k = key + "#" + strconv.Itoa(i)
	}
}

func describeScript(s Script) string {
	parts := []string{"src=" + s.Src}
	if s.Type != "" {
		parts = append(parts, "type="+s.Type)
	}
	if s.Integrity != "" {
		parts = append(parts, "integrity="+s.Integrity)
	} else {
		parts = append(parts, "no integrity")
	}
	if s.Nonce {
		parts = append(parts, "nonce")
	} else {
		parts = append(parts, "no nonce")
	}
	return strings.Join(parts, " ")
}

// set compares two multisets of descriptions: an added one has severity
// added, a removed one removed.
func (d *differ) set(page string, kind Kind, subject string, b, c []string, added, removed Severity) {
	count := map[string]int{}
	for _, s := range b {
		count[s]++
	}
	for _, s := range c {
		count[s]--
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for n := count[k]; n < 0; n++ {
			d.add(kind, added, page, subject+" added", "", k)
		}
		for n := count[k]; n > 0; n-- {
			d.add(kind, removed, page, subject+" removed", k, "")
		}
	}
}

func metaKeys(ms []Meta) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.HTTPEquiv+": "+m.Content)
	}
	return out
}

func inlineKeys(ss []InlineScript) []string {
	var out []string
	for _, s := range ss {
		k := s.SHA384
		if s.Type != "" {
			k += " type=" + s.Type
		}
		if s.Nonce {
			k += " nonce"
		} else {
			k += " no nonce"
		}
		out = append(out, k+" «"+s.Excerpt+"»")
	}
	return out
}

func handlerKeys(hs []Handler) []string {
	var out []string
	for _, h := range hs {
		out = append(out, "<"+h.Element+" "+h.Attr+"> "+h.SHA384+" «"+h.Excerpt+"»")
	}
	return out
}

func frameKeys(fs []Frame) []string {
	var out []string
	for _, f := range fs {
		out = append(out, "<"+f.Element+"> "+f.Src)
	}
	return out
}

// stylesheets compares stylesheets by address.
func (d *differ) stylesheets(page string, b, c []Stylesheet) {
	bm, cm := map[string]Stylesheet{}, map[string]Stylesheet{}
	var bk, ck []string
	for _, s := range b {
		k := nth(bm, s.Href)
		bm[k], bk = s, append(bk, k)
	}
	for _, s := range c {
		k := nth(cm, s.Href)
		cm[k], ck = s, append(ck, k)
	}
	for _, k := range ck {
		cs := cm[k]
		bs, ok := bm[k]
		switch {
		case !ok:
			d.add(StylesheetDiff, Critical, page, "stylesheet added", "", cs.Href+" integrity="+cs.Integrity)
		case bs.Integrity != cs.Integrity:
			d.add(StylesheetDiff, Critical, page, "stylesheet integrity changed", bs.Href+" integrity="+bs.Integrity, cs.Href+" integrity="+cs.Integrity)
		}
	}
	for _, k := range bk {
		if _, ok := cm[k]; !ok {
			d.add(StylesheetDiff, Warning, page, "stylesheet removed", bm[k].Href+" integrity="+bm[k].Integrity, "")
		}
	}
}

// forms pairs the forms of a page by what they hold (method and fields),
// so that a form whose action changed shows as that, not as one removed
// and one added; forms whose fields changed pair by action.
func (d *differ) forms(page string, b, c []Form) {
	byFields := func(f Form) string { return f.Method + " " + strings.Join(f.Fields, ",") }
	byAction := func(f Form) string { return f.Method + " " + f.Action }
	restB, restC := d.pairForms(page, b, c, byFields)
	restB, restC = d.pairForms(page, restB, restC, byAction)
	for _, f := range restC {
		d.add(FormAdded, Critical, page, f.Method+" "+f.Action, "", describeForm(f))
	}
	for _, f := range restB {
		d.add(FormRemoved, Warning, page, f.Method+" "+f.Action, describeForm(f), "")
	}
}

// pairForms reports the pairs that key matches and returns the rest.
func (d *differ) pairForms(page string, b, c []Form, key func(Form) string) (restB, restC []Form) {
	pool := map[string][]int{}
	for i, f := range b {
		pool[key(f)] = append(pool[key(f)], i)
	}
	used := make([]bool, len(b))
	for _, f := range c {
		k := key(f)
		if len(pool[k]) == 0 {
			restC = append(restC, f)
			continue
		}
		i := pool[k][0]
		pool[k] = pool[k][1:]
		used[i] = true
		old := b[i]
		if formEqual(old, f) {
			continue
		}
		sev := Critical
		if old.Action == f.Action && slices.Equal(old.FormActions, f.FormActions) && subset(f.Fields, old.Fields) {
			sev = Warning // only fields removed
		}
		d.add(FormChanged, sev, page, old.Method+" "+old.Action, describeForm(old), describeForm(f))
	}
	for i, f := range b {
		if !used[i] {
			restB = append(restB, f)
		}
	}
	return restB, restC
}

func formEqual(a, b Form) bool { return describeForm(a) == describeForm(b) }

func subset(small, big []string) bool {
	for _, s := range small {
		if !slices.Contains(big, s) {
			return false
		}
	}
	return true
}

func describeForm(f Form) string {
	s := "method=" + f.Method + " action=" + f.Action
	if len(f.FormActions) > 0 {
		s += " formaction=" + strings.Join(f.FormActions, ",")
	}
	return s + " fields=" + strings.Join(f.Fields, ",")
}

// cookies compares the flags of each cookie the walk was given.
func (d *differ) cookies(b, c []Cookie) {
	bm, cm := map[string]string{}, map[string]string{}
	for _, x := range b {
		bm[x.Name] = strings.Join(x.Flags, " | ")
	}
	for _, x := range c {
		cm[x.Name] = strings.Join(x.Flags, " | ")
	}
	for _, x := range c {
		bv, ok := bm[x.Name]
		cv := cm[x.Name]
		switch {
		case !ok:
			d.add(CookieChanged, Notice, "", "Set-Cookie "+x.Name, "", cv)
		case bv != cv:
			sev := Warning
			if cookieWeakened(bv, cv) {
				sev = Critical
			}
			d.add(CookieChanged, sev, "", "Set-Cookie "+x.Name, bv, cv)
		}
	}
	for _, x := range b {
		if _, ok := cm[x.Name]; !ok {
			d.add(CookieChanged, Warning, "", "Set-Cookie "+x.Name, bm[x.Name], "")
		}
	}
}

// resources compares the content of the scripts and stylesheets fetched.
// New and vanished ones show on their pages already; here is what only
// fetching shows: a changed body, a fetch that now fails.
func (d *differ) resources(b, c []Resource) {
	bm := map[string]Resource{}
	for _, r := range b {
		bm[r.URL] = r
	}
	for _, r := range c {
		old, ok := bm[r.URL]
		switch {
		case r.Failed != "" && (!ok || old.Failed != r.Failed):
			d.add(FetchFailed, Warning, "", r.Kind+" "+r.URL, old.SHA384+old.Failed, r.Failed)
		case ok && r.Failed == "" && old.Failed == "" && old.SHA384 != r.SHA384:
			d.add(HashChanged, Critical, "", r.Kind+" "+r.URL, old.SHA384, r.SHA384)
		case ok && r.Failed == "" && old.Failed != "":
			d.add(HashChanged, Warning, "", r.Kind+" "+r.URL, old.Failed, r.SHA384)
		}
	}
}

// cardStep checks where the card step may send the customer: any origin
// that is not the configured provider's is critical, even when the
// baseline had it too (a baseline taken on a tampered store), and any
// other change is a warning.
func (d *differ) cardStep(b, c *Snapshot) {
	if b.PaymentMethod != c.PaymentMethod {
		d.add(PaymentMethod, Warning, "", "payment method chosen at checkout", b.PaymentMethod, c.PaymentMethod)
	}
	for _, o := range c.CardOrigins {
		if !slices.Contains(c.ProviderOrigins, o) {
			d.add(RedirectOrigin, Critical, "", "card step sends customers to an origin that is not the provider's",
				strings.Join(c.ProviderOrigins, " "), o)
		}
	}
	if bo, co := strings.Join(b.CardOrigins, " "), strings.Join(c.CardOrigins, " "); bo != co {
		d.add(RedirectOrigin, Warning, "", "card step origins", bo, co)
	}
}

// leavesOrigin reports whether a redirect chain goes to another origin
// than the page's own address started at.
func leavesOrigin(pageURL string, hops []string) bool {
	p, err := url.Parse(pageURL)
	if err != nil {
		return true
	}
	for _, h := range hops {
		u, err := url.Parse(h)
		if err != nil || !strings.EqualFold(u.Scheme+"://"+u.Host, p.Scheme+"://"+p.Host) {
			return true
		}
	}
	return false
}
