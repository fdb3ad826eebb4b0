package fraud_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/fraud"
	"kaede/internal/shop"
)

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(l *fraud.Limits)
		field  string
		reason string
	}{
		{"no session window", func(l *fraud.Limits) { l.Session = nil }, "session", shop.ReasonRequired},
		{"session max zero", func(l *fraud.Limits) { l.Session[0].Max = 0 }, "session[0].max", shop.ReasonRange},
		{"ip day window too long", func(l *fraud.Limits) { l.IP[1].Minutes = 3 * 24 * 60 }, "ip[1].minutes", shop.ReasonRange},
		{"email minutes negative", func(l *fraud.Limits) { l.Email[0].Minutes = -5 }, "email[0].minutes", shop.ReasonRange},
		{"no site cap", func(l *fraud.Limits) { l.Site = nil }, "site", shop.ReasonRequired},
		{"site cap too high", func(l *fraud.Limits) { l.Site[0].Max = 20000 }, "site[0].max", shop.ReasonRange},
		{"no breaker", func(l *fraud.Limits) { l.Breaker = nil }, "breaker", shop.ReasonRequired},
		{"breaker min failures zero", func(l *fraud.Limits) { l.Breaker[1].MinFailures = 0 }, "breaker[1].min_failures", shop.ReasonRange},
		{"breaker minutes zero", func(l *fraud.Limits) { l.Breaker[0].Minutes = 0 }, "breaker[0].minutes", shop.ReasonRange},
		{"failure rate as percent", func(l *fraud.Limits) { l.FailureRate = 80 }, "failure_rate", shop.ReasonRange},
		{"failure rate too low", func(l *fraud.Limits) { l.FailureRate = 0.1 }, "failure_rate", shop.ReasonRange},
		{"no cooldown", func(l *fraud.Limits) { l.CooldownMinutes = 0 }, "cooldown_minutes", shop.ReasonRange},
		{"block after zero declines", func(l *fraud.Limits) { l.IPBlock.Declines = 0 }, "ip_block.declines", shop.ReasonRange},
		{"block window zero", func(l *fraud.Limits) { l.IPBlock.Minutes = 0 }, "ip_block.minutes", shop.ReasonRange},
		{"block for a month", func(l *fraud.Limits) { l.IPBlock.BlockMinutes = 30 * 24 * 60 }, "ip_block.block_minutes", shop.ReasonRange},
	}
	if err := fraud.DefaultLimits().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := fraud.DefaultLimits()
			tt.change(&l)
			err := l.Validate()
			if shop.ErrorCode(err) != shop.Invalid {
				t.Fatalf("err=%v, want invalid", err)
			}
			fields := shop.ErrorFields(err)
			if fields[tt.field] != tt.reason || len(fields) != 1 {
				t.Fatalf("fields=%v, want only %s: %s", fields, tt.field, tt.reason)
			}
		})
	}
}

func TestLimitsLoadSave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l, err := fraud.LoadLimits(ctx, d)
		if err != nil {
			t.Fatalf("LoadLimits: %v", err)
		}
		if l.IP[0].Max != 10 || l.Breaker[0].MinFailures != 20 {
			t.Fatalf("loaded %+v, want the defaults", l)
		}
		now := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
		l.IP = []fraud.Window{{Max: 3, Minutes: 60}}
		l.CooldownMinutes = 60
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return fraud.SaveLimits(ctx, tx, l, now) }); err != nil {
			t.Fatalf("SaveLimits: %v", err)
		}
		got, err := fraud.LoadLimits(ctx, d)
		if err != nil {
			t.Fatalf("LoadLimits: %v", err)
		}
		if len(got.IP) != 1 || got.IP[0].Max != 3 || got.CooldownMinutes != 60 || got.Session[0].Max != 5 {
			t.Fatalf("loaded %+v, want the saved limits", got)
		}
		l.FailureRate = 2
		err = d.Tx(ctx, func(tx *sql.Tx) error { return fraud.SaveLimits(ctx, tx, l, now) })
		if shop.ErrorFields(err)["failure_rate"] != shop.ReasonRange {
			t.Fatalf("saving a bad rate: err=%v, want failure_rate: range", err)
		}
	})
}
