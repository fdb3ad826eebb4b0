package admin

import (
	"context"
	"net/http"
	"time"

	"kaede/internal/shop"
)

// dashboardView is the day's figures, read on every request.
type dashboardView struct {
	Day             time.Time // today in Japan
	OrdersToday     int
	RefundsToday    shop.Yen // refunds made today, whatever day their order
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

// dashboard asks the order and member capabilities for the figures.
func (s *Server) dashboard(ctx context.Context) (dashboardView, error) {
	now := s.now().In(shop.JST)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shop.JST)
	sum, err := s.orders.Summarize(ctx, start, start.AddDate(0, 0, 1))
	if err != nil {
		return dashboardView{}, err
	}
	pending, err := s.members.CountAwaitingReview(ctx)
	if err != nil {
		return dashboardView{}, err
	}
	return dashboardView{Day: start, OrdersToday: sum.Placed, SalesToday: sum.Sales, RefundsToday: sum.Refunds,
		AwaitingShip: sum.AwaitingShipment, PendingLicences: pending}, nil
}
