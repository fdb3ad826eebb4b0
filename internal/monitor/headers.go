package monitor

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// watchedHeaders are the security-impacting response headers: those the
// PCI DSS guidance and the monitors in the field watch. HSTS is watched
// only over https, where browsers read it.
var watchedHeaders = []string{
	"Content-Security-Policy",
	"Content-Security-Policy-Report-Only",
	"Reporting-Endpoints",
	"Strict-Transport-Security",
	"X-Frame-Options",
	"X-Content-Type-Options",
	"Referrer-Policy",
	"Permissions-Policy",
	"Cross-Origin-Opener-Policy",
	"Cross-Origin-Embedder-Policy",
	"Cross-Origin-Resource-Policy",
	"Cache-Control",
}

// nonceRe finds a CSP nonce source; its value changes with every response.
var nonceRe = regexp.MustCompile(`(?i)'nonce-[^']*'`)

// normalizeNonces replaces every nonce source with 'nonce'.
func normalizeNonces(v string) string {
	return nonceRe.ReplaceAllString(v, "'nonce'")
}

// pageHeaders picks the watched headers of a response, normalised. Several
// fields of one header are joined with ", ", as HTTP allows.
func pageHeaders(h http.Header, https bool) []Header {
	out := []Header{}
	for _, name := range watchedHeaders {
		if name == "Strict-Transport-Security" && !https {
			continue
		}
		vs := h.Values(name)
		if len(vs) == 0 {
			continue
		}
		v := strings.Join(vs, ", ")
		if strings.HasPrefix(name, "Content-Security-Policy") {
			v = normalizeNonces(v)
		}
		out = append(out, Header{Name: name, Value: validUTF8(strings.TrimSpace(v))})
	}
	return out
}

// parseCSP parses an enforced policy into its directives, names lower-case,
// keyword sources lower-case, nonces as 'nonce'. Several policies (fields
// joined by commas) are all enforced by browsers: their directives are kept
// in order, a directive repeated within one policy counts only the first
// time, as browsers do.
func parseCSP(v string) []Directive {
	var out []Directive
	for _, policy := range strings.Split(v, ",") {
		seen := map[string]bool{}
		for _, d := range strings.Split(policy, ";") {
			f := strings.Fields(d)
			if len(f) == 0 {
				continue
			}
			name := strings.ToLower(f[0])
			if seen[name] {
				continue
			}
			seen[name] = true
			dir := Directive{Name: name}
			for _, s := range f[1:] {
				dir.Sources = append(dir.Sources, normalizeSource(s))
			}
			out = append(out, dir)
		}
	}
	return out
}

// normalizeSource lower-cases what CSP compares case-insensitively
// (keywords, schemes, hosts) and hides nonce values; hashes keep their
// case, which is significant.
func normalizeSource(s string) string {
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "'nonce-"):
		return "'nonce'"
	case strings.HasPrefix(l, "'sha256-"), strings.HasPrefix(l, "'sha384-"), strings.HasPrefix(l, "'sha512-"):
		return l[:8] + s[8:]
	}
	return l
}

// fallbacks is each fetch directive's chain of directives that stand in
// for it when absent (CSP Level 3, §6.8.3).
var fallbacks = map[string][]string{
	"script-src":      {"script-src", "default-src"},
	"script-src-elem": {"script-src-elem", "script-src", "default-src"},
	"script-src-attr": {"script-src-attr", "script-src", "default-src"},
	"style-src":       {"style-src", "default-src"},
	"style-src-elem":  {"style-src-elem", "style-src", "default-src"},
	"style-src-attr":  {"style-src-attr", "style-src", "default-src"},
	"img-src":         {"img-src", "default-src"},
	"font-src":        {"font-src", "default-src"},
	"connect-src":     {"connect-src", "default-src"},
	"media-src":       {"media-src", "default-src"},
	"object-src":      {"object-src", "default-src"},
	"manifest-src":    {"manifest-src", "default-src"},
	"child-src":       {"child-src", "default-src"},
	"frame-src":       {"frame-src", "child-src", "default-src"},
	"worker-src":      {"worker-src", "child-src", "script-src", "default-src"},
	// Navigation and document directives do not fall back: absent means
	// anything goes.
	"form-action":     {"form-action"},
	"frame-ancestors": {"frame-ancestors"},
	"base-uri":        {"base-uri"},
}

// flagDirectives restrict by being present.
var flagDirectives = []string{"upgrade-insecure-requests", "block-all-mixed-content", "require-trusted-types-for", "trusted-types", "sandbox"}

// reportDirectives are where violations go; losing them blinds the store's
// violation reports, so their removal is a weakening too.
var reportDirectives = []string{"report-uri", "report-to"}

// cspWeakened says how the policy after allows something the policy before
// did not, or "" when it does not. With several policies the first
// occurrence of each directive is compared: a further policy can only
// restrict more, and its loss shows as a changed header.
func cspWeakened(before, after []Directive) string {
	b, a := directiveMap(before), directiveMap(after)
	names := make([]string, 0, len(fallbacks))
	for n := range fallbacks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		bs, bok := effective(b, n)
		as, aok := effective(a, n)
		if !bok {
			continue // it was unrestricted: nothing can loosen it
		}
		if !aok {
			return n + " no longer restricted"
		}
		if added := loosened(bs, as); added != "" {
			return n + " now allows " + added
		}
	}
	for _, n := range flagDirectives {
		if _, had := b[n]; !had {
			continue
		}
		as, has := a[n]
		if !has {
			return n + " removed"
		}
		if n == "sandbox" {
			for _, s := range as {
				if !slices.Contains(b[n], s) {
					return "sandbox now allows " + s
				}
			}
		}
	}
	for _, n := range reportDirectives {
		if _, had := b[n]; had {
			if _, has := a[n]; !has {
				return n + " removed: violations are no longer reported"
			}
		}
	}
	return ""
}

// directiveMap is a policy's first occurrence of each directive.
func directiveMap(ds []Directive) map[string][]string {
	m := map[string][]string{}
	for _, d := range ds {
		if _, ok := m[d.Name]; !ok {
			m[d.Name] = d.Sources
		}
	}
	return m
}

// effective is the source list that governs directive n, following its
// fallbacks; false when nothing restricts it.
func effective(m map[string][]string, n string) ([]string, bool) {
	for _, f := range fallbacks[n] {
		if s, ok := m[f]; ok {
			return s, true
		}
	}
	return nil, false
}

// loosened returns a source that after allows and before did not, or "".
// A nonce or hash makes browsers ignore 'unsafe-inline', so that keyword
// only counts where neither is present; an empty list or 'none' allows
// nothing.
func loosened(before, after []string) string {
	b, a := activeSources(before), activeSources(after)
	for _, s := range a {
		if !slices.Contains(b, s) {
			return s
		}
	}
	return ""
}

// activeSources is the list without what has no effect in it.
func activeSources(list []string) []string {
	var out []string
	strict := false
	for _, s := range list {
		if s == "'nonce'" || strings.HasPrefix(s, "'sha") || s == "'strict-dynamic'" {
			strict = true
		}
	}
	for _, s := range list {
		if s == "'none'" || (strict && s == "'unsafe-inline'") {
			continue
		}
		out = append(out, s)
	}
	return out
}

// cookieFlags is how a cookie is set, without its value or expiry (which
// moves with every response): HttpOnly, Secure, SameSite, Path, Domain,
// and Partitioned.
func cookieFlags(c *http.Cookie) string {
	var f []string
	if c.HttpOnly {
		f = append(f, "HttpOnly")
	}
	if c.Secure {
		f = append(f, "Secure")
	}
	switch c.SameSite {
	case http.SameSiteLaxMode:
		f = append(f, "SameSite=Lax")
	case http.SameSiteStrictMode:
		f = append(f, "SameSite=Strict")
	case http.SameSiteNoneMode:
		f = append(f, "SameSite=None")
	default:
		f = append(f, "SameSite unset")
	}
	f = append(f, "Path="+c.Path)
	if c.Domain != "" {
		f = append(f, "Domain="+c.Domain)
	}
	if c.Partitioned {
		f = append(f, "Partitioned")
	}
	return strings.Join(f, "; ")
}

// cookieWeakened reports a flag set after has lost one that before had.
func cookieWeakened(before, after string) bool {
	for _, flag := range []string{"HttpOnly", "Secure", "SameSite=Strict", "Partitioned"} {
		if strings.Contains(before, flag) && !strings.Contains(after, flag) {
			return true
		}
	}
	return strings.Contains(before, "SameSite=Lax") && (strings.Contains(after, "SameSite=None") || strings.Contains(after, "SameSite unset"))
}

// cookieJarSet collects the flags of every cookie of a walk.
type cookieJarSet map[string]map[string]bool

// add records the cookies a response sets; deletions (Max-Age < 0, or an
// expiry in the past) are not how a cookie is set and are left out.
func (s cookieJarSet) add(res *http.Response) {
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Unix() <= 0) {
			continue
		}
		if s[c.Name] == nil {
			s[c.Name] = map[string]bool{}
		}
		s[c.Name][validUTF8(cookieFlags(c))] = true
	}
}

// list is the cookies by name, each with its flag sets sorted.
func (s cookieJarSet) list() []Cookie {
	out := []Cookie{}
	for name, flags := range s {
		c := Cookie{Name: validUTF8(name)}
		for f := range flags {
			c.Flags = append(c.Flags, f)
		}
		sort.Strings(c.Flags)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// hstsWeakened reports a shorter max-age or a lost includeSubDomains.
func hstsWeakened(before, after string) bool {
	maxAge := func(v string) int64 {
		for _, p := range strings.Split(v, ";") {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "max-age") {
				n, _ := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
				return n
			}
		}
		return 0
	}
	lower := strings.ToLower
	return maxAge(after) < maxAge(before) ||
		(strings.Contains(lower(before), "includesubdomains") && !strings.Contains(lower(after), "includesubdomains"))
}
