package incident_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
)

// The benchmark's shop: a million orders over four years (one every 126
// seconds from 2019-01-01), half of them by card, from 250,000 people
// who each order once a year, so that every order in a 303-day window is
// from a different person (the costliest case for counting people); one
// order in ten typed with capitals. 80,000 of the people have accounts.
// Each order has one payment; card ones through the gateway or Stripe,
// with four brands; and two lines, each of one of the 200 variants of 100
// products (so that one product is in about 2% of the orders). The data
// is made by the database itself (a recursive CTE on SQLite,
// generate_series on PostgreSQL): a minute, not an hour of INSERTs.
const (
	benchOrders    = 1_000_000
	benchPeople    = 250_000
	benchMembers   = 80_000
	benchProducts  = 100
	benchStep      = 126 // seconds between orders
	benchStartUnix = 1546300800
)

var (
	benchFrom = time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	benchTo   = benchFrom.AddDate(0, 0, 303)
)

// benchOrderSQL and benchPaymentSQL insert the orders and payments; %s
// is the dialect's row source, creation time and last four digits.
const benchOrderSQL = `INSERT INTO orders (id, number, member_id, email, status, payment_method, subtotal,
	shipping_fee, cod_fee, total, tax_basis, tax_rounding, invoice_number, ship_name, ship_name_kana, ship_postal_code,
	ship_prefecture, ship_city, ship_line1, ship_phone, access_token_hash, created_at, updated_at)
SELECT i + 1, 'B' || i,
	CASE WHEN (i * 7919) %% 250000 < 80000 THEN (i * 7919) %% 250000 + 1 END,
	CASE WHEN i %% 10 = 7 THEN 'Customer' || ((i * 7919) %% 250000) || '@Example.JP'
		ELSE 'customer' || ((i * 7919) %% 250000) || '@example.jp' END,
	'paid',
	CASE i %% 10 WHEN 0 THEN 'cod' WHEN 1 THEN 'cod' WHEN 2 THEN 'bank_transfer' WHEN 3 THEN 'bank_transfer'
		WHEN 4 THEN 'bank_transfer' ELSE 'card' END,
	3000 + (i %% 50) * 100, 0, 0, 3000 + (i %% 50) * 100, 'included', 'floor', 'T1234567890123',
	'山田 太郎', 'ヤマダ タロウ', '100-0001', 13, '千代田区', '千代田1-1', '03-1234-5678', 'x', %[2]s, %[2]s
FROM %[1]s`

const benchPaymentSQL = `INSERT INTO payments (order_id, method, provider, state, amount, provider_ref, brand, last4,
	created_at, updated_at)
SELECT id, payment_method,
	CASE WHEN payment_method <> 'card' THEN '' WHEN id %% 3 = 0 THEN 'stripe' ELSE 'gateway' END,
	'succeeded', total,
	CASE WHEN payment_method = 'card' THEN 'pi_' || id ELSE '' END,
	CASE WHEN payment_method <> 'card' THEN '' WHEN (id / 10) %% 4 = 0 THEN 'visa' WHEN (id / 10) %% 4 = 1 THEN 'mastercard'
		WHEN (id / 10) %% 4 = 2 THEN 'jcb' ELSE 'amex' END,
	CASE WHEN payment_method = 'card' THEN %[1]s ELSE '' END,
	created_at, created_at
FROM orders`

// benchCatalogSQL makes one category, the products and their two variants
// each; benchLineSQL gives every order a line of variant (id * a + b) mod
// 200 + 1, a and b its parameters.
const benchCatalogSQL = `INSERT INTO categories (id, slug, name_ja, name_en) VALUES (1, 'bench', 'ベンチ', 'Bench');
INSERT INTO products (id, slug, category_id, name_ja, name_en, tax_class, status, created_at, updated_at)
SELECT i + 1, 'p' || i, 1, '商品' || i, 'Product ' || i, 'standard', 'published', %[2]s, %[2]s FROM %[1]s;
INSERT INTO variants (id, product_id, sku, price, stock)
SELECT p.id * 2 - k.k, p.id, 'S' || (p.id * 2 - k.k), 1000, 100 FROM products p, (SELECT 0 AS k UNION ALL SELECT 1) k`

const benchLineSQL = `INSERT INTO order_lines (order_id, variant_id, sku, name, tax_rate, unit_price, quantity, line_total)
SELECT id, (id * %[1]d + %[2]d) %% 200 + 1, 'S', '商品', 10, 1500, 1, 1500 FROM orders`

const benchMemberSQL = `INSERT INTO members (id, email, password_hash, name, created_at)
SELECT i + 1, 'customer' || i || '@example.jp', 'x', '会員', created_at FROM (SELECT i, %[2]s AS created_at FROM %[1]s) m`

// benchSQL is the generation per dialect.
func benchSQL(d db.Dialect) []string {
	if d == db.SQLite {
		rows := func(n int) string {
			return fmt.Sprintf("(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d) SELECT i FROM n)", n-1)
		}
		// The driver stores a time as Go prints it; the window compares
		// these strings.
		at := fmt.Sprintf("strftime('%%Y-%%m-%%d %%H:%%M:%%S', %d + i * %d, 'unixepoch') || ' +0000 UTC'", benchStartUnix, benchStep)
		return []string{
			fmt.Sprintf(benchCatalogSQL, rows(benchProducts), "'2018-01-01 00:00:00 +0000 UTC'"),
			fmt.Sprintf(benchMemberSQL, rows(benchMembers), "'2018-01-01 00:00:00 +0000 UTC'"),
			fmt.Sprintf(benchOrderSQL, rows(benchOrders), at),
			fmt.Sprintf(benchPaymentSQL, "substr('000' || (id % 10000), -4)"),
			fmt.Sprintf(benchLineSQL, 13, 0),
			fmt.Sprintf(benchLineSQL, 29, 7),
			// No ANALYZE: Kaede never runs it, so SQLite plans a shop's
			// queries without statistics, and so must the benchmark.
		}
	}
	rows := func(n int) string { return fmt.Sprintf("generate_series(0::bigint, %d::bigint) AS g(i)", n-1) }
	at := fmt.Sprintf("to_timestamp(%d + i * %d)", benchStartUnix, benchStep)
	return []string{
		fmt.Sprintf(benchCatalogSQL, rows(benchProducts), "timestamptz '2018-01-01 00:00:00+00'"),
		fmt.Sprintf(benchMemberSQL, rows(benchMembers), "timestamptz '2018-01-01 00:00:00+00'"),
		fmt.Sprintf(benchOrderSQL, rows(benchOrders), at),
		fmt.Sprintf(benchPaymentSQL, "lpad((id % 10000)::text, 4, '0')"),
		fmt.Sprintf(benchLineSQL, 13, 0),
		fmt.Sprintf(benchLineSQL, 29, 7),
		// What autovacuum does on a live shop: index-only scans need it.
		`VACUUM ANALYZE orders`,
		`VACUUM ANALYZE payments`,
		`VACUUM ANALYZE order_lines`,
		`VACUUM ANALYZE variants`,
	}
}

// benchExpected counts, with the generator's arithmetic, the card orders
// in the window and their people: the benchmark checks the scope's
// answer against it.
func benchExpected() (orders, people int) {
	seen := map[int]bool{}
	for i := range benchOrders {
		at := time.Unix(int64(benchStartUnix+i*benchStep), 0)
		if i%10 < 5 || at.Before(benchFrom) || !at.Before(benchTo) {
			continue
		}
		orders++
		seen[(i*7919)%benchPeople] = true
	}
	return orders, len(seen)
}

func generate(b *testing.B, d *db.DB) {
	b.Helper()
	start := time.Now()
	for _, qs := range benchSQL(d.Dialect) {
		for q := range strings.SplitSeq(qs, ";\n") {
			if _, err := d.ExecContext(context.Background(), q); err != nil {
				b.Fatalf("generate: %v\n%s", err, q)
			}
		}
	}
	b.Logf("%s: generated %d orders in %s", d.Dialect, benchOrders, time.Since(start).Round(time.Second))
}

// benchName names the generated data by a hash of the dialect's
// migrations and generator, so that a change makes new data.
func benchName(b *testing.B, d *db.DB) string {
	b.Helper()
	ms, err := d.Migrations()
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.SQL))
	}
	h.Write([]byte(strings.Join(benchSQL(d.Dialect), ";")))
	return "kaede_scope_bench_" + hex.EncodeToString(h.Sum(nil))[:12]
}

// benchSQLite opens the benchmark's SQLite database, generating it the
// first time into os.TempDir (about 1 GB), named by a hash of the
// schema and the generator so that a change makes a new one.
func benchSQLite(b *testing.B) *db.DB {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), strings.ReplaceAll(benchName(b, dbtest.SQLite(b)), "_", "-")+".db")
	if _, err := os.Stat(path); err != nil {
		tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
		d, err := db.Open(ctx, tmp)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		generate(b, d)
		if _, err := d.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		d.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// benchPostgres opens the benchmark's PostgreSQL data, generating it the
// first time into a schema of the server named by KAEDE_TEST_POSTGRES
// that stays for the next run (about 1 GB; the data of an older schema
// or generator is dropped then).
func benchPostgres(b *testing.B) *db.DB {
	b.Helper()
	ctx := context.Background()
	probe := dbtest.Postgres(b)
	schema := benchName(b, probe)
	var exists bool
	if err := probe.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`,
		schema).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	open := func(schema string) *db.DB {
		u, err := url.Parse(os.Getenv(dbtest.EnvPostgres))
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		d, err := db.Open(ctx, u.String())
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	if !exists {
		rows, err := probe.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kaede\_scope\_bench\_%'`)
		if err != nil {
			b.Fatal(err)
		}
		var old []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				b.Fatal(err)
			}
			old = append(old, n)
		}
		rows.Close()
		tmp := fmt.Sprintf("%s_tmp%d", schema, os.Getpid())
		for _, stmt := range append(old, tmp) {
			if _, err := probe.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+stmt+` CASCADE`); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := probe.ExecContext(ctx, `CREATE SCHEMA `+tmp); err != nil {
			b.Fatal(err)
		}
		d := open(tmp)
		if _, err := d.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		generate(b, d)
		d.Close()
		if _, err := probe.ExecContext(ctx, `ALTER SCHEMA `+tmp+` RENAME TO `+schema); err != nil {
			b.Fatal(err)
		}
	}
	d := open(schema)
	b.Cleanup(func() { d.Close() })
	return d
}

// BenchmarkScopePreview counts the orders of a 303-day window and their
// people among a million orders, the preview staff wait for on the scope
// page: by card, by card and a brand or a provider, of every method, of
// one product and of three customers. Each must stay under 100 ms on both
// databases. Besides ns/op
// it reports cpu-ms/op, the process's CPU time per count (on SQLite the
// whole work; on PostgreSQL the client's share) and, for a PostgreSQL on
// this machine, db-cpu-ms/op, its server process's (not that of its
// parallel workers): on a busy machine their sum tells the work from the
// time spent waiting for a core.
func BenchmarkScopePreview(b *testing.B) {
	wantOrders, wantPeople := benchExpected()
	run := func(b *testing.B, d *db.DB) {
		svc := incident.New(d, nil)
		// One connection, so that its server process is the one measured.
		d.SetMaxOpenConns(1)
		var backend int
		if d.Dialect == db.Postgres {
			if err := d.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
				b.Fatal(err)
			}
		}
		cases := []struct {
			name      string
			q         incident.Query
			wantCheck bool
		}{
			{"card", incident.Query{From: benchFrom, To: benchTo, Methods: []string{"card"}}, true},
			{"card_visa", incident.Query{From: benchFrom, To: benchTo, Methods: []string{"card"}, Brands: []string{"visa"}}, false},
			{"all_methods", incident.Query{From: benchFrom, To: benchTo}, false},
			{"card_stripe", incident.Query{From: benchFrom, To: benchTo, Methods: []string{"card"}, Providers: []string{"stripe"}}, false},
			{"product", incident.Query{From: benchFrom, To: benchTo, Products: []int64{1}}, false},
			{"card_customers", incident.Query{From: benchFrom, To: benchTo, Methods: []string{"card"},
				Customers: []string{"customer1@example.jp", "customer2@example.jp", "customer3@example.jp"}}, false},
		}
		for _, tc := range cases {
			b.Run(tc.name, func(b *testing.B) {
				res, err := svc.Preview(context.Background(), tc.q)
				if err != nil {
					b.Fatal(err)
				}
				if tc.wantCheck && (res.Orders != wantOrders || res.Customers != wantPeople) {
					b.Fatalf("orders=%d customers=%d, want %d and %d", res.Orders, res.Customers, wantOrders, wantPeople)
				}
				cpu0, db0 := cpuTime(), processCPU(backend)
				b.ResetTimer()
				for b.Loop() {
					if _, err := svc.Preview(context.Background(), tc.q); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
				if db1 := processCPU(backend); db1 > 0 {
					b.ReportMetric(float64(db1-db0)/float64(time.Millisecond)/float64(b.N), "db-cpu-ms/op")
				}
				b.ReportMetric(float64(res.Orders), "orders")
				b.ReportMetric(float64(res.Customers), "people")
			})
		}
	}
	b.Run("sqlite", func(b *testing.B) { run(b, benchSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { run(b, benchPostgres(b)) })
}

// BenchmarkScopeListPage is the first page of the preview's order list
// (50 newest card orders of the window, each with its card), which the
// scope page shows under the counts.
func BenchmarkScopeListPage(b *testing.B) {
	run := func(b *testing.B, d *db.DB) {
		svc := incident.New(d, nil)
		q := incident.Query{From: benchFrom, To: benchTo, Methods: []string{"card"}}
		for b.Loop() {
			list, err := svc.PreviewOrders(context.Background(), q, 0, 50)
			if err != nil || len(list) != 50 {
				b.Fatalf("%d orders, %v", len(list), err)
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) { run(b, benchSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { run(b, benchPostgres(b)) })
}
