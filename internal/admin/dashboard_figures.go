package admin

import (
	"context"
	"sync"
	"time"

	"kaede/internal/order"
	"kaede/internal/report"
)

// figuresTTL is how long the dashboard shows the same order figures. They
// are sums over the day's, the month's and the last 30 days' orders,
// whose cost grows with the orders (70,000 in a day made a reload take
// most of a second): read at most once in figuresTTL by each instance
// and shared by every staff member, they cost the same however often the
// page is reloaded. The page says when they were read.
const figuresTTL = 30 * time.Second

// orderFigures are the dashboard's sums over orders, as read at Taken.
type orderFigures struct {
	Taken  time.Time
	Day    time.Time // the day in Japan they are for
	Today  order.Summary
	Month  order.Summary
	States []order.StateCount
	Chart  []report.Row // nil without reports
}

// figuresCache holds the last orderFigures of this instance. Its lock is
// held while they are read, so that staff reloading together wait for one
// read instead of making one each.
type figuresCache struct {
	mu sync.Mutex
	f  *orderFigures
}

// get returns the figures for day if they were read less than figuresTTL
// before now, or else the ones read reports.
func (c *figuresCache) get(ctx context.Context, now, day time.Time, read func(context.Context) (*orderFigures, error)) (*orderFigures, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.f; f != nil && f.Day.Equal(day) && !now.Before(f.Taken) && now.Sub(f.Taken) < figuresTTL {
		return f, nil
	}
	f, err := read(ctx)
	if err != nil {
		return nil, err
	}
	c.f = f
	return f, nil
}

// readOrderFigures reads the dashboard's sums over orders for the day
// that starts at today, in Japan, at now.
func (s *Server) readOrderFigures(ctx context.Context, now, today, month, chartFrom time.Time) (*orderFigures, error) {
	tomorrow := today.AddDate(0, 0, 1)
	f := &orderFigures{Taken: now, Day: today}
	var err error
	if f.Today, err = s.orders.Summarize(ctx, today, tomorrow); err != nil {
		return nil, err
	}
	if f.Month, err = s.orders.Summarize(ctx, month, tomorrow); err != nil {
		return nil, err
	}
	if f.States, err = s.orders.StateCounts(ctx); err != nil {
		return nil, err
	}
	if s.reports != nil {
		if f.Chart, err = s.reports.Daily(ctx, chartFrom, tomorrow); err != nil {
			return nil, err
		}
	}
	return f, nil
}
