package mailtext_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"text/template"

	"kaede/internal/mailtext"
	"kaede/internal/shop"
)

type line struct {
	Name     string
	Quantity int
}

type notice struct {
	Name   string
	Paid   bool
	Lines  []line
	Extras map[string]string
}

func (notice) Greeting() string { return "こんにちは" }

var files = fstest.MapFS{
	"templates/_sig.ja.txt":   {Data: []byte("楓")},
	"templates/paid.ja.txt":   {Data: []byte("ご入金 {{.Name}}\n\n{{.Name}} 様\n{{template \"_sig.ja.txt\" .}}\n")},
	"templates/unused.ja.txt": {Data: []byte("x\n\ny\n")},
}

var kind = mailtext.Kind{Key: "paid", Locales: []string{"ja"}, Files: files,
	Base:   template.Must(template.New("").Option("missingkey=error").ParseFS(files, "templates/*.txt")),
	Sample: notice{Name: "山田", Lines: []line{{"はり", 2}}, Extras: map[string]string{"a": "b"}}}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		subject, body string
		field, says   string // "" field: accepted
	}{
		{"ご入金 {{.Name}}", "{{.Name}} 様\n{{template \"_sig.ja.txt\" .}}", "", ""},
		{"{{.Greeting}}", "{{range .Lines}}{{.Name}}×{{.Quantity}}{{end}}", "", ""},
		{"{{.Name}}", "{{range $i, $l := .Lines}}{{$l.Name}}{{$.Name}}{{end}}", "", ""},
		{"{{.Name}}", "{{with .Lines}}{{len .}}{{end}}{{.Extras.a}}", "", ""},
		{"{{.Nam}}", "x", "subject", ".Nam"},
		{"{{.Name}}", "a\n{{if .Paid}}{{.Amount}}{{end}}", "body", "line 2"},
		{"{{.Name}}", "{{range .Lines}}{{.Qty}}{{end}}", "body", ".Qty"},
		{"{{.Name}}", "{{$.Nope}}", "body", ".Nope"},
		{"{{.Name}}", "{{if .Paid}}", "body", "syntax"},
		{"{{.Name}}", "{{template \"missing.txt\" .}}", "body", "missing.txt"},
		{"{{.Name}}", "{{template \"paid.ja.txt\" .}}", "body", "paid.ja.txt"},
		{"{{.Name}}", "{{range 1000000000}}{{end}}", "body", "range"},
		{"{{.Name}}", "{{define \"_sig.ja.txt\"}}{{end}}", "body", "define"},
		{"a\nb", "x", "subject", "one line"},
		{"x", "  ", "body", "body"},
	} {
		_, _, err := mailtext.Check(kind, mailtext.Text{Kind: "paid", Locale: "ja", Subject: c.subject, Body: c.body}, kind.Sample)
		if c.field == "" {
			if err != nil {
				t.Errorf("%q / %q: %v, want accepted", c.subject, c.body, err)
			}
			continue
		}
		if shop.ErrorCode(err) != shop.Invalid || !strings.Contains(shop.ErrorFields(err)[c.field], c.says) {
			t.Errorf("%q / %q: %v, want %s naming %q", c.subject, c.body, err, c.field, c.says)
		}
	}
}

// Whatever staff type, the check answers accepted or Invalid; it never
// panics nor fails otherwise.
func FuzzCheck(f *testing.F) {
	f.Add("ご入金 {{.Name}}", "{{range .Lines}}{{.Name}}{{end}}")
	f.Add("{{.Nam}}", "{{if .Paid}}")
	f.Add("{{template \"paid.ja.txt\" .}}", "{{define \"x\"}}{{end}}")
	f.Fuzz(func(t *testing.T, subject, body string) {
		_, _, err := mailtext.Check(kind, mailtext.Text{Kind: "paid", Locale: "ja", Subject: subject, Body: body}, kind.Sample)
		if err != nil && shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("%q / %q: %v", subject, body, err)
		}
	})
}
