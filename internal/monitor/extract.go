package monitor

import (
	"crypto/sha512"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// excerptLen is how much of an inline script or handler the snapshot keeps
// for a person to read; the hash covers all of it.
const excerptLen = 120

// pageContent is what the HTML of a page holds that can change what runs
// on it or where its data goes.
type pageContent struct {
	Base           string
	Meta           []Meta
	Scripts        []Script
	InlineScripts  []InlineScript
	Handlers       []Handler
	JavascriptURLs []Handler
	Frames         []Frame
	Stylesheets    []Stylesheet
	Forms          []Form
}

// urlAttrs are the attributes that hold an address a browser may follow
// or load, and so may hold a javascript: URL.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "data": true,
	"xlink:href": true, "poster": true, "background": true,
}

// extract reads a parsed page. pageURL is the address the page came from;
// relative addresses resolve against it, or against the page's <base>.
func extract(doc *html.Node, pageURL *url.URL) *pageContent {
	c := &pageContent{}
	base := pageURL
	// Browsers use the first <base href>; find it before resolving anything.
	found := false
	walkElements(doc, func(n *html.Node) bool {
		if found || n.DataAtom != atom.Base {
			return !found
		}
		if href, ok := attr(n, "href"); ok {
			found = true
			c.Base = resolve(pageURL, href)
			if u, err := url.Parse(c.Base); err == nil && u.IsAbs() {
				base = u
			}
		}
		return true
	})
	walkElements(doc, func(n *html.Node) bool {
		c.element(n, base)
		return true
	})
	c.fill()
	return c
}

// element records what n holds.
func (c *pageContent) element(n *html.Node, base *url.URL) {
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		if a.Namespace != "" {
			key = a.Namespace + ":" + key
		}
		if strings.HasPrefix(key, "on") && len(key) > 2 {
			c.Handlers = append(c.Handlers, handler(n, key, a.Val))
		}
		if urlAttrs[key] && isJavascriptURL(a.Val) {
			c.JavascriptURLs = append(c.JavascriptURLs, handler(n, key, a.Val))
		}
	}
	switch n.DataAtom {
	case atom.Script:
		c.script(n, base)
	case atom.Link:
		rel := strings.Fields(strings.ToLower(attrOr(n, "rel")))
		for _, r := range rel {
			switch r {
			case "stylesheet":
				c.Stylesheets = append(c.Stylesheets, Stylesheet{Href: resolve(base, attrOr(n, "href")), Integrity: attrOr(n, "integrity")})
			case "modulepreload":
				// A preloaded module runs when imported: as good as a script.
				c.Scripts = append(c.Scripts, Script{Src: resolve(base, attrOr(n, "href")), Type: "modulepreload",
					Integrity: attrOr(n, "integrity"), Nonce: hasAttr(n, "nonce")})
			}
		}
	case atom.Iframe, atom.Frame, atom.Embed:
		c.Frames = append(c.Frames, Frame{Element: n.Data, Src: resolve(base, attrOr(n, "src"))})
	case atom.Object:
		c.Frames = append(c.Frames, Frame{Element: n.Data, Src: resolve(base, attrOr(n, "data"))})
	case atom.Meta:
		if eq, ok := attr(n, "http-equiv"); ok {
			c.Meta = append(c.Meta, Meta{HTTPEquiv: strings.ToLower(strings.TrimSpace(eq)), Content: normalizeNonces(attrOr(n, "content"))})
		}
	case atom.Form:
		c.Forms = append(c.Forms, form(n, base))
	}
}

// script records a <script>, external or inline.
func (c *pageContent) script(n *html.Node, base *url.URL) {
	typ := strings.ToLower(strings.TrimSpace(attrOr(n, "type")))
	if src, ok := attr(n, "src"); ok {
		c.Scripts = append(c.Scripts, Script{Src: resolve(base, src), Type: typ, Integrity: attrOr(n, "integrity"), Nonce: hasAttr(n, "nonce")})
		return
	}
	code := text(n)
	c.InlineScripts = append(c.InlineScripts, InlineScript{SHA384: sri([]byte(code)), Type: typ, Nonce: hasAttr(n, "nonce"), Excerpt: excerpt(code)})
}

// form records a form: where it posts, how, and the names and types of
// its controls (never their values, which hold tokens).
func form(n *html.Node, base *url.URL) Form {
	f := Form{Method: strings.ToUpper(strings.TrimSpace(attrOr(n, "method")))}
	if f.Method == "" {
		f.Method = "GET"
	}
	// An absent or empty action posts to the page itself.
	f.Action = resolve(base, attrOr(n, "action"))
	fields := map[string]bool{}
	walkElements(n, func(el *html.Node) bool {
		if el != n && el.DataAtom == atom.Form {
			return false // a nested form is not this one's (the parser rarely builds one)
		}
		switch el.DataAtom {
		case atom.Input, atom.Select, atom.Textarea, atom.Button:
			typ := strings.ToLower(attrOr(el, "type"))
			if el.DataAtom != atom.Input {
				typ = el.Data
			} else if typ == "" {
				typ = "text"
			}
			if name, ok := attr(el, "name"); ok {
				fields[name+":"+typ] = true
			}
			if fa, ok := attr(el, "formaction"); ok {
				f.FormActions = append(f.FormActions, resolve(base, fa))
			}
		}
		return true
	})
	for k := range fields {
		f.Fields = append(f.Fields, k)
	}
	sort.Strings(f.Fields)
	sort.Strings(f.FormActions)
	if f.Fields == nil {
		f.Fields = []string{}
	}
	return f
}

// fill makes every absent list empty, so that a snapshot encodes the same
// after a round trip through JSON. Lists keep document order, which the
// parser gives deterministically.
func (c *pageContent) fill() {
	c.clean()
	if c.Scripts == nil {
		c.Scripts = []Script{}
	}
	if c.InlineScripts == nil {
		c.InlineScripts = []InlineScript{}
	}
	if c.Handlers == nil {
		c.Handlers = []Handler{}
	}
	if c.JavascriptURLs == nil {
		c.JavascriptURLs = []Handler{}
	}
	if c.Frames == nil {
		c.Frames = []Frame{}
	}
	if c.Stylesheets == nil {
		c.Stylesheets = []Stylesheet{}
	}
	if c.Forms == nil {
		c.Forms = []Form{}
	}
}

// clean replaces invalid UTF-8 in every recorded string: JSON cannot carry
// it, and a snapshot must read back exactly as it was written.
func (c *pageContent) clean() {
	v := validUTF8
	c.Base = v(c.Base)
	for i := range c.Meta {
		c.Meta[i].HTTPEquiv, c.Meta[i].Content = v(c.Meta[i].HTTPEquiv), v(c.Meta[i].Content)
	}
	for i := range c.Scripts {
		s := &c.Scripts[i]
		s.Src, s.Type, s.Integrity = v(s.Src), v(s.Type), v(s.Integrity)
	}
	for i := range c.InlineScripts {
		s := &c.InlineScripts[i]
		s.Type, s.Excerpt = v(s.Type), v(s.Excerpt)
	}
	for _, hs := range [][]Handler{c.Handlers, c.JavascriptURLs} {
		for i := range hs {
			hs[i].Element, hs[i].Attr, hs[i].Excerpt = v(hs[i].Element), v(hs[i].Attr), v(hs[i].Excerpt)
		}
	}
	for i := range c.Frames {
		c.Frames[i].Element, c.Frames[i].Src = v(c.Frames[i].Element), v(c.Frames[i].Src)
	}
	for i := range c.Stylesheets {
		c.Stylesheets[i].Href, c.Stylesheets[i].Integrity = v(c.Stylesheets[i].Href), v(c.Stylesheets[i].Integrity)
	}
	for i := range c.Forms {
		f := &c.Forms[i]
		f.Action, f.Method = v(f.Action), v(f.Method)
		for j := range f.FormActions {
			f.FormActions[j] = v(f.FormActions[j])
		}
		for j := range f.Fields {
			f.Fields[j] = v(f.Fields[j])
		}
		sort.Strings(f.Fields)
	}
}

// validUTF8 is s with each invalid byte sequence replaced by U+FFFD.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// handler records an event handler or javascript: URL attribute.
func handler(n *html.Node, key, val string) Handler {
	return Handler{Element: n.Data, Attr: key, SHA384: sri([]byte(val)), Excerpt: excerpt(val)}
}

// isJavascriptURL reports whether a browser would run v as script when
// following it: browsers strip leading and trailing C0 controls and spaces
// and remove tabs and newlines anywhere before reading the scheme.
func isJavascriptURL(v string) bool {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	return len(v) >= len("javascript:") && strings.EqualFold(v[:len("javascript:")], "javascript:")
}

// resolve makes ref absolute against base; what cannot be parsed is kept
// as written, so that it still shows in the snapshot.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

// sri is the SHA-384 of b in Subresource Integrity form.
func sri(b []byte) string {
	sum := sha512.Sum384(b)
	return "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
}

// excerpt is the start of s on one line, cut at a rune boundary.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= excerptLen {
		return s
	}
	cut := excerptLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// walkElements calls fn for every element under n in document order;
// fn returns false to skip an element's children.
func walkElements(n *html.Node, fn func(*html.Node) bool) {
	if n.Type == html.ElementNode && !fn(n) {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkElements(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

func attrOr(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

func hasAttr(n *html.Node, key string) bool {
	_, ok := attr(n, key)
	return ok
}

// text is the text inside n (a script's code).
func text(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}
