package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/backup"
	"kaede/internal/db"
	"kaede/internal/jobs"
	"kaede/internal/shop"
)

// Backups: kaede backup and kaede restore for the operator, and the
// scheduled backup job (off until --backup-dir is set). Every archive is
// encrypted with the key in KAEDE_BACKUP_KEY (or the file
// KAEDE_BACKUP_KEY_FILE names); internal/backup says what it holds.

// envBackupKey names the variable that holds the backup key.
const envBackupKey = "KAEDE_BACKUP_KEY"

// backupKey reads the backup key from the environment, naming the
// variable when it is missing or short.
func backupKey() (string, error) {
	k, err := secretFromEnv(envBackupKey)
	if err != nil {
		return "", err
	}
	if err := backup.CheckKey(k); err != nil {
		return "", fmt.Errorf("%s (or %s_FILE): %w", envBackupKey, envBackupKey, err)
	}
	return k, nil
}

// BackupConfig is the scheduled backup: where, how often, how many kept.
type BackupConfig struct {
	Dir   string        // empty: no scheduled backup
	Every time.Duration // between backups
	Keep  int           // newest backups kept in Dir; older ones are removed
	Key   string        // KAEDE_BACKUP_KEY
}

const minBackupEvery = time.Minute

func (c *BackupConfig) bindFlags(fs *flag.FlagSet) {
	every, err := time.ParseDuration(envOr("KAEDE_BACKUP_EVERY", "24h"))
	if err != nil {
		every = -1 // reported by validate, naming the setting
	}
	keep, err := strconv.Atoi(envOr("KAEDE_BACKUP_KEEP", "7"))
	if err != nil {
		keep = -1
	}
	fs.StringVar(&c.Dir, "backup-dir", envOr("KAEDE_BACKUP_DIR", ""), "directory for scheduled encrypted backups; empty: none (KAEDE_BACKUP_DIR; the key in KAEDE_BACKUP_KEY or KAEDE_BACKUP_KEY_FILE)")
	fs.DurationVar(&c.Every, "backup-every", every, "time between scheduled backups, at least 1m (KAEDE_BACKUP_EVERY)")
	fs.IntVar(&c.Keep, "backup-keep", keep, "scheduled backups kept; older ones are removed (KAEDE_BACKUP_KEEP)")
}

func (c *BackupConfig) loadSecrets() error {
	if c.Dir == "" {
		return nil
	}
	var err error
	c.Key, err = backupKey()
	return err
}

func (c *BackupConfig) validate() error {
	if c.Dir == "" {
		return nil
	}
	if c.Every < minBackupEvery {
		return fmt.Errorf("KAEDE_BACKUP_EVERY / --backup-every: want a duration of at least %s, e.g. 24h", minBackupEvery)
	}
	if c.Keep < 1 {
		return errors.New("KAEDE_BACKUP_KEEP / --backup-keep: want a whole number of at least 1")
	}
	if err := backup.CheckKey(c.Key); err != nil {
		return fmt.Errorf("%s (or %s_FILE): %w", envBackupKey, envBackupKey, err)
	}
	return nil
}

// backupTasks is the scheduled backup, when configured. A task also runs
// when an instance becomes leader; a backup younger than half the interval
// makes that run do nothing, so that restarts do not pile backups up.
func (m *Main) backupTasks() []jobs.Task {
	c := m.Config.Backup
	if c.Dir == "" {
		return nil
	}
	return []jobs.Task{{Name: "backup", Every: c.Every, Timeout: 2 * time.Hour, Run: func(ctx context.Context) error {
		if err := os.MkdirAll(c.Dir, 0o700); err != nil {
			return fmt.Errorf("backup directory: %w", err)
		}
		now := m.Clock()
		if names, err := backup.List(c.Dir); err == nil && len(names) > 0 {
			if fi, err := os.Stat(filepath.Join(c.Dir, names[len(names)-1])); err == nil && now.Sub(fi.ModTime()) < c.Every/2 {
				return nil
			}
		}
		res, err := backup.CreateFile(ctx, filepath.Join(c.Dir, backup.FileName(now)), c.Key,
			backup.Source{DB: m.db, DataDir: m.Config.DataDir, Version: version, Now: now})
		if err != nil {
			m.Log.Error("scheduled backup failed", "error", err)
			return err
		}
		removed, err := backup.Prune(c.Dir, c.Keep)
		m.Log.Info("backup written", "file", res.Path, "bytes", res.Size, "sha256", res.SHA256, "removed", len(removed))
		return err
	}}}
}

// placeFlags are the flags that name a store's data: the data directory,
// the database, or the demo's.
type placeFlags struct {
	data, database string
	demo           bool
}

func (p *placeFlags) bind(fs *flag.FlagSet, dataHelp string) {
	fs.StringVar(&p.data, "data", envOr("KAEDE_DATA_DIR", ""), dataHelp)
	fs.StringVar(&p.database, "database", envOr("KAEDE_DATABASE_URL", ""), "database URL, default DATA/kaede.db (KAEDE_DATABASE_URL)")
	fs.BoolVar(&p.demo, "demo", false, "the demo's data directory ("+defaultDemoDir()+")")
}

// config resolves the flags the way the other operator commands do.
func (p placeFlags) config(def string) Config {
	cfg := Config{DataDir: p.data, DatabaseURL: p.database, Addr: "127.0.0.1:8080"}
	if cfg.DataDir == "" {
		cfg.DataDir = def
		if p.demo {
			cfg.DataDir = defaultDemoDir()
		}
	}
	cfg.finish()
	return cfg
}

// runBackup writes one backup now, while the store runs.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p placeFlags
	var out string
	fs := newFlagSet("backup", "Writes an encrypted backup of the store while it runs: a consistent copy of the database\n"+
		"(SQLite: VACUUM INTO; PostgreSQL: pg_dump, which must be on PATH), the media files and a manifest with the\n"+
		"SHA-256 of each. The key comes from KAEDE_BACKUP_KEY or the file KAEDE_BACKUP_KEY_FILE names (at least 32\n"+
		"characters, e.g. openssl rand -hex 32). Audited as the system.", stderr)
	p.bind(fs, "data directory: database and media (KAEDE_DATA_DIR); default kaede-data, or the demo's with --demo")
	fs.StringVar(&out, "out", "", "the backup file to write (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" || fs.NArg() > 0 {
		return errors.New("backup: --out FILE is required (and nothing else)")
	}
	key, err := backupKey()
	if err != nil {
		return err
	}
	cfg := p.config("kaede-data")
	if !strings.Contains(cfg.DatabaseURL, "://") {
		// Opening a SQLite path creates it: a mistyped --data would back
		// up a new, empty shop.
		if _, err := os.Stat(cfg.DatabaseURL); err != nil {
			return fmt.Errorf("backup: no database at %s (check --data or --database): %w", cfg.DatabaseURL, err)
		}
	}
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	start := time.Now()
	res, err := backup.CreateFile(ctx, out, key, backup.Source{DB: d, DataDir: cfg.DataDir, Version: version, Now: shop.SystemClock()})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written: %s\n  %d bytes, %d files (%s database and media), in %s\n  sha256 %s\n",
		res.Path, res.Size, len(res.Manifest.Members), res.Manifest.Database, time.Since(start).Round(time.Millisecond), res.SHA256)
	return nil
}

// runRestore restores a backup into an empty place.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p placeFlags
	var from string
	fs := newFlagSet("restore", "Restores a backup made by kaede backup into an empty data directory (and, with --database\n"+
		"postgres://…, an empty PostgreSQL database, through pg_restore). Nothing is put in place until every file\n"+
		"matches the archive's manifest. The key comes from KAEDE_BACKUP_KEY or KAEDE_BACKUP_KEY_FILE.", stderr)
	p.bind(fs, "the empty (or absent) data directory to restore into (KAEDE_DATA_DIR)")
	fs.StringVar(&from, "from", "", "the backup file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if from == "" || fs.NArg() > 0 {
		return errors.New("restore: --from FILE is required (and nothing else)")
	}
	if p.data == "" && !p.demo {
		return errors.New("restore: --data DIR is required: the empty directory to restore into")
	}
	key, err := backupKey()
	if err != nil {
		return err
	}
	f, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	cfg := p.config("")
	start := time.Now()
	man, err := backup.Restore(ctx, f, key, backup.Target{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Now: shop.SystemClock()})
	if err != nil {
		return fmt.Errorf("restore %s: %w", from, err)
	}
	fmt.Fprintf(stdout, "restored %s (taken %s by kaede %s, %s database, %d files) into %s in %s\n",
		from, man.CreatedAt.Format(time.RFC3339), man.Version, man.Database, len(man.Members), cfg.DataDir,
		time.Since(start).Round(time.Millisecond))
	// The restored chain is checked at once: a backup that restores a
	// broken audit log is news the operator needs now.
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := audit.Verify(ctx, d)
	if err != nil {
		return fmt.Errorf("restored, but the audit chain does not verify: %w", err)
	}
	fmt.Fprintf(stdout, "audit chain verified: %d entries\n", n)
	fmt.Fprintln(stdout, "Next: kaede migrate (if this release is newer), then start the store on it.")
	return nil
}
