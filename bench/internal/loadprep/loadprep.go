// Package loadprep readies a stopped demo's database for a load from one
// machine: the bench programs' clients all come from 127.0.0.1.
package loadprep

import (
	"context"
	"database/sql"
	"time"

	"kaede/internal/db"
	"kaede/internal/settings"
	"kaede/internal/throttle"
)

// Loosen lifts the shop's limits per client to the most a setting allows
// and gives every variant deep stock, so that a load is neither refused
// with 429 nor sells out. The store must be stopped: a running one keeps
// its settings cached.
func Loosen(ctx context.Context, d *db.DB) error {
	st, err := settings.Load(ctx, d)
	if err != nil {
		return err
	}
	wide := []throttle.Window{{Max: 100000, Minutes: 1}}
	st.Limits.OrdersPerAddress, st.Limits.OrdersPerEmail, st.Limits.OrdersPerSession = wide, wide, wide
	st.Limits.UnpaidOrders, st.Limits.CartsPerAddress = wide, wide
	st.Limits.MailsPerRecipientHour = 0
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if err := settings.Save(ctx, tx, st, time.Now()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE variants SET stock = 100000000`)
		return err
	})
}
