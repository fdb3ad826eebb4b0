// Package backup writes and restores the shop's backups: one encrypted
// archive holding a consistent copy of the database (SQLite through VACUUM
// INTO while the shop runs, PostgreSQL through pg_dump), the media files
// and a manifest with the SHA-256 of every member.
//
// The archive is a gzipped tar inside age encryption (filippo.io/age) with
// the operator's backup key as its scrypt passphrase. age authenticates
// every chunk, so a wrong key, a changed byte or a cut-off file fails the
// restore before anything is put in place; the manifest's hashes are
// checked again after unpacking.
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
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"

	"kaede/internal/audit"
	"kaede/internal/db"
)

// MinKeyLength is the shortest backup key accepted: 32 random characters
// (openssl rand -hex 32 prints 64) leave nothing to guess.
const MinKeyLength = 32

// workFactor is scrypt's log2(N). The key is random and long, so the
// key-stretching that protects a typed passphrase adds nothing; 2^15 keeps
// a restore's memory to 32 MiB instead of age's default 256 MiB.
const workFactor = 15

// Member names inside the archive, relative to the data directory.
const (
	manifestName = "MANIFEST.json"
	sqliteName   = "kaede.db"
	pgdumpName   = "kaede.pgdump"
	mediaDir     = "media"
)

// demoFiles are the demo's own secrets kept in its data directory (a real
// shop keeps them in the environment): a restored demo needs them to read
// its staff's second factors and sessions. The archive is encrypted.
var demoFiles = []string{"staff.key", "secret", "gateway-api-key", "gateway-webhook-secret"}

// Manifest describes an archive: what wrote it, when, and every member
// with its SHA-256.
type Manifest struct {
	Format    int       `json:"format"`
	Version   string    `json:"kaede_version"`
	CreatedAt time.Time `json:"created_at"`
	Database  string    `json:"database"` // "sqlite" or "postgres"
	Members   []Member  `json:"members"`
}

// Member is one file of the archive.
type Member struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Errors a restore reports, for the operator to tell a wrong key from a
// damaged file.
var (
	ErrWrongKey = errors.New("the backup key does not open this archive (wrong KAEDE_BACKUP_KEY, or not a Kaede backup)")
	ErrDamaged  = errors.New("the archive is damaged or was tampered with")
)

// CheckKey reports whether key is long enough.
func CheckKey(key string) error {
	if len(key) < MinKeyLength {
		return fmt.Errorf("must hold at least %d characters (e.g. openssl rand -hex 32)", MinKeyLength)
	}
	return nil
}

// Source is what a backup copies.
type Source struct {
	DB      *db.DB
	DataDir string // holds media/ (and the demo's own files)
	Version string // the running release, for the manifest
	Now     time.Time
}

// Result is a written backup.
type Result struct {
	Path     string
	Size     int64
	SHA256   string // of the archive file, kept in the audit log
	Manifest Manifest
}

// FileName is the name a scheduled backup gets: sortable by time, and
// what Prune recognises.
func FileName(t time.Time) string {
	return "kaede-" + t.UTC().Format("20060102T150405Z") + ".backup"
}

// CreateFile writes a backup of src to path (which must not exist),
// encrypted with key, and records it in the audit log. The file appears
// only once complete.
func CreateFile(ctx context.Context, path, key string, src Source) (Result, error) {
	if err := CheckKey(key); err != nil {
		return Result{}, err
	}
	if _, err := os.Lstat(path); err == nil {
		return Result{}, fmt.Errorf("%s already exists: a backup never overwrites a file", path)
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Result{}, fmt.Errorf("create backup: %w", err)
	}
	defer os.Remove(tmp)
	sum := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, sum)}
	man, err := create(ctx, cw, key, src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{}, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return Result{}, fmt.Errorf("create backup: %w", err)
	}
	res := Result{Path: path, Size: cw.n, SHA256: hex.EncodeToString(sum.Sum(nil)), Manifest: man}
	err = src.DB.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, src.Now, audit.System("backup"), "backup.create", "backup:"+filepath.Base(path), nil,
			map[string]any{"file": filepath.Base(path), "size": res.Size, "sha256": res.SHA256,
				"database": man.Database, "members": len(man.Members)})
	})
	if err != nil {
		return res, fmt.Errorf("backup written, but not recorded in the audit log: %w", err)
	}
	return res, nil
}

// create writes the encrypted archive to w.
func create(ctx context.Context, w io.Writer, key string, src Source) (Manifest, error) {
	man := Manifest{Format: 1, Version: src.Version, CreatedAt: src.Now.UTC(), Database: string(src.DB.Dialect)}
	// The database copy is made first, beside the data it copies, in a
	// hidden directory the media walk skips.
	place := src.DataDir
	if _, err := os.Stat(place); err != nil {
		place = "" // a PostgreSQL shop may have no media yet: the system's temporary directory
	}
	work, err := os.MkdirTemp(place, ".backup-")
	if err != nil {
		return man, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)
	dbFile, dbName, err := dumpDatabase(ctx, src.DB, work)
	if err != nil {
		return man, err
	}

	r, err := age.NewScryptRecipient(key)
	if err != nil {
		return man, fmt.Errorf("backup key: %w", err)
	}
	r.SetWorkFactor(workFactor)
	enc, err := age.Encrypt(w, r)
	if err != nil {
		return man, fmt.Errorf("encrypt: %w", err)
	}
	gz := gzip.NewWriter(enc)
	tw := tar.NewWriter(gz)
	add := func(name, file string) error {
		m, err := addFile(tw, name, file, src.Now)
		if err != nil {
			return err
		}
		man.Members = append(man.Members, m)
		return ctx.Err()
	}
	if err := add(dbName, dbFile); err != nil {
		return man, err
	}
	media := filepath.Join(src.DataDir, mediaDir)
	err = filepath.WalkDir(media, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == media {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		// Dot-files are uploads still being written (media.Store).
		if strings.HasPrefix(d.Name(), ".") && p != media {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(src.DataDir, p)
		if err != nil {
			return err
		}
		return add(filepath.ToSlash(rel), p)
	})
	if err != nil {
		return man, fmt.Errorf("back up media: %w", err)
	}
	for _, name := range demoFiles {
		p := filepath.Join(src.DataDir, name)
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			if err := add(name, p); err != nil {
				return man, err
			}
		}
	}
	body, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return man, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(body)), ModTime: src.Now, Typeflag: tar.TypeReg}); err != nil {
		return man, err
	}
	if _, err := tw.Write(body); err != nil {
		return man, err
	}
	for _, c := range []io.Closer{tw, gz, enc} {
		if err := c.Close(); err != nil {
			return man, fmt.Errorf("write backup: %w", err)
		}
	}
	return man, nil
}

// addFile copies one file into the archive and returns its member entry.
// A file that changes size while it is read (an upload replaced) fails the
// backup rather than storing a torn copy.
func addFile(tw *tar.Writer, name, file string, now time.Time) (Member, error) {
	f, err := os.Open(file)
	if err != nil {
		return Member{}, fmt.Errorf("back up %s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Member{}, fmt.Errorf("back up %s: %w", name, err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return Member{}, fmt.Errorf("back up %s: %w", name, err)
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, sum), io.LimitReader(f, fi.Size()))
	if err != nil {
		return Member{}, fmt.Errorf("back up %s: %w", name, err)
	}
	if n != fi.Size() {
		return Member{}, fmt.Errorf("back up %s: the file shrank while it was read", name)
	}
	return Member{Name: name, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// Prune removes the oldest backups named by FileName in dir, keeping the
// newest keep, and returns the names removed.
func Prune(dir string, keep int) ([]string, error) {
	names, err := List(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return removed, fmt.Errorf("remove old backup: %w", err)
		}
		removed = append(removed, names[0])
		names = names[1:]
	}
	return removed, nil
}

// List returns the backups named by FileName in dir, oldest first.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, "kaede-") && strings.HasSuffix(n, ".backup") {
			if _, err := time.Parse("20060102T150405Z", strings.TrimSuffix(strings.TrimPrefix(n, "kaede-"), ".backup")); err == nil {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

// memberPath checks an archive member's name: relative, clean, and one of
// the names a backup writes, so that an archive cannot write outside the
// place it is restored to.
func memberPath(name string) error {
	if name == "" || path.IsAbs(name) || path.Clean(name) != name || strings.HasPrefix(name, "../") || name == ".." || strings.Contains(name, "\\") {
		return fmt.Errorf("member %q: not a plain relative path", name)
	}
	switch {
	case name == sqliteName, name == pgdumpName, name == manifestName, strings.HasPrefix(name, mediaDir+"/"):
		return nil
	}
	for _, f := range demoFiles {
		if name == f {
			return nil
		}
	}
	return fmt.Errorf("member %q: not something a Kaede backup holds", name)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
