package admin

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"time"

	"kaede/internal/shop"
)

// dashboardView is the day's figures. No placeholder: each number is read
// from the database on every request.
type dashboardView struct {
	Day             time.Time // today in Japan
	OrdersToday     int
	SalesToday      shop.Yen
	AwaitingShip    int
	PendingLicences int
}

// dashboardPage shows today's orders and sales and what is waiting for
// staff.
func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.dashboard(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", v)
}

// dashboard reads the figures in one read transaction, so that they agree
// with each other.
//
// These three counts are the only SQL in the admin edge: the order and
// member packages have no summary methods yet, and this package may not
// change them. They belong in order.Service and member.Service; the
// queries move there unchanged when those gain a Summary method.
func (s *Server) dashboard(ctx context.Context) (dashboardView, error) {
	now := s.now().In(shop.JST)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shop.JST)
	v := dashboardView{Day: start}
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		// A card order awaiting payment is not binding yet, so it is no
		// sale; a cancelled one is none any more.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(total), 0) AS BIGINT) FROM orders
			WHERE created_at >= $1 AND created_at < $2 AND status NOT IN ('cancelled', 'awaiting_payment')`,
			start.UTC(), start.AddDate(0, 0, 1).UTC()).Scan(&v.OrdersToday, &v.SalesToday); err != nil {
			return fmt.Errorf("count today's orders: %w", err)
		}
		// Paid orders ship; cash-on-delivery orders ship unpaid.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders
			WHERE status = 'paid' OR (status = 'placed' AND payment_method = 'cod')`).Scan(&v.AwaitingShip); err != nil {
			return fmt.Errorf("count orders awaiting shipment: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM members WHERE practitioner = 'pending'`).Scan(&v.PendingLicences); err != nil {
			return fmt.Errorf("count pending licences: %w", err)
		}
		return nil
	})
	return v, err
}
