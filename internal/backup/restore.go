package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"kaede/internal/audit"
	"kaede/internal/db"
)

// Target is the empty place a backup is restored to.
type Target struct {
	// DataDir receives the media (and the SQLite database unless
	// DatabaseURL names another file); it must be empty or absent.
	DataDir string
	// DatabaseURL: a postgres:// URL of an empty database, or a SQLite
	// path that does not exist yet; empty means DataDir/kaede.db.
	DatabaseURL string
	Now         time.Time
}

// Restore unpacks the archive in r into t, checking every member against
// the manifest before anything is put in place, loads the database, and
// records the restore in the restored audit log. It refuses a target that
// is not empty, naming it.
func Restore(ctx context.Context, r io.Reader, key string, t Target) (Manifest, error) {
	if t.DataDir == "" {
		return Manifest{}, errors.New("restore: no data directory given")
	}
	if t.DatabaseURL == "" {
		t.DatabaseURL = filepath.Join(t.DataDir, sqliteName)
	}
	postgres := strings.HasPrefix(t.DatabaseURL, "postgres://") || strings.HasPrefix(t.DatabaseURL, "postgresql://")
	if !postgres {
		// The forms db.Open accepts for a SQLite file.
		t.DatabaseURL = strings.TrimPrefix(strings.TrimPrefix(t.DatabaseURL, "sqlite:"), "file:")
	}
	if err := emptyDir(t.DataDir); err != nil {
		return Manifest{}, err
	}
	if !postgres {
		if _, err := os.Lstat(t.DatabaseURL); err == nil {
			return Manifest{}, fmt.Errorf("database file %s already exists: a restore never overwrites a database", t.DatabaseURL)
		}
	} else {
		d, err := db.Open(ctx, t.DatabaseURL)
		if err != nil {
			return Manifest{}, err
		}
		err = postgresEmpty(ctx, d)
		d.Close()
		if err != nil {
			return Manifest{}, err
		}
	}

	// Unpack beside the target, so that moving into place is a rename.
	parent := filepath.Dir(filepath.Clean(t.DataDir))
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	stage, err := os.MkdirTemp(parent, ".kaede-restore-")
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)
	man, err := unpack(r, key, stage)
	if err != nil {
		return man, err
	}
	want := "sqlite"
	if postgres {
		want = "postgres"
	}
	if man.Database != want {
		return man, fmt.Errorf("the archive holds a %s database; restore it to a %s (a %s target was given)", man.Database, dbPlace(man.Database), want)
	}

	if postgres {
		if err := restorePostgres(ctx, t.DatabaseURL, filepath.Join(stage, pgdumpName)); err != nil {
			return man, err
		}
		os.Remove(filepath.Join(stage, pgdumpName))
	} else if t.DatabaseURL != filepath.Join(t.DataDir, sqliteName) {
		if err := os.MkdirAll(filepath.Dir(t.DatabaseURL), 0o700); err != nil {
			return man, fmt.Errorf("restore: %w", err)
		}
		if err := os.Rename(filepath.Join(stage, sqliteName), t.DatabaseURL); err != nil {
			return man, fmt.Errorf("restore the database: %w", err)
		}
	}
	if err := moveInto(stage, t.DataDir); err != nil {
		return man, err
	}

	d, err := db.Open(ctx, t.DatabaseURL)
	if err != nil {
		return man, err
	}
	defer d.Close()
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, t.Now, audit.System("backup"), "backup.restore", "", nil,
			map[string]any{"created_at": man.CreatedAt, "kaede_version": man.Version, "database": man.Database,
				"members": len(man.Members)})
	})
	if err != nil {
		return man, fmt.Errorf("restored, but not recorded in the audit log: %w", err)
	}
	return man, nil
}

func dbPlace(kind string) string {
	if kind == "postgres" {
		return "PostgreSQL database (--database postgres://…)"
	}
	return "SQLite file (the default)"
}

// emptyDir accepts a directory that is absent or empty.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("restore into %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("directory %s is not empty (it holds %s): a restore goes into an empty place only", dir, entries[0].Name())
	}
	return nil
}

// unpack decrypts and unpacks the archive into dir and checks it against
// its manifest.
func unpack(r io.Reader, key string, dir string) (Manifest, error) {
	var man Manifest
	id, err := age.NewScryptIdentity(key)
	if err != nil {
		return man, fmt.Errorf("backup key: %w", err)
	}
	plain, err := age.Decrypt(r, id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return man, ErrWrongKey
		}
		return man, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	gz, err := gzip.NewReader(plain)
	if err != nil {
		return man, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	tr := tar.NewReader(gz)
	got := map[string]Member{}
	var manifest []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return man, fmt.Errorf("%w: %v", ErrDamaged, err)
		}
		if err := memberPath(h.Name); err != nil {
			return man, fmt.Errorf("%w: %v", ErrDamaged, err)
		}
		if h.Typeflag != tar.TypeReg {
			return man, fmt.Errorf("%w: member %s is not a plain file", ErrDamaged, h.Name)
		}
		if manifest != nil {
			return man, fmt.Errorf("%w: member %s after the manifest", ErrDamaged, h.Name)
		}
		if h.Name == manifestName {
			if manifest, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
				return man, fmt.Errorf("%w: %v", ErrDamaged, err)
			}
			continue
		}
		if _, dup := got[h.Name]; dup {
			return man, fmt.Errorf("%w: member %s twice", ErrDamaged, h.Name)
		}
		m, err := extract(tr, dir, h.Name)
		if err != nil {
			return man, err
		}
		got[h.Name] = m
	}
	// Reading to the end makes age check the last chunk and gzip its
	// checksum: a cut-off archive fails here.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return man, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	if _, err := io.Copy(io.Discard, plain); err != nil {
		return man, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	if manifest == nil {
		return man, fmt.Errorf("%w: no manifest", ErrDamaged)
	}
	if err := json.Unmarshal(manifest, &man); err != nil {
		return man, fmt.Errorf("%w: manifest: %v", ErrDamaged, err)
	}
	if man.Format != 1 {
		return man, fmt.Errorf("archive format %d: this release reads format 1", man.Format)
	}
	if len(man.Members) != len(got) {
		return man, fmt.Errorf("%w: the manifest lists %d members, the archive holds %d", ErrDamaged, len(man.Members), len(got))
	}
	for _, m := range man.Members {
		if got[m.Name] != m {
			return man, fmt.Errorf("%w: member %s does not match the manifest", ErrDamaged, m.Name)
		}
	}
	return man, nil
}

// extract writes one member under dir and returns its size and hash.
func extract(r io.Reader, dir, name string) (Member, error) {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return Member{}, fmt.Errorf("restore %s: %w", name, err)
	}
	mode := os.FileMode(0o644) // media are served to everyone
	if !strings.HasPrefix(name, mediaDir+"/") {
		mode = 0o600
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return Member{}, fmt.Errorf("restore %s: %w", name, err)
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, sum), r)
	if err != nil {
		f.Close()
		return Member{}, fmt.Errorf("%w: %s: %v", ErrDamaged, name, err)
	}
	if err := f.Close(); err != nil {
		return Member{}, fmt.Errorf("restore %s: %w", name, err)
	}
	return Member{Name: name, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// moveInto moves what stage holds into dir, which is absent or empty.
func moveInto(stage, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	return nil
}
