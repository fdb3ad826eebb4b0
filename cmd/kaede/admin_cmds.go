package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"kaede/internal/audit"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// staffKeyFile is the demo's staff key in the data directory. A real shop
// keeps its key out of the data directory (KAEDE_STAFF_KEY_FILE), so that a
// copy of the database and its directory does not carry the key that opens
// the staff's TOTP secrets.
const staffKeyFile = "staff.key"

// staffKey returns the 32-byte key that seals staff TOTP secrets: from
// KAEDE_STAFF_KEY or the file named by KAEDE_STAFF_KEY_FILE (hex or
// base64), or, for the demo only, DATA/staff.key, created on first use.
func staffKey(dataDir string, demo bool) ([]byte, error) {
	v, err := secretFromEnv("KAEDE_STAFF_KEY")
	if err != nil {
		return nil, err
	}
	if v != "" {
		k, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("KAEDE_STAFF_KEY: %w", err)
		}
		return k, nil
	}
	if !demo {
		return nil, errors.New("KAEDE_STAFF_KEY or KAEDE_STAFF_KEY_FILE must hold the staff key: 32 random bytes, hex or base64 (e.g. openssl rand -hex 32)")
	}
	path := filepath.Join(dataDir, staffKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := decodeKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read staff key: %w", err)
	}
	k := make([]byte, staff.KeySize)
	rand.Read(k)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create staff key: %w", err)
	}
	// O_EXCL: two first starts at once must not write two different keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return staffKey(dataDir, demo)
	}
	if err != nil {
		return nil, fmt.Errorf("create staff key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write staff key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write staff key: %w", err)
	}
	return k, nil
}

// decodeKey reads a staff key written as hex or base64 (standard or URL
// alphabet, padded or not).
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == staff.KeySize {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == staff.KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("want %d bytes as hex or base64", staff.KeySize)
}

const staffUsage = `Usage:
  kaede staff add --email ADDRESS --role ROLE [--admin-url URL] [--data DIR | --database URL] [--demo]
  kaede staff list [--data DIR | --database URL] [--demo]

Roles: owner, manager, shipping, support, auditor.
The staff key comes from KAEDE_STAFF_KEY or KAEDE_STAFF_KEY_FILE; with --demo, from DATA/staff.key.`

// runStaff holds the operator's tasks on staff accounts: adding one (the
// first owner, or an owner again when none can log in) and listing them.
// Both act as the command line (staff.CLI), which the audit log records.
func runStaff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		fmt.Fprintln(stderr, staffUsage)
		return errors.New("unknown or missing staff task")
	}
	task := args[0]
	var email, role, adminURL string
	var demo bool
	summary := "Adds a member of staff and prints their one-time enrolment link (valid for 72 hours)."
	if task == "list" {
		summary = "Lists the members of staff."
	}
	d, fs, err := openDB(ctx, "staff "+task, summary, args[1:], stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&demo, "demo", false, "use (or create) the demo's staff key DATA/staff.key")
		if task == "add" {
			fs.StringVar(&email, "email", "", "the member of staff's e-mail address")
			fs.StringVar(&role, "role", "", "owner, manager, shipping, support or auditor")
			fs.StringVar(&adminURL, "admin-url", envOr("KAEDE_ADMIN_URL", envOr("KAEDE_BASE_URL", "")),
				"the admin's base URL, for the link (KAEDE_ADMIN_URL, else KAEDE_BASE_URL, else the one the store running on DATA recorded, else http://127.0.0.1:8080)")
		}
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if task == "add" && (email == "" || role == "") {
		return errors.New("--email and --role are required")
	}
	if err := checkSchema(ctx, d); err != nil {
		return err
	}
	key, err := staffKey(fs.Lookup("data").Value.String(), demo)
	if err != nil {
		return err
	}
	// Notices to staff (a new login address, a lock) are written to the
	// outbox; the running store's job runner delivers them.
	r, err := jobs.New(d, slog.New(slog.NewTextHandler(stderr, nil)), jobs.Config{})
	if err != nil {
		return err
	}
	svc, err := staff.New(d, mail.NewQueue(r, shop.SystemClock), shop.SystemClock, key)
	if err != nil {
		return err
	}
	if task == "list" {
		return listStaff(ctx, svc, stdout)
	}
	if adminURL == "" {
		adminURL = "http://127.0.0.1:8080"
		if u, ok, err := readURLs(fs.Lookup("data").Value.String()); err != nil {
			return err
		} else if ok {
			adminURL = u.Admin
		}
	}
	token, err := svc.Add(ctx, email, staff.Role(role), staff.CLI)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s added as %s. Give them this one-time enrolment link (valid for 72 hours) by a channel other than e-mail if you can:\n%s/admin/enrol?token=%s\n",
		strings.ToLower(strings.TrimSpace(email)), role, strings.TrimSuffix(adminURL, "/"), token)
	return nil
}

func listStaff(ctx context.Context, svc *staff.Service, stdout io.Writer) error {
	list, err := svc.List(ctx, staff.CLI)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tE-MAIL\tROLE\tSTATE\tLAST LOGIN")
	for _, m := range list {
		state := "active"
		switch {
		case !m.DisabledAt.IsZero():
			state = "disabled"
		case !m.Enrolled():
			state = "not enrolled"
		}
		last := "-"
		if !m.LastLoginAt.IsZero() {
			last = m.LastLoginAt.Format("2006-01-02 15:04 MST")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", m.ID, m.Email, m.Role, state, last)
	}
	return tw.Flush()
}

// runAudit holds the operator's tasks on the audit log: "verify" walks the
// hash chain and prints the number of entries when it is intact; otherwise
// it returns an error naming the first broken entry, so that the command
// exits non-zero (for cron and monitoring).
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "Usage: kaede audit verify [--data DIR | --database URL]")
		return errors.New("unknown or missing audit task")
	}
	d, _, err := openDB(ctx, "audit verify", "Checks the audit log's hash chain: every entry unchanged, none inserted or deleted.", args[1:], stderr, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := checkSchema(ctx, d); err != nil {
		return err
	}
	n, err := audit.Verify(ctx, d)
	if err != nil {
		var ce *audit.ChainError
		if errors.As(err, &ce) {
			return fmt.Errorf("audit log broken at entry %d (%s), after %d intact entries: %w", ce.ID, ce.Reason, n, err)
		}
		return err
	}
	id, hash, err := audit.Head(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries; head entry %d hash %s\n", n, id, hash)
	return nil
}
