// Package release is the manifest of what a release ships inside the
// binary: the SHA-256 of every embedded file (templates, scripts,
// stylesheets, page texts, e-mail templates, migrations, the PDF font)
// and one digest over them all. Two binaries with the same digest serve
// the same pages; the tamper monitor compares the running digest with the
// one its baseline was approved under, to tell a change that came with a
// new release (a warning for a person to approve) from one that came from
// outside it (critical).
package release

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"testing/fstest"

	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/incident"
	"kaede/internal/inquiry"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/payment/gateway"
	"kaede/internal/pdfdoc"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// File is one embedded file of the manifest.
type File struct {
	Path   string `json:"path"`   // "ui/admin/static/passkey.js": the source, then the file's path in it
	SHA256 string `json:"sha256"` // hex
}

// Manifest is every embedded file, sorted by path, and the digest over
// them.
type Manifest struct {
	Files []File `json:"files"`
	// Digest is the SHA-256 (hex) of the lines "PATH SHA256\n" of every
	// file in order: any file added, removed, renamed or changed changes it.
	Digest string `json:"digest"`
}

// Compute builds the manifest of the file systems, each named by its
// source ("ui", "migrations"…), which prefixes its files' paths.
func Compute(sources map[string]fs.FS) (Manifest, error) {
	var m Manifest
	for name, fsys := range sources {
		err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			m.Files = append(m.Files, File{Path: path.Join(name, p), SHA256: hex.EncodeToString(sum[:])})
			return nil
		})
		if err != nil {
			return Manifest{}, fmt.Errorf("release manifest: %s: %w", name, err)
		}
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	h := sha256.New()
	for _, f := range m.Files {
		fmt.Fprintf(h, "%s %s\n", f.Path, f.SHA256)
	}
	m.Digest = hex.EncodeToString(h.Sum(nil))
	return m, nil
}

// Embedded are the binary's embedded file systems by source name: every
// go:embed of the module. A new go:embed belongs here too.
func Embedded() map[string]fs.FS {
	name, font := pdfdoc.FontFile()
	return map[string]fs.FS{
		"ui":            ui.Files(),
		"gateway":       gateway.Templates(),
		"migrations":    db.Migrations(),
		"mail/checkout": checkout.MailTemplates(),
		"mail/inquiry":  inquiry.MailTemplates(),
		"mail/member":   member.MailTemplates(),
		"mail/order":    order.MailTemplates(),
		"mail/staff":    staff.MailTemplates(),
		"mail/incident": incident.MailTemplates(),
		"pdfdoc":        fstest.MapFS{name: {Data: font}},
	}
}

// Running is the manifest of this binary, computed once.
var Running = sync.OnceValues(func() (Manifest, error) { return Compute(Embedded()) })

// Changed reports whether the running binary's manifest differs from the
// digest a baseline was taken under: true means the pages may differ
// because a new release says so.
func Changed(baselineDigest string) (bool, error) {
	m, err := Running()
	if err != nil {
		return false, err
	}
	return !strings.EqualFold(m.Digest, baselineDigest), nil
}
