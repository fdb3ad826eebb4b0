package release_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"kaede/internal/release"
)

// files is a small release: a template, a script, a stylesheet and a
// migration, in two sources.
func files() map[string]fstest.MapFS {
	return map[string]fstest.MapFS{
		"ui": {
			"templates/layout.html":   {Data: []byte(`<html>{{template "content" .}}</html>`)},
			"admin/static/passkey.js": {Data: []byte("navigator.credentials.get()")},
			"static/kaede.css":        {Data: []byte("body{}")},
		},
		"migrations": {"migrations/0001_init.sql": {Data: []byte("CREATE TABLE t (id int);")}},
	}
}

func digest(t *testing.T, src map[string]fstest.MapFS) string {
	t.Helper()
	in := map[string]fs.FS{}
	for k, v := range src {
		in[k] = v
	}
	m, err := release.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) == 0 || len(m.Digest) != 64 {
		t.Fatalf("manifest %+v", m)
	}
	return m.Digest
}

func TestDigestFollowsEveryFile(t *testing.T) {
	base := digest(t, files())
	if again := digest(t, files()); again != base {
		t.Fatalf("digest %s then %s for the same files", base, again)
	}
	changes := map[string]func(map[string]fstest.MapFS){
		"one byte of a script": func(s map[string]fstest.MapFS) {
			s["ui"]["admin/static/passkey.js"] = &fstest.MapFile{Data: []byte("navigator.credentials.get();")}
		},
		"a template":   func(s map[string]fstest.MapFS) { s["ui"]["templates/layout.html"].Data = []byte("<html></html>") },
		"a stylesheet": func(s map[string]fstest.MapFS) { s["ui"]["static/kaede.css"].Data = []byte("body{ }") },
		"a migration": func(s map[string]fstest.MapFS) {
			s["migrations"]["migrations/0001_init.sql"].Data = []byte("CREATE TABLE t (id bigint);")
		},
		"a file added": func(s map[string]fstest.MapFS) {
			s["ui"]["static/skim.js"] = &fstest.MapFile{Data: []byte("steal()")}
		},
		"a file removed": func(s map[string]fstest.MapFS) { delete(s["ui"], "static/kaede.css") },
		"a file renamed": func(s map[string]fstest.MapFS) {
			s["ui"]["static/kaede2.css"] = s["ui"]["static/kaede.css"]
			delete(s["ui"], "static/kaede.css")
		},
		"a file moved to another source": func(s map[string]fstest.MapFS) {
			s["other"] = fstest.MapFS{"migrations/0001_init.sql": s["migrations"]["migrations/0001_init.sql"]}
			delete(s, "migrations")
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			src := files()
			change(src)
			if got := digest(t, src); got == base {
				t.Errorf("digest unchanged (%s) after %s", got, name)
			}
		})
	}
}

func TestRunning(t *testing.T) {
	m, err := release.Running()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ui/admin/static/passkey.js", "ui/static/kaede.css", "ui/templates/pages/checkout.html",
		"gateway/templates/card.html", "migrations/migrations/", "pdfdoc/font/ipaexg.ttf", "mail/member/templates/"}
	for _, w := range want {
		found := false
		for _, f := range m.Files {
			found = found || strings.HasPrefix(f.Path, w)
		}
		if !found {
			t.Errorf("no %s in the running manifest", w)
		}
	}
	if changed, err := release.Changed(m.Digest); err != nil || changed {
		t.Errorf("Changed(own digest)=%v, %v; want false", changed, err)
	}
	if changed, _ := release.Changed(strings.Repeat("0", 64)); !changed {
		t.Error("Changed(another digest)=false, want true")
	}
}
