package admin

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/inquiry"
	"kaede/internal/order"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/switches"
)

// dashboardView is the shop at a glance, read on every request: today's
// and this month's sales, the orders waiting for staff by state, the
// newest orders, what is running out, licences and inquiries to answer,
// the security state and the last 30 days' sales. A section the role may
// not read, or whose service is not wired, is nil or empty. The sums over
// orders are as read at FiguresAt (figuresCache); the rest is read on
// every request.
type dashboardView struct {
	Day             time.Time // today in Japan
	OrdersToday     int
	RefundsToday    shop.Yen // refunds made today, whatever day their order
	SalesToday      shop.Yen
	AwaitingShip    int
	PendingLicences int

	Month        time.Time // the first of this month in Japan
	OrdersMonth  int
	SalesMonth   shop.Yen // orders placed this month, less their refunds
	RefundsMonth shop.Yen

	States    []stateLink
	Recent    []order.Order
	LowStock  []catalog.LowVariant
	Reorder   int             // catalog.ReorderLevel, for the heading
	Inquiries *inquiry.Counts // nil: no desk, or not the role's
	Security  *dashboardSecurity
	Chart     *salesChart // the last 30 days; nil without reports
	ChartFrom time.Time

	FiguresAt    time.Time // when the sums over orders were read
	FiguresEvery int       // how often they are read again, in seconds
}

// stateLink is one line of the orders by state: how many, and the order
// search that lists them.
type stateLink struct {
	ID     string // the element's id
	Label  string // catalogue key
	Orders int
	URL    string
}

// dashboardSecurity is the security page's state in brief: its controls
// (the same evidence, securityControls), the open events and the
// emergency switches away from normal.
type dashboardSecurity struct {
	Controls    []control
	Failing     int // controls that are red
	Open        int
	Critical    int
	Emergencies []switches.Switch
}

// recentOrders and lowStockRows are how many of each the dashboard lists.
const (
	recentOrders  = 8
	lowStockRows  = 10
	chartDaysBack = 30
)

// dashboardPage shows the shop at a glance.
func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.dashboard(r.Context(), s.actor(r).Role)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", v)
}

// dashboard asks each capability for its part of the page.
func (s *Server) dashboard(ctx context.Context, role staff.Role) (dashboardView, error) {
	now := s.now().In(shop.JST)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shop.JST)
	tomorrow := today.AddDate(0, 0, 1)
	v := dashboardView{Day: today, Month: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, shop.JST),
		Reorder: catalog.ReorderLevel, ChartFrom: tomorrow.AddDate(0, 0, -chartDaysBack), FiguresEvery: int(figuresTTL.Seconds())}
	f, err := s.figures.get(ctx, now, today, func(ctx context.Context) (*orderFigures, error) {
		return s.readOrderFigures(ctx, now, today, v.Month, v.ChartFrom)
	})
	if err != nil {
		return v, err
	}
	v.FiguresAt = f.Taken
	v.OrdersToday, v.SalesToday, v.RefundsToday, v.AwaitingShip = f.Today.Placed, f.Today.Sales, f.Today.Refunds, f.Today.AwaitingShipment
	v.OrdersMonth, v.SalesMonth, v.RefundsMonth = f.Month.Placed, f.Month.Sales, f.Month.Refunds
	if v.PendingLicences, err = s.members.CountAwaitingReview(ctx); err != nil {
		return v, err
	}
	if role.Can(staff.OrdersRead) {
		v.States = stateLinks(f.States)
		if v.Recent, err = s.orders.Newest(ctx, recentOrders); err != nil {
			return v, err
		}
	}
	if s.catalog != nil && role.Can(staff.CatalogRead) {
		if v.LowStock, err = s.catalog.LowStock(ctx, lowStockRows); err != nil {
			return v, err
		}
	}
	if s.inquiries != nil && role.Can(staff.InquiriesRead) {
		c, err := s.inquiries.Counts(ctx, 0)
		if err != nil {
			return v, err
		}
		v.Inquiries = &c
	}
	if s.events != nil && role.Can(staff.SecurityRead) {
		if v.Security, err = s.securityBrief(ctx); err != nil {
			return v, err
		}
	}
	if f.Chart != nil {
		c := timeChart(f.Chart, 7)
		v.Chart = &c
	}
	return v, nil
}

// stateLinks are the orders by state, in the order staff work through
// them. A placed order waits for different things by payment method: a
// bank transfer for its money, cash on delivery for its shipment.
func stateLinks(counts []order.StateCount) []stateLink {
	n := func(st order.Status, methods ...order.PaymentMethod) int {
		total := 0
		for _, c := range counts {
			if c.Status != st {
				continue
			}
			for _, m := range methods {
				if c.Method == m {
					total += c.Orders
				}
			}
			if len(methods) == 0 {
				total += c.Orders
			}
		}
		return total
	}
	link := func(st order.Status, m order.PaymentMethod) string {
		q := url.Values{"status": {string(st)}}
		if m != "" {
			q.Set("method", string(m))
		}
		return Prefix + "orders?" + q.Encode()
	}
	links := []stateLink{
		{"state-transfer", "dashboard.state.transfer", n(order.Placed, order.BankTransfer), link(order.Placed, order.BankTransfer)},
		{"state-card", "dashboard.state.card", n(order.AwaitingPayment), link(order.AwaitingPayment, "")},
		{"state-ship-paid", "dashboard.state.ship_paid", n(order.Paid), link(order.Paid, "")},
		{"state-ship-cod", "dashboard.state.ship_cod", n(order.Placed, order.COD), link(order.Placed, order.COD)},
		{"state-capture", "dashboard.state.capture", n(order.Placed, order.Card), link(order.Placed, order.Card)},
	}
	for _, st := range []order.Status{order.Shipped, order.Delivered, order.Cancelled, order.Refunded} {
		links = append(links, stateLink{"state-" + string(st), "orders.status." + string(st), n(st), link(st, "")})
	}
	return links
}

// securityBrief reads the security page's state: the same controls and
// open events, counted. The audit chain is not read through on every visit
// (its cost grows with the log): the hourly audit_head task verifies it
// and raises a critical event when it breaks, which Critical counts.
func (s *Server) securityBrief(ctx context.Context) (*dashboardSecurity, error) {
	controls, err := s.securityControls(ctx, false)
	if err != nil {
		return nil, err
	}
	open, err := s.events.List(ctx, secevent.Filter{Open: true, Limit: 500})
	if err != nil {
		return nil, err
	}
	b := &dashboardSecurity{Controls: controls, Open: len(open)}
	for _, c := range controls {
		if !c.OK {
			b.Failing++
		}
	}
	for _, e := range open {
		if e.Severity == secevent.Critical {
			b.Critical++
		}
	}
	if s.switches != nil {
		st, err := s.switches.State(ctx)
		if err != nil {
			return nil, err
		}
		b.Emergencies = st.Emergencies()
	}
	// Red controls first: they are what the owner must see.
	sort.SliceStable(b.Controls, func(i, j int) bool { return !b.Controls[i].OK && b.Controls[j].OK })
	return b, nil
}
