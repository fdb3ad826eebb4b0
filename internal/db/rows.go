package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// maxParams keeps a statement under both dialects' limits on bound
// parameters: SQLite's 32,766 and PostgreSQL's 65,535.
const maxParams = 30000

// maxRowsPerStatement keeps each statement a reasonable size to parse.
const maxRowsPerStatement = 1000

// Rows is a batch of rows for one table, written with multi-row INSERT
// statements, as many rows per statement as the parameter limits allow.
// It is for bulk imports (an imported history of thousands of orders): one
// statement per row costs a round trip each on PostgreSQL. Table and
// column names are the caller's constants, never input.
//
// Its placeholders are the one place Kaede's SQL does not use $1: SQLite
// looks a $N parameter up by name in a list, both when it parses the
// statement and when it binds it, which is quadratic in the parameters of
// a statement (tens of thousands here; a 10,000-order import took minutes).
// Plain ? parameters are numbered by position.
type Rows struct {
	Table   string
	Columns []string
	dialect Dialect
	values  []any
}

// NewRows returns an empty batch for the table's columns.
func (d *DB) NewRows(table string, columns ...string) *Rows {
	return &Rows{Table: table, Columns: columns, dialect: d.Dialect}
}

// Add appends one row, its values in the order of Columns.
func (r *Rows) Add(values ...any) {
	if len(values) != len(r.Columns) {
		panic(fmt.Sprintf("db.Rows %s: %d values for %d columns", r.Table, len(values), len(r.Columns)))
	}
	r.values = append(r.values, values...)
}

// Len is the number of rows added.
func (r *Rows) Len() int { return len(r.values) / len(r.Columns) }

// Insert writes every row inside tx.
func (r *Rows) Insert(ctx context.Context, tx *sql.Tx) error {
	return r.insert(ctx, tx, "", nil)
}

// InsertReturning writes every row inside tx and calls scan for each row
// that the RETURNING clause (e.g. "id, number") gives back. Neither
// dialect promises the order of returned rows: return a key with the id.
func (r *Rows) InsertReturning(ctx context.Context, tx *sql.Tx, returning string, scan func(*sql.Rows) error) error {
	return r.insert(ctx, tx, returning, scan)
}

func (r *Rows) insert(ctx context.Context, tx *sql.Tx, returning string, scan func(*sql.Rows) error) error {
	n := len(r.Columns)
	per := min(maxParams/n, maxRowsPerStatement)
	head := "INSERT INTO " + r.Table + " (" + strings.Join(r.Columns, ", ") + ") VALUES "
	for start := 0; start < r.Len(); start += per {
		end := min(start+per, r.Len())
		var b strings.Builder
		b.WriteString(head)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range n {
				if j > 0 {
					b.WriteString(", ")
				}
				if r.dialect == SQLite {
					b.WriteByte('?')
					continue
				}
				b.WriteByte('$')
				b.WriteString(strconv.Itoa((i-start)*n + j + 1))
			}
			b.WriteByte(')')
		}
		args := r.values[start*n : end*n]
		if returning == "" {
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("insert into %s: %w", r.Table, err)
			}
			continue
		}
		b.WriteString(" RETURNING " + returning)
		if err := queryEach(ctx, tx, b.String(), args, scan); err != nil {
			return fmt.Errorf("insert into %s: %w", r.Table, err)
		}
	}
	return nil
}

func queryEach(ctx context.Context, tx *sql.Tx, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
