package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

func TestMedia(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		outside := t.TempDir()
		mustWrite(t, filepath.Join(outside, "secret.png"), pngBytes)
		mustWrite(t, filepath.Join(e.media, "notes.txt"), []byte("private"))
		mustWrite(t, filepath.Join(e.media, "page.svg"), []byte("<svg onload=alert(1)>"))
		mustWrite(t, filepath.Join(e.media, ".hidden.png"), pngBytes)
		if err := os.Mkdir(filepath.Join(e.media, "dir.png"), 0o755); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(e.media, "sub", "a.jpg"), pngBytes)
		if err := os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(e.media, "link.png")); err != nil {
			t.Fatal(err)
		}
		b := e.browser()

		res := b.get("/media/needle.png")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || res.body != string(pngBytes) {
			t.Fatalf("needle.png: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if csp := res.Header.Get("Content-Security-Policy"); csp[:18] != "default-src 'none'" {
			t.Errorf("media CSP=%q", csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Error("media without nosniff")
		}
		if res := b.get("/media/sub/a.jpg"); res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("sub/a.jpg: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}

		for _, p := range []string{
			"/media/notes.txt", "/media/page.svg", "/media/.hidden.png", "/media/dir.png", "/media/",
			"/media/sub/", "/media/link.png", "/media/../secret.png", "/media/..%2fsecret.png",
			"/media/sub/..%2f..%2fsecret.png", "/media/%2e%2e/secret.png", "/media/missing.png",
			"/media/needle.png%00.txt", "/media/..\\secret.png",
		} {
			if res := b.get(p); res.StatusCode == http.StatusOK {
				t.Errorf("%s: 200, want refused", p)
			}
		}
	})
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
