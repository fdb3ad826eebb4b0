package audit_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// record writes one entry through audit.Record in its own transaction and
// returns what the log then holds for it.
func record(t *testing.T, d *db.DB, by audit.Actor, before, after any) (audit.Entry, error) {
	t.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, start, by, "thing.update", "thing:7", before, after)
	})
	if err != nil {
		return audit.Entry{}, err
	}
	es, err := audit.List(ctx, d, audit.Filter{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("List=%d entries, %v; want 1", len(es), err)
	}
	return es[0], nil
}

func TestRecord(t *testing.T) {
	type account struct {
		Role     string `json:"role"`
		Password string `json:"password"`
		Nested   struct {
			TOTPSecret string `json:"totp_secret"`
			Shown      string `json:"shown"`
		} `json:"nested"`
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		by := audit.Actor{Name: "hanako@kaede.example", IP: "192.0.2.10"}
		var a account
		a.Role, a.Password = "owner", "hunter2"
		a.Nested.TOTPSecret, a.Nested.Shown = "JBSWY3DP", "yes"
		e, err := record(t, d, by, map[string]any{"role": "staff"}, a)
		if err != nil {
			t.Fatal(err)
		}
		if e.Actor != by.Name || e.IP != by.IP || e.Action != "thing.update" || e.Target != "thing:7" || !e.At.Equal(start) {
			t.Fatalf("entry=%+v, want %s from %s on thing:7 at %s", e, by.Name, by.IP, start)
		}
		if e.Before != `{"role":"staff"}` {
			t.Errorf("Before=%s, want {\"role\":\"staff\"}", e.Before)
		}
		want := `{"nested":{"shown":"yes","totp_secret":"[redacted]"},"password":"[redacted]","role":"owner"}`
		if e.After != want {
			t.Errorf("After=%s, want %s", e.After, want)
		}
		if strings.Contains(e.After, "hunter2") || strings.Contains(e.After, "JBSWY3DP") {
			t.Errorf("After=%s keeps a secret", e.After)
		}

		// nil, and a nil pointer behind an interface, leave a side empty.
		var none *account
		e, err = record(t, d, audit.System("demo"), nil, none)
		if err != nil {
			t.Fatal(err)
		}
		if e.Before != "" || e.After != "" || e.Actor != "system:demo" || e.IP != "" {
			t.Errorf("entry=%+v, want system:demo with no states", e)
		}
		if n, err := audit.Verify(context.Background(), d); err != nil || n != 2 {
			t.Fatalf("Verify=%d, %v; want 2, nil", n, err)
		}
	})
}

func TestRecordRefuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		by := audit.Actor{Name: "hanako@kaede.example"}
		tests := map[string]struct {
			by            audit.Actor
			before, after any
		}{
			"a state that is not an object": {by, []int{1, 2}, nil},
			"a string state":                {by, nil, "changed"},
			"a state that cannot marshal":   {by, map[string]any{"f": func() {}}, nil},
			"no actor":                      {audit.Actor{}, nil, nil},
		}
		for name, tt := range tests {
			if _, err := record(t, d, tt.by, tt.before, tt.after); err == nil {
				t.Errorf("%s: Record succeeded", name)
			}
		}
		if n, err := audit.Verify(context.Background(), d); err != nil || n != 0 {
			t.Fatalf("Verify=%d, %v; want 0 entries after refusals", n, err)
		}
	})
}
