package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/backup"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/shop"
	"kaede/internal/testenv"
)

const testBackupKey = "0123456789abcdef0123456789abcdef-test-key"

// TestBackupUnderLoad backs up a running demo while customers place
// orders, restores the archive into an empty place, and finds there every
// order placed before the backup began, each row as the store holds it,
// the same customers, an audit chain that verifies and the same media; a
// store starts on the restored data. A wrong key, a changed byte and a
// place that is not empty each fail with a message that says so.
func TestBackupUnderLoad(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testBackupUnderLoad(t, Config{DataDir: t.TempDir()}, "") })
	if dbtest.WantPostgres() {
		t.Run("postgres", func(t *testing.T) {
			for _, tool := range []string{"pg_dump", "pg_restore"} {
				if _, err := exec.LookPath(tool); err != nil {
					testenv.Missing(t, "%s is not on PATH (Debian: postgresql-client)", tool)
				}
			}
			// The store in a schema of its own, as the other end-to-end
			// tests run; the restore goes into a new, empty database,
			// which gets that schema (pg_dump --schema follows the URL's
			// search_path).
			src := dbtest.Postgres(t).URL
			u, err := url.Parse(dbtest.PostgresDatabase(t))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("search_path", mustQuery(t, src, "search_path"))
			u.RawQuery = q.Encode()
			testBackupUnderLoad(t, Config{DataDir: t.TempDir(), DatabaseURL: src}, u.String())
		})
	}
}

func testBackupUnderLoad(t *testing.T, cfg Config, restoreURL string) {
	t.Setenv("KAEDE_BACKUP_KEY", testBackupKey)
	t.Setenv("KAEDE_BACKUP_KEY_FILE", "")
	m := start(t, cfg)
	defer m.Close()
	looseLimits(t, m) // every load client is 127.0.0.1
	sku := loadProduct(t, m)
	for i := range 3 {
		if _, err := m.svc.members.Register(t.Context(), member.RegisterInput{Email: fmt.Sprintf("customer%d@example.jp", i),
			Password: "correct horse battery", Name: "山田 太郎", NameKana: "ヤマダ タロウ"}); err != nil {
			t.Fatalf("register a customer: %v", err)
		}
	}
	orders := func(d *db.DB) int {
		var n int
		if err := d.QueryRow(`SELECT COUNT(*) FROM orders`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Customers keep ordering until told to stop.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 30 * time.Second}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var placed atomic.Int64
	var loadErr atomic.Value
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := apiOrder(client, m.URL(), sku); err != nil {
					loadErr.Store(err)
					return
				}
				placed.Add(1)
			}
		})
	}
	stopLoad := func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}
	defer stopLoad()
	waitUntil(t, 60*time.Second, func() bool { return placed.Load() >= 8 || loadErr.Load() != nil })
	before := ids(t, m.db, "orders")

	archive := filepath.Join(t.TempDir(), "shop.backup")
	args := []string{"backup", "--data", cfg.DataDir, "--out", archive}
	if cfg.DatabaseURL != "" {
		args = append(args, "--database", cfg.DatabaseURL)
	}
	var out bytes.Buffer
	if err := run(t.Context(), args, &out, &out); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	during := placed.Load()
	waitUntil(t, 60*time.Second, func() bool { return placed.Load() >= during+4 || loadErr.Load() != nil })
	stopLoad()
	if err := loadErr.Load(); err != nil {
		t.Fatalf("an order failed during the backup: %v", err)
	}
	t.Logf("%s(%d orders placed during the load)", out.String(), placed.Load())

	dst := filepath.Join(t.TempDir(), "restored")
	restore := func(from, dir, dbURL string) (string, error) {
		args := []string{"restore", "--from", from, "--data", dir}
		if dbURL != "" {
			args = append(args, "--database", dbURL)
		}
		var out bytes.Buffer
		err := run(t.Context(), args, &out, &out)
		return out.String(), err
	}

	// Failures first, into the place the real restore then uses: each
	// must leave it as empty as it was.
	t.Run("wrong key", func(t *testing.T) {
		t.Setenv("KAEDE_BACKUP_KEY", strings.Repeat("w", 40))
		_, err := restore(archive, dst, restoreURL)
		if err == nil || !strings.Contains(err.Error(), "does not open this archive") {
			t.Fatalf("restore with a wrong key: %v, want the key named", err)
		}
		wantAbsent(t, dst)
	})
	t.Run("tampered", func(t *testing.T) {
		b, err := os.ReadFile(archive)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x01
		bad := filepath.Join(t.TempDir(), "tampered.backup")
		if err := os.WriteFile(bad, b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = restore(bad, dst, restoreURL)
		if err == nil || !strings.Contains(err.Error(), "damaged or was tampered with") {
			t.Fatalf("restore of a changed archive: %v, want it called damaged", err)
		}
		wantAbsent(t, dst)
	})
	t.Run("short key", func(t *testing.T) {
		t.Setenv("KAEDE_BACKUP_KEY", "short")
		err := run(t.Context(), []string{"backup", "--data", cfg.DataDir, "--out", archive + ".2"}, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "KAEDE_BACKUP_KEY") {
			t.Fatalf("backup with a short key: %v, want KAEDE_BACKUP_KEY named", err)
		}
	})
	t.Run("not empty", func(t *testing.T) {
		_, err := restore(archive, cfg.DataDir, cfg.DatabaseURL)
		if err == nil || !strings.Contains(err.Error(), "is not empty") || !strings.Contains(err.Error(), cfg.DataDir) {
			t.Fatalf("restore onto the running store's directory: %v, want it refused and named", err)
		}
		if cfg.DatabaseURL != "" {
			_, err := restore(archive, t.TempDir(), cfg.DatabaseURL)
			if err == nil || !strings.Contains(err.Error(), "is not empty") {
				t.Fatalf("restore onto the running store's database: %v, want it refused", err)
			}
		}
	})

	t0 := time.Now()
	msg, err := restore(archive, dst, restoreURL)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, msg)
	}
	t.Logf("%srestore took %s", msg, time.Since(t0).Round(time.Millisecond))
	dstURL := restoreURL
	if dstURL == "" {
		dstURL = filepath.Join(dst, "kaede.db")
	}
	r, err := db.Open(t.Context(), dstURL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// The backup is one snapshot: it holds every order committed before
	// it began and none that differs from the store's. Which orders
	// committed during it is not a prefix of their ids on PostgreSQL (an
	// order takes its id when it begins writing and commits later), so
	// the orders compared are the restored ones, by id.
	restored := ids(t, r, "orders")
	got := len(restored)
	for _, id := range before {
		if !slices.Contains(restored, id) {
			t.Fatalf("order %d was placed before the backup began and is not restored (%d restored)", id, got)
		}
	}
	in := idList(restored)
	sameRows(t, m.db, r, "orders", "id IN "+in)
	sameRows(t, m.db, r, "order_lines", "order_id IN "+in)
	sameRows(t, m.db, r, "members", "1=1")
	n, err := audit.Verify(t.Context(), r)
	if err != nil || n == 0 {
		t.Fatalf("restored audit chain: %d entries, %v", n, err)
	}
	last, err := audit.List(t.Context(), r, audit.Filter{Limit: 1})
	if err != nil || len(last) != 1 || last[0].Action != "backup.restore" || last[0].Actor != "system:backup" {
		t.Fatalf("last restored audit entry: %+v %v, want the restore by system:backup", last, err)
	}
	if list, err := audit.List(t.Context(), m.db, audit.Filter{Action: "backup.create"}); err != nil || len(list) != 1 {
		t.Fatalf("backup.create entries in the store: %d %v, want 1", len(list), err)
	}
	sameFiles(t, filepath.Join(cfg.DataDir, "media"), filepath.Join(dst, "media"))

	// A store starts on what was restored and serves its orders.
	m.Close()
	m2 := start(t, Config{DataDir: dst, DatabaseURL: restoreURL})
	defer m2.Close()
	if n := orders(m2.db); n != got {
		t.Fatalf("the store on the restored data has %d orders, want %d", n, got)
	}
	buy(t, m2.URL())
}

func mustQuery(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Query().Get(key) == "" {
		t.Fatalf("%s in %s: %v", key, raw, err)
	}
	return u.Query().Get(key)
}

// loadProduct adds a product with stock for any load and returns its SKU.
func loadProduct(t *testing.T, m *Main) string {
	t.Helper()
	cat, err := m.svc.catalog.Categories(t.Context())
	if err != nil || len(cat) == 0 {
		t.Fatalf("categories: %v", err)
	}
	const sku = "BACKUP-LOAD"
	if _, err := m.svc.catalog.CreateProduct(t.Context(), catalog.Product{Slug: "backup-load", CategoryID: cat[0].ID,
		NameJa: "負荷試験用", TaxClass: shop.TaxStandard, Status: catalog.StatusPublished,
		Variants: []catalog.Variant{{SKU: sku, Price: 1100, Stock: 1_000_000, MaxPerOrder: 9}}},
		audit.Actor{Name: audit.ActorCLI}); err != nil {
		t.Fatal(err)
	}
	return sku
}

// ids are the ids of table's rows, in order.
func ids(t *testing.T, d *db.DB, table string) []int64 {
	t.Helper()
	rows, err := d.Query(`SELECT id FROM ` + table + ` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// idList is ids as an SQL list: (1,2,3).
func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return "(" + strings.Join(s, ",") + ")"
}

// sameRows compares every row of table matching where, column by column.
func sameRows(t *testing.T, a, b *db.DB, table, where string) {
	t.Helper()
	ra, rb := tableRows(t, a, table, where), tableRows(t, b, table, where)
	if len(ra) != len(rb) {
		t.Fatalf("%s: %d rows in the store, %d restored", table, len(ra), len(rb))
	}
	if len(ra) == 0 {
		t.Fatalf("%s: no rows to compare", table)
	}
	for i := range ra {
		if ra[i] != rb[i] {
			t.Fatalf("%s row %d:\nstore:    %s\nrestored: %s", table, i, ra[i], rb[i])
		}
	}
}

func tableRows(t *testing.T, d *db.DB, table, where string) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT * FROM `+table+` WHERE `+where+` ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(&sb, "%s=%v ", cols[i], v)
		}
		out = append(out, sb.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameFiles checks that dir b holds exactly the files of dir a, byte for
// byte.
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	files := func(dir string) map[string]string {
		m := map[string]string{}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			body, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			m[rel] = string(body)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	fa, fb := files(a), files(b)
	if len(fa) == 0 || len(fa) != len(fb) {
		t.Fatalf("media: %d files in the store, %d restored", len(fa), len(fb))
	}
	for name, body := range fa {
		if fb[name] != body {
			t.Fatalf("media %s differs after the restore", name)
		}
	}
}

func wantAbsent(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("%s after a failed restore: %v, %d entries; want it untouched (absent)", dir, err, len(entries))
	}
}

// TestScheduledBackup: with --backup-dir set the store writes a backup at
// start, audited, and keeps only the newest --backup-keep.
func TestScheduledBackup(t *testing.T) {
	dir := t.TempDir()
	for _, old := range []string{"kaede-20250101T000000Z.backup", "kaede-20250102T000000Z.backup", "kaede-20250103T000000Z.backup"} {
		p := filepath.Join(dir, old)
		if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		past := time.Now().Add(-48 * time.Hour)
		os.Chtimes(p, past, past)
	}
	other := filepath.Join(dir, "notes.txt") // not a backup: never removed
	os.WriteFile(other, []byte("keep"), 0o600)
	m := start(t, Config{DataDir: t.TempDir(), Backup: BackupConfig{Dir: dir, Every: time.Hour, Keep: 2, Key: testBackupKey}})
	defer m.Close()
	waitUntil(t, 60*time.Second, func() bool {
		names, _ := backup.List(dir)
		return len(names) == 2 && names[0] == "kaede-20250103T000000Z.backup"
	})
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("a file that is not a backup was removed: %v", err)
	}
	list, err := audit.List(t.Context(), m.db, audit.Filter{Action: "backup.create"})
	if err != nil || len(list) != 1 || list[0].Actor != "system:backup" {
		t.Fatalf("audited backups: %+v %v, want one by system:backup", list, err)
	}
}

// TestBackupConfig: the scheduled backup is off by default, and when set
// its settings are checked, naming each.
func TestBackupConfig(t *testing.T) {
	for _, tc := range []struct {
		c    BackupConfig
		want string
	}{
		{BackupConfig{}, ""},
		{BackupConfig{Dir: "b", Every: time.Hour, Keep: 7, Key: testBackupKey}, ""},
		{BackupConfig{Dir: "b", Every: time.Second, Keep: 7, Key: testBackupKey}, "KAEDE_BACKUP_EVERY"},
		{BackupConfig{Dir: "b", Every: time.Hour, Keep: 0, Key: testBackupKey}, "KAEDE_BACKUP_KEEP"},
		{BackupConfig{Dir: "b", Every: time.Hour, Keep: 7, Key: "short"}, "KAEDE_BACKUP_KEY"},
	} {
		err := tc.c.validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.c, err, tc.want)
		}
	}
}
