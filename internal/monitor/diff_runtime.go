package monitor

import (
	"net/url"
	"sort"
	"strings"
)

// requestOrigins are the origins the baseline's pages asked in the
// browser, and the store's own.
func requestOrigins(s *Snapshot) map[string]bool {
	set := map[string]bool{}
	if o := originOf(s.BaseURL); o != "" {
		set[o] = true
	}
	for _, p := range s.Pages {
		for _, r := range p.Requests {
			if o := originOf(r.URL); o != "" {
				set[o] = true
			}
		}
	}
	return set
}

// originOf is scheme://host[:port] of an absolute address, lower-case;
// for data:, blob: and the like, the scheme alone.
func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return ""
	}
	if u.Host == "" {
		return strings.ToLower(u.Scheme) + ":"
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// executed compares the scripts that ran on a page. Code that runs and did
// not is critical wherever it comes from: that is a skimmer at work, even
// when the page's HTML is unchanged because another script inserted it.
// Scripts that no longer run are warnings.
func (d *differ) executed(page string, b, c []ExecutedScript) {
	before, after := scriptsBySource(b), scriptsBySource(c)
	for _, src := range sortedKeys(after) {
		old, known := before[src]
		count := map[string]int{}
		for _, s := range old {
			count[s.SHA384]++
		}
		for _, s := range after[src] {
			if count[s.SHA384] > 0 {
				count[s.SHA384]--
				continue
			}
			switch {
			case !known || src == "inline" || src == "eval":
				d.add(ScriptRan, Critical, page, "script ran: "+src, "", describeRan(s))
			default:
				d.add(HashChanged, Critical, page, "script ran with other content: "+src, hashes(old), s.SHA384)
			}
		}
	}
	for _, src := range sortedKeys(before) {
		count := map[string]int{}
		for _, s := range after[src] {
			count[s.SHA384]++
		}
		for _, s := range before[src] {
			if count[s.SHA384] > 0 {
				count[s.SHA384]--
				continue
			}
			if _, still := after[src]; still && src != "inline" && src != "eval" {
				continue // its new content is reported above
			}
			d.add(ScriptRan, Warning, page, "script no longer runs: "+src, describeRan(s), "")
		}
	}
}

// requests compares the addresses a page asked in the browser: one on an
// origin that no page of the baseline asked is critical (where a skimmer
// loads its code or sends the cards), a new address on a known origin a
// warning, an address no longer asked a notice.
func (d *differ) requests(page string, b, c []Request) {
	before, after := map[string]Request{}, map[string]Request{}
	for _, r := range b {
		before[r.URL] = r
	}
	for _, r := range c {
		after[r.URL] = r
	}
	for _, u := range sortedKeys(after) {
		if _, ok := before[u]; ok {
			continue
		}
		r := after[u]
		if o := originOf(u); !d.origins[o] {
			d.add(RequestOrigin, Critical, page, "request to a new origin: "+o, "", describeRequest(r))
		} else {
			d.add(RequestAdded, Warning, page, "new request", "", describeRequest(r))
		}
	}
	for _, u := range sortedKeys(before) {
		if _, ok := after[u]; !ok {
			d.add(RequestGone, Notice, page, "request no longer made", describeRequest(before[u]), "")
		}
	}
}

func scriptsBySource(ss []ExecutedScript) map[string][]ExecutedScript {
	m := map[string][]ExecutedScript{}
	for _, s := range ss {
		m[s.Source] = append(m[s.Source], s)
	}
	return m
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func hashes(ss []ExecutedScript) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.SHA384)
	}
	return strings.Join(out, " ")
}

func describeRan(s ExecutedScript) string {
	out := s.Source + " " + s.SHA384
	if s.Excerpt != "" {
		out += " «" + s.Excerpt + "»"
	}
	return out
}

func describeRequest(r Request) string {
	out := r.Type + " " + r.URL
	if r.Blocked != "" {
		out += " (blocked: " + r.Blocked + ")"
	}
	return out
}
