package monitor

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestCSPWeakened(t *testing.T) {
	const strict = "default-src 'self'; script-src 'nonce-abc'; form-action 'self'; frame-ancestors 'none'; report-uri /r"
	tests := []struct {
		before, after, want string // want: "" not weakened, else a prefix of the reason
	}{
		{strict, strict, ""},
		{strict, strings.Replace(strict, "'nonce-abc'", "'nonce-xyz'", 1), ""},
		{strict, strings.Replace(strict, "script-src 'nonce-abc'", "script-src 'nonce-abc' https://evil.example", 1), "script-src now allows https://evil.example"},
		{strict, strings.Replace(strict, "script-src 'nonce-abc'; ", "", 1), "script-src now allows 'self'"}, // falls back to default-src
		{strict, strings.Replace(strict, "form-action 'self'; ", "", 1), "form-action no longer restricted"},
		{strict, strings.Replace(strict, "; report-uri /r", "", 1), "report-uri removed"},
		{strict, strings.Replace(strict, "script-src 'nonce-abc'", "script-src 'nonce-abc' 'unsafe-inline'", 1), ""}, // ignored beside a nonce
		{strict, strings.Replace(strict, "script-src 'nonce-abc'", "script-src 'unsafe-inline'", 1), "script-src now allows 'unsafe-inline'"},
		{strict, strings.Replace(strict, "frame-ancestors 'none'", "frame-ancestors *", 1), "frame-ancestors now allows *"},
		{strict, strings.Replace(strict, "default-src 'self'", "default-src 'none'", 1), ""}, // stricter
		{"default-src 'self'", "default-src 'self'; upgrade-insecure-requests", ""},
		{"default-src 'self'; upgrade-insecure-requests", "default-src 'self'", "upgrade-insecure-requests removed"},
		{"DEFAULT-SRC 'SELF'", "default-src 'self'", ""},
	}
	for _, tc := range tests {
		got := cspWeakened(parseCSP(normalizeNonces(tc.before)), parseCSP(normalizeNonces(tc.after)))
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("cspWeakened(%q, %q) = %q, want %q", tc.before, tc.after, got, tc.want)
		}
	}
}

func extractString(t testing.TB, body, page string) *pageContent {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(page)
	return extract(doc, u)
}

func TestExtract(t *testing.T) {
	c := extractString(t, `<!doctype html><html><head>
<base href="https://cdn.example/b/">
<meta http-equiv="Content-Security-Policy" content="script-src 'nonce-zz'">
<script src="a.js" integrity="sha384-x" nonce="n1"></script>
<script nonce="n2">  var a = 1;
</script>
<link rel="preload stylesheet" href="/s.css" integrity="sha384-y">
</head><body onload="go()">
<a href="  JaVaScRiPt:alert(1)">x</a>
<iframe src="//pay.example/frame"></iframe>
<form action="/pay" method="post"><input name="card"><select name="m"><option value="1" selected>1</option></select>
<button formaction="https://evil.example/x">go</button></form>
<form><input type="hidden" name="t" value="tok"></form>
</body></html>`, "https://shop.example/checkout")
	if c.Base != "https://cdn.example/b/" {
		t.Errorf("base %q", c.Base)
	}
	if len(c.Scripts) != 1 || c.Scripts[0].Src != "https://cdn.example/b/a.js" || !c.Scripts[0].Nonce || c.Scripts[0].Integrity != "sha384-x" {
		t.Errorf("scripts %+v", c.Scripts)
	}
	if len(c.InlineScripts) != 1 || c.InlineScripts[0].SHA384 != sri([]byte("  var a = 1;\n")) || c.InlineScripts[0].Excerpt != "var a = 1;" {
		t.Errorf("inline %+v", c.InlineScripts)
	}
	if len(c.Meta) != 1 || c.Meta[0].Content != "script-src 'nonce'" {
		t.Errorf("meta %+v", c.Meta)
	}
	if len(c.Stylesheets) != 1 || c.Stylesheets[0].Href != "https://cdn.example/s.css" {
		t.Errorf("stylesheets %+v", c.Stylesheets)
	}
	if len(c.Handlers) != 1 || c.Handlers[0].Attr != "onload" || c.Handlers[0].Element != "body" {
		t.Errorf("handlers %+v", c.Handlers)
	}
	if len(c.JavascriptURLs) != 1 || c.JavascriptURLs[0].Element != "a" {
		t.Errorf("javascript URLs %+v", c.JavascriptURLs)
	}
	if len(c.Frames) != 1 || c.Frames[0].Src != "https://pay.example/frame" {
		t.Errorf("frames %+v", c.Frames)
	}
	if len(c.Forms) != 2 {
		t.Fatalf("forms %+v", c.Forms)
	}
	f := c.Forms[0]
	if f.Action != "https://cdn.example/pay" || f.Method != "POST" || strings.Join(f.Fields, ",") != "card:text,m:select" ||
		strings.Join(f.FormActions, ",") != "https://evil.example/x" {
		t.Errorf("form %+v", f)
	}
	// An absent action posts to the page (here, the base).
	if g := c.Forms[1]; g.Action != "https://cdn.example/b/" || g.Method != "GET" {
		t.Errorf("form without action %+v", g)
	}
}

// FuzzExtract: any input parses without panic, and the same input always
// gives the same record, whose encoding survives a round trip.
func FuzzExtract(f *testing.F) {
	f.Add(`<script src="a.js" nonce="x"></script><form action="javascript:x()"><input name=a></form>`)
	f.Add(`<base href="//x"><iframe src=" javascript:1"></iframe><object data=a></object><link rel=modulepreload href=m.js>`)
	f.Add(`<svg><a xlink:href="javascript:alert(1)" onclick=x></a></svg><select name=s><option>é</option></select>`)
	f.Add("<script>\x00</script><meta http-equiv=refresh content=\"0;url=https://e\">")
	page, _ := url.Parse("https://shop.example/checkout")
	f.Fuzz(func(t *testing.T, body string) {
		if _, err := html.Parse(strings.NewReader(body)); err != nil {
			return // not HTML the parser accepts: nothing to extract
		}
		parse := func() *pageContent {
			doc, _ := html.Parse(strings.NewReader(body))
			return extract(doc, page)
		}
		a, b := parse(), parse()
		s := &Snapshot{Version: FormatVersion, Pages: []Page{{Scripts: a.Scripts, InlineScripts: a.InlineScripts, Handlers: a.Handlers,
			JavascriptURLs: a.JavascriptURLs, Frames: a.Frames, Stylesheets: a.Stylesheets, Forms: a.Forms, Meta: a.Meta, Base: a.Base}}}
		s2 := &Snapshot{Version: FormatVersion, Pages: []Page{{Scripts: b.Scripts, InlineScripts: b.InlineScripts, Handlers: b.Handlers,
			JavascriptURLs: b.JavascriptURLs, Frames: b.Frames, Stylesheets: b.Stylesheets, Forms: b.Forms, Meta: b.Meta, Base: b.Base}}}
		ea, err := s.Encode()
		if err != nil {
			t.Fatal(err)
		}
		eb, _ := s2.Encode()
		if !bytes.Equal(ea, eb) {
			t.Fatalf("two extractions differ")
		}
		back, err := Decode(ea)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := back.Encode()
		if !bytes.Equal(ea, again) {
			t.Fatalf("round trip changed the snapshot:\n%s\n%s", ea, again)
		}
		if d := Diff(s, s2); len(d) != 0 {
			t.Fatalf("identical extractions differ: %v", d)
		}
	})
}
