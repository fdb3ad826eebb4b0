package db_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// TestMigrationsKeepTheDialectsInStep migrates a SQLite and a PostgreSQL
// database and wants the same schema from both: the same tables, the
// same column names in each, the same primary keys and UNIQUE
// constraints, and the same index names. A migration added
// for one dialect only, or a column spelt differently, fails here rather
// than in a shop that runs the other database.
func TestMigrationsKeepTheDialectsInStep(t *testing.T) {
	lite := schemaOf(t, dbtest.SQLite(t))
	pg := schemaOf(t, dbtest.Postgres(t))
	if len(lite) < 10 {
		t.Fatalf("SQLite has %d schema entries, want the whole schema", len(lite))
	}
	for _, e := range lite {
		if !slices.Contains(pg, e) {
			t.Errorf("only on SQLite: %s", e)
		}
	}
	for _, e := range pg {
		if !slices.Contains(lite, e) {
			t.Errorf("only on PostgreSQL: %s", e)
		}
	}
}

// schemaOf lists d's tables, columns, keys and indexes, one line each,
// sorted: "table orders", "column orders.number", "primary key
// orders(id)", "unique orders(number)", "index orders_status" (with
// " unique" when it is). The indexes a database makes by itself for a key
// are named differently by each, so they show as the key they serve.
func schemaOf(t *testing.T, d *db.DB) []string {
	t.Helper()
	var tablesSQL, columnsSQL, keysSQL, indexesSQL string
	switch d.Dialect {
	case db.SQLite:
		tablesSQL = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
		columnsSQL = `SELECT name FROM pragma_table_info($1)`
		// The primary key from the columns (an INTEGER PRIMARY KEY has no
		// index), UNIQUE constraints from their automatic indexes.
		keysSQL = `SELECT kind, key, col FROM (
				SELECT 'primary key' AS kind, 'pk' AS key, name AS col, pk AS pos FROM pragma_table_info($1) WHERE pk > 0
				UNION ALL
				SELECT 'unique', il.name, ii.name, ii.seqno FROM pragma_index_list($1) il, pragma_index_info(il.name) ii
				WHERE il.origin = 'u')
			ORDER BY kind, key, pos`
		indexesSQL = `SELECT il.name || CASE WHEN il."unique" THEN ' unique' ELSE '' END
			FROM sqlite_master m, pragma_index_list(m.name) il
			WHERE m.type = 'table' AND il.origin = 'c'`
	case db.Postgres:
		tablesSQL = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
		columnsSQL = `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`
		keysSQL = `SELECT lower(tc.constraint_type), tc.constraint_name, k.column_name
			FROM information_schema.table_constraints tc
			JOIN information_schema.key_column_usage k
				ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
			WHERE tc.table_schema = current_schema() AND tc.table_name = $1
				AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
			ORDER BY 1, 2, k.ordinal_position`
		indexesSQL = `SELECT i.indexname || CASE WHEN i.indexdef LIKE 'CREATE UNIQUE %' THEN ' unique' ELSE '' END
			FROM pg_indexes i
			WHERE i.schemaname = current_schema() AND NOT EXISTS (
				SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
				WHERE n.nspname = i.schemaname AND c.conname = i.indexname AND c.contype IN ('p', 'u'))`
	}
	var out []string
	for _, table := range names(t, d, tablesSQL) {
		out = append(out, "table "+table)
		for _, c := range names(t, d, columnsSQL, table) {
			out = append(out, fmt.Sprintf("column %s.%s", table, c))
		}
		out = append(out, keysOf(t, d, keysSQL, table)...)
	}
	for _, ix := range names(t, d, indexesSQL) {
		out = append(out, "index "+ix)
	}
	slices.Sort(out)
	return out
}

// keysOf runs a query for table's keys, one row per (kind, key name,
// column) in column order, and returns each key as "kind table(a,b)".
func keysOf(t *testing.T, d *db.DB, query, table string) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), query, table)
	if err != nil {
		t.Fatalf("keys of %s: %v", table, err)
	}
	defer rows.Close()
	var order []string
	cols := map[string][]string{}
	for rows.Next() {
		var kind, name, col string
		if err := rows.Scan(&kind, &name, &col); err != nil {
			t.Fatal(err)
		}
		key := kind + "\x00" + name
		if _, ok := cols[key]; !ok {
			order = append(order, key)
		}
		cols[key] = append(cols[key], col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, key := range order {
		kind, _, _ := strings.Cut(key, "\x00")
		out = append(out, fmt.Sprintf("%s %s(%s)", kind, table, strings.Join(cols[key], ",")))
	}
	return out
}

// names runs a query that returns one text column.
func names(t *testing.T, d *db.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(strings.Fields(query), " "), err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
