package db_test

import (
	"context"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

func TestArgs(t *testing.T) {
	var a db.Args
	if got := a.Add("x"); got != "$1" {
		t.Fatalf("first placeholder %q, want $1", got)
	}
	if got := a.Contains("name", "50%_off"); got != `name LIKE $2 ESCAPE '\'` {
		t.Fatalf("Contains=%q", got)
	}
	if len(a) != 2 || a[0] != "x" || a[1] != `%50\%\_off%` {
		t.Fatalf("args=%q", a)
	}
}

// Contains matches the text literally on both databases: % and _ in the
// search are not wildcards.
func TestArgsContains(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, tt := range []struct {
			text, search string
			want         bool
		}{
			{"50% off", "50%", true},
			{"500 off", "50%", false},
			{"a_b", "a_b", true},
			{"axb", "a_b", false},
			{`C:\dir`, `C:\d`, true},
		} {
			var a db.Args
			q := `SELECT COUNT(*) FROM (SELECT ` + a.Add(tt.text) + ` AS t) x WHERE ` + a.Contains("x.t", tt.search)
			var n int
			if err := d.QueryRowContext(ctx, q, a...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if (n == 1) != tt.want {
				t.Errorf("%q contains %q: %v, want %v", tt.text, tt.search, n == 1, tt.want)
			}
		}
	})
}
