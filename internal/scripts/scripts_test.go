package scripts_test

import (
	"html/template"
	"strings"
	"testing"

	"kaede/internal/scripts"
)

// parse builds a page as the edges do: a layout calling "content", which
// the page defines, with the asset function.
func parse(t *testing.T, page string) *template.Template {
	t.Helper()
	funcs := template.FuncMap{"asset": func(string) string { return "/static/x.js" }, "sri": func(string) string { return "sha384-x" }}
	tt, err := template.New("layout").Funcs(funcs).Parse(`{{define "layout"}}<html><body>{{template "content" .}}</body></html>{{end}}` +
		`{{define "partial"}}<script src="{{asset "passkey.js"}}" integrity="{{sri "passkey.js"}}" nonce="{{.}}" defer></script>{{end}}` + page)
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

func TestScan(t *testing.T) {
	inline := "window.x=1"
	tests := []struct {
		name, page string
		files      []string
		inline     int
		err        string
	}{
		{"no script", `{{define "content"}}<p>hello</p>{{end}}`, nil, 0, ""},
		{"file through a partial", `{{define "content"}}{{if .}}{{template "partial" .}}{{end}}{{end}}`, []string{"passkey.js"}, 0, ""},
		{"file directly", `{{define "content"}}<script src="{{asset "a.js"}}"></script>{{end}}`, []string{"a.js"}, 0, ""},
		{"inline", `{{define "content"}}<script>` + inline + `</script>{{end}}`, nil, 1, ""},
		{"address in the template", `{{define "content"}}<script src="https://evil.example/s.js"></script>{{end}}`, nil, 0, "not an embedded file"},
		{"address built by an action", `{{define "content"}}<script src="https://cdn.example/{{.}}"></script>{{end}}`, nil, 0, "not an embedded file"},
		{"inline with actions", `{{define "content"}}<script>var a = {{.}};</script>{{end}}`, nil, 0, "cannot be hashed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := scripts.Scan(parse(t, tc.page), "layout")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err=%v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(u.Files, ",") != strings.Join(tc.files, ",") || len(u.Inline) != tc.inline {
				t.Fatalf("uses=%+v, want files %v and %d inline", u, tc.files, tc.inline)
			}
			if tc.inline == 1 && u.Inline[0] != scripts.Integrity([]byte(inline)) {
				t.Errorf("inline hash %s, want %s", u.Inline[0], scripts.Integrity([]byte(inline)))
			}
		})
	}
}

func TestBuild(t *testing.T) {
	js := scripts.File{Name: "passkey.js", URL: "/admin/static/passkey.1.js", Integrity: "sha384-abc"}
	css := scripts.File{Name: "admin.css", URL: "/admin/static/admin.1.css", Integrity: "sha384-def"}
	entry := scripts.Entry{File: "passkey.js", Purpose: "passkeys", Owner: "us", Pages: []string{"code", "enrol"}}
	uses := map[string]scripts.Uses{"code": {Files: []string{"passkey.js"}}, "enrol": {Files: []string{"passkey.js"}}, "login": {}}
	inlineHash := scripts.Integrity([]byte("x()"))
	tests := []struct {
		name    string
		files   []scripts.File
		uses    map[string]scripts.Uses
		payment []string
		table   []scripts.Entry
		err     string
	}{
		{"matches", []scripts.File{js, css}, uses, []string{"login"}, []scripts.Entry{entry}, ""},
		{"file missing from the table", []scripts.File{js, css}, map[string]scripts.Uses{}, nil, nil, "not in the script table"},
		{"entry without a file", []scripts.File{css}, uses, nil, []scripts.Entry{entry}, "not among the embedded files"},
		{"page not listed", []scripts.File{js}, map[string]scripts.Uses{"code": {Files: []string{"passkey.js"}}, "enrol": {Files: []string{"passkey.js"}}, "login": {Files: []string{"passkey.js"}}}, nil, []scripts.Entry{entry}, "loaded by pages [code enrol login]"},
		{"listed page does not load it", []scripts.File{js}, map[string]scripts.Uses{"code": {Files: []string{"passkey.js"}}}, nil, []scripts.Entry{entry}, "but the table lists [code enrol]"},
		{"script on a payment page", []scripts.File{js}, uses, []string{"code"}, []scripts.Entry{entry}, "payment page"},
		{"inline not listed", nil, map[string]scripts.Uses{"home": {Inline: []string{inlineHash}}}, nil, nil, "not in the script table"},
		{"inline listed", nil, map[string]scripts.Uses{"home": {Inline: []string{inlineHash}}}, nil, []scripts.Entry{{Hash: inlineHash, Purpose: "p", Owner: "o", Pages: []string{"home"}}}, ""},
		{"no owner", []scripts.File{js}, uses, nil, []scripts.Entry{{File: "passkey.js", Purpose: "p", Pages: []string{"code", "enrol"}}}, "no purpose or owner"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv, err := scripts.Build("admin", tc.files, tc.uses, tc.payment, tc.table)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err=%v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(inv) != len(tc.table) {
				t.Fatalf("inventory %+v, want %d scripts", inv, len(tc.table))
			}
			if got := scripts.ForPage(inv, tc.table[0].Pages[0]); len(got) != 1 || got[0] != inv[0].Integrity {
				t.Errorf("ForPage=%v, want [%s]", got, inv[0].Integrity)
			}
			if got := scripts.ForPage(inv, "elsewhere"); len(got) != 0 {
				t.Errorf("ForPage(elsewhere)=%v, want none", got)
			}
		})
	}
}
