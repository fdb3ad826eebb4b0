package main

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"kaede/internal/settings"
	"kaede/internal/throttle"
)

// looseLimits lifts the shop's limits per client (settings.Limits) for a
// test that is about something else but places many orders from one
// address, as every test client here is 127.0.0.1.
func looseLimits(t *testing.T, m *Main) {
	t.Helper()
	ctx := context.Background()
	st, err := settings.Load(ctx, m.db)
	if err != nil {
		t.Fatal(err)
	}
	wide := []throttle.Window{{Max: 100000, Minutes: 1}}
	st.Limits.OrdersPerAddress, st.Limits.OrdersPerEmail, st.Limits.OrdersPerSession = wide, wide, wide
	st.Limits.UnpaidOrders, st.Limits.CartsPerAddress = wide, wide
	st.Limits.ResendsPerAccount, st.Limits.ResendsPerAddress = wide, wide
	st.Limits.MailsPerRecipientHour = 0
	if err := m.db.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, st, time.Now()) }); err != nil {
		t.Fatal(err)
	}
}
