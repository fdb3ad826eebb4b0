package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

var start = time.Date(2026, 4, 1, 9, 0, 0, 123456000, time.UTC)

// appendN writes n entries, one transaction each, a minute apart.
func appendN(t *testing.T, d *db.DB, n int) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for i := 0; i < n; i++ {
		e := audit.Entry{
			At:     start.Add(time.Duration(i) * time.Minute),
			Actor:  fmt.Sprintf("staff%d@example.jp", i%2),
			Action: "product.update",
			Target: fmt.Sprintf("product:%d", i),
			Before: fmt.Sprintf(`{"price":%d}`, 1000+i),
			After:  fmt.Sprintf(`{"price":%d}`, 1100+i),
			IP:     "192.0.2.1",
		}
		err := d.Tx(context.Background(), func(tx *sql.Tx) error {
			got, err := audit.Append(context.Background(), tx, e)
			out = append(out, got)
			return err
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	return out
}

// wantBroken fails unless Verify reports a *ChainError at id for reason.
func wantBroken(t *testing.T, d *db.DB, id int64, reason string) {
	t.Helper()
	_, err := audit.Verify(context.Background(), d)
	var ce *audit.ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("Verify err=%v, want a *ChainError", err)
	}
	if ce.ID != id || ce.Reason != reason {
		t.Fatalf("Verify broke at %d (%s), want %d (%s): %v", ce.ID, ce.Reason, id, reason, err)
	}
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestAppendAndVerify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if n, err := audit.Verify(ctx, d); err != nil || n != 0 {
			t.Fatalf("empty log: Verify=%d, %v; want 0, nil", n, err)
		}
		es := appendN(t, d, 5)
		if es[0].ID != 1 || es[0].PrevHash != audit.Genesis {
			t.Fatalf("first entry id=%d prev=%s, want 1 and genesis", es[0].ID, es[0].PrevHash)
		}
		for i := 1; i < len(es); i++ {
			if es[i].ID != es[i-1].ID+1 || es[i].PrevHash != es[i-1].Hash {
				t.Fatalf("entry %d id=%d prev=%s, want id %d prev %s", i, es[i].ID, es[i].PrevHash, es[i-1].ID+1, es[i-1].Hash)
			}
		}
		n, err := audit.Verify(ctx, d)
		if err != nil || n != 5 {
			t.Fatalf("Verify=%d, %v; want 5, nil", n, err)
		}
		id, hash, err := audit.Head(ctx, d)
		if err != nil || id != 5 || hash != es[4].Hash {
			t.Fatalf("Head=%d %s %v, want 5 %s", id, hash, err, es[4].Hash)
		}
	})
}

func TestRolledBackAppendLeavesNoGap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		appendN(t, d, 2)
		errAbort := errors.New("abort")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := audit.Append(ctx, tx, audit.Entry{At: start, Actor: "cli", Action: "refund"}); err != nil {
				return err
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatal(err)
		}
		es := appendN(t, d, 1)
		if es[0].ID != 3 {
			t.Fatalf("id after a rolled-back append=%d, want 3", es[0].ID)
		}
		if n, err := audit.Verify(ctx, d); err != nil || n != 3 {
			t.Fatalf("Verify=%d, %v; want 3, nil", n, err)
		}
	})
}

func TestAppendRejects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ok := audit.Entry{At: start, Actor: "cli", Action: "x"}
		for name, mutate := range map[string]func(*audit.Entry){
			"no time":    func(e *audit.Entry) { e.At = time.Time{} },
			"no actor":   func(e *audit.Entry) { e.Actor = "" },
			"no action":  func(e *audit.Entry) { e.Action = "" },
			"bad json":   func(e *audit.Entry) { e.After = "{" },
			"long actor": func(e *audit.Entry) { e.Actor = strings.Repeat("a", 400) },
		} {
			e := ok
			mutate(&e)
			err := d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := audit.Append(ctx, tx, e)
				return err
			})
			if err == nil {
				t.Errorf("%s: Append succeeded", name)
			}
		}
	})
}

func TestTamperingIsDetected(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, d *db.DB, es []audit.Entry)
		id     int64
		reason string
	}{
		{"edit after", func(t *testing.T, d *db.DB, _ []audit.Entry) {
			exec(t, d, `UPDATE audit_log SET after_json = '{"price":1}' WHERE id = 3`)
		}, 3, audit.ReasonEdited},
		{"edit actor and rehash", func(t *testing.T, d *db.DB, es []audit.Entry) {
			// Whoever recomputes the edited entry's hash still breaks the
			// link from the next entry.
			e := es[2]
			e.Actor = "someone-else@example.jp"
			exec(t, d, `UPDATE audit_log SET actor = $1, hash = $2 WHERE id = 3`, e.Actor, audit.HashForTest(e))
		}, 4, audit.ReasonLink},
		{"delete middle", func(t *testing.T, d *db.DB, _ []audit.Entry) {
			exec(t, d, `DELETE FROM audit_log WHERE id = 3`)
		}, 3, audit.ReasonDeleted},
		{"delete middle and renumber", func(t *testing.T, d *db.DB, _ []audit.Entry) {
			exec(t, d, `DELETE FROM audit_log WHERE id = 3`)
			exec(t, d, `UPDATE audit_log SET id = 3 WHERE id = 4`)
			exec(t, d, `UPDATE audit_log SET id = 4 WHERE id = 5`)
			exec(t, d, `UPDATE audit_head SET last_id = 4`)
		}, 3, audit.ReasonLink},
		{"delete last", func(t *testing.T, d *db.DB, _ []audit.Entry) {
			exec(t, d, `DELETE FROM audit_log WHERE id = 5`)
		}, 5, audit.ReasonDeleted},
		{"insert forged at the end", func(t *testing.T, d *db.DB, es []audit.Entry) {
			// A forger who knows the algorithm makes a perfect-looking
			// entry; only the head, which they left alone, gives it away.
			f := audit.Entry{ID: 6, At: start.Add(time.Hour), Actor: "owner@example.jp", Action: "refund",
				Target: "order:1", Before: "", After: `{"amount":50000}`, PrevHash: es[4].Hash}
			f.Hash = audit.HashForTest(f)
			exec(t, d, `INSERT INTO audit_log (id, at, actor, action, target, before_json, after_json, ip, prev_hash, hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				f.ID, f.At, f.Actor, f.Action, f.Target, f.Before, f.After, f.IP, f.PrevHash, f.Hash)
		}, 6, audit.ReasonHead},
		{"insert forged with a made-up hash", func(t *testing.T, d *db.DB, es []audit.Entry) {
			exec(t, d, `INSERT INTO audit_log (id, at, actor, action, target, before_json, after_json, ip, prev_hash, hash)
				VALUES (6, $1, 'x', 'refund', '', '', '', '', $2, $3)`, start, es[4].Hash, strings.Repeat("a", 64))
		}, 6, audit.ReasonEdited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				es := appendN(t, d, 5)
				tt.tamper(t, d, es)
				wantBroken(t, d, tt.id, tt.reason)
			})
		})
	}
}

func TestConcurrentAppendersKeepOneChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const workers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					errs <- d.Tx(ctx, func(tx *sql.Tx) error {
						_, err := audit.Append(ctx, tx, audit.Entry{At: start, Actor: fmt.Sprintf("w%d", w),
							Action: "order.status", Target: fmt.Sprintf("order:%d", i)})
						return err
					})
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		n, err := audit.Verify(ctx, d)
		if err != nil || n != workers*each {
			t.Fatalf("Verify=%d, %v; want %d, nil", n, err, workers*each)
		}
	})
}

func TestList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		es := appendN(t, d, 6)
		tests := []struct {
			name string
			f    audit.Filter
			want []int64
		}{
			{"all, newest first", audit.Filter{}, []int64{6, 5, 4, 3, 2, 1}},
			{"actor", audit.Filter{Actor: "staff1@example.jp"}, []int64{6, 4, 2}},
			{"target", audit.Filter{Target: "product:2"}, []int64{3}},
			{"action", audit.Filter{Action: "refund"}, nil},
			{"time range", audit.Filter{From: es[1].At, To: es[3].At}, []int64{3, 2}},
			{"page", audit.Filter{Limit: 2, Offset: 1}, []int64{5, 4}},
		}
		for _, tt := range tests {
			got, err := audit.List(ctx, d, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Errorf("%s: ids %v, want %v", tt.name, ids, tt.want)
			}
		}
		got, err := audit.List(ctx, d, audit.Filter{Target: "product:0"})
		if err != nil || len(got) != 1 {
			t.Fatalf("List=%v, %v", got, err)
		}
		if got[0] != es[0] {
			t.Fatalf("listed %+v, want appended %+v", got[0], es[0])
		}
	})
}

func TestSecretsAreRedacted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var e audit.Entry
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			e, err = audit.Append(ctx, tx, audit.Entry{At: start, Actor: "cli", Action: "settings.update",
				Before: `{"smtp_password":"hunter2","shop_name":"楓"}`,
				After:  `{"smtp":{"Password":"hunter3"},"staff":[{"totp_secret":"JBSW"}],"shop_name":"楓"}`})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{e.Before, e.After} {
			if strings.Contains(s, "hunter") || strings.Contains(s, "JBSW") || !strings.Contains(s, "楓") {
				t.Fatalf("stored %s", s)
			}
		}
		if n, err := audit.Verify(ctx, d); err != nil || n != 1 {
			t.Fatalf("Verify=%d, %v", n, err)
		}
	})
}
