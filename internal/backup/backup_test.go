package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"kaede/internal/backup"
	"kaede/internal/db/dbtest"
)

const key = "0123456789abcdef0123456789abcdef"

var now = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

// archive backs up a fresh database with one media file and returns the
// archive's bytes.
func archive(t *testing.T) []byte {
	t.Helper()
	d := dbtest.SQLite(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "media", "products"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "media", "products", "a.jpg"), []byte("jpeg"), 0o644)
	os.WriteFile(filepath.Join(dir, "media", "products", ".upload-tmp"), []byte("half"), 0o644)
	out := filepath.Join(t.TempDir(), "b.backup")
	res, err := backup.CreateFile(t.Context(), out, key, backup.Source{DB: d, DataDir: dir, Version: "test", Now: now})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	var names []string
	for _, m := range res.Manifest.Members {
		names = append(names, m.Name)
	}
	if strings.Join(names, ",") != "kaede.db,media/products/a.jpg" {
		t.Fatalf("members %v, want the database and the one finished upload", names)
	}
	if _, err := backup.CreateFile(t.Context(), out, key, backup.Source{DB: d, DataDir: dir, Now: now}); err == nil {
		t.Fatal("a second backup overwrote the first")
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func restore(t *testing.T, b []byte, k string) (string, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	_, err := backup.Restore(t.Context(), bytes.NewReader(b), k, backup.Target{DataDir: dir, Now: now})
	return dir, err
}

func TestRoundTrip(t *testing.T) {
	dir, err := restore(t, archive(t), key)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "media", "products", "a.jpg")); err != nil || string(b) != "jpeg" {
		t.Fatalf("restored media: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kaede.db")); err != nil {
		t.Fatalf("restored database: %v", err)
	}
}

// TestRestoreRefuses: every kind of bad archive is refused with the error
// that names it, and nothing is left where the restore was to go.
func TestRestoreRefuses(t *testing.T) {
	good := archive(t)
	for _, tc := range []struct {
		name string
		b    []byte
		key  string
		want error
	}{
		{"wrong key", good, strings.Repeat("k", 32), backup.ErrWrongKey},
		{"truncated", good[:len(good)-20], key, backup.ErrDamaged},
		{"byte changed", flip(good, len(good)-40), key, backup.ErrDamaged},
		{"not age", []byte("PK\x03\x04 a zip file"), key, backup.ErrDamaged},
		{"path outside", sealed(t, "../escape", []byte("x")), key, backup.ErrDamaged},
		{"unknown member", sealed(t, "etc/passwd", []byte("x")), key, backup.ErrDamaged},
		{"no manifest", sealed(t, "media/a.jpg", []byte("x")), key, backup.ErrDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := restore(t, tc.b, tc.key)
			if !errors.Is(err, tc.want) {
				t.Fatalf("restore: %v, want %v", err, tc.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("%s exists after a refused restore", dir)
			}
			entries, _ := os.ReadDir(filepath.Dir(dir))
			if len(entries) != 0 {
				t.Fatalf("left behind: %s", entries[0].Name())
			}
		})
	}
}

func TestRestoreIntoNonEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "kaede.db"), []byte("live"), 0o600)
	_, err := backup.Restore(t.Context(), bytes.NewReader(archive(t)), key, backup.Target{DataDir: dir, Now: now})
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a non-empty directory: %v, want it refused and named", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kaede.db")); string(b) != "live" {
		t.Fatal("the existing database was touched")
	}
}

func TestCheckKey(t *testing.T) {
	if err := backup.CheckKey(strings.Repeat("a", 31)); err == nil {
		t.Fatal("a 31-character key was accepted")
	}
	if err := backup.CheckKey(strings.Repeat("a", 32)); err != nil {
		t.Fatalf("a 32-character key: %v", err)
	}
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	names := []string{backup.FileName(now.Add(-72 * time.Hour)), backup.FileName(now.Add(-48 * time.Hour)),
		backup.FileName(now.Add(-24 * time.Hour)), backup.FileName(now), "kaede-notatime.backup", "other.txt"}
	for _, n := range names {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	removed, err := backup.Prune(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(removed, ",") != names[0]+","+names[1] {
		t.Fatalf("removed %v, want the two oldest backups", removed)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 4 {
		t.Fatalf("%d files left, want 4 (two backups and the two other files)", len(left))
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x80
	return c
}

// sealed is an archive of one member, encrypted with the right key: what
// someone who holds the key but not good intentions could write.
func sealed(t *testing.T, name string, body []byte) []byte {
	t.Helper()
	r, err := age.NewScryptRecipient(key)
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(10)
	var buf bytes.Buffer
	enc, _ := age.Encrypt(&buf, r)
	gz := gzip.NewWriter(enc)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg})
	tw.Write(body)
	tw.Close()
	gz.Close()
	enc.Close()
	return buf.Bytes()
}
