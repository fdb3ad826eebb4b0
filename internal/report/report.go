// Package report is the shop's sales reports: sales by day, month,
// product, category, payment method and member or guest over a period,
// net of refunds and cancellations, with the tax per rate, and their CSV
// files. It owns no table: it reads orders through order.Service.Sales
// (the dashboard's chart through order.Service.TakingsByDay) and names
// products and categories through catalog.Service.
package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// By is what a report's rows are.
type By string

// The groupings a report may have.
const (
	ByDay      By = "day"
	ByMonth    By = "month"
	ByProduct  By = "product"
	ByCategory By = "category"
	ByMethod   By = "method"   // payment method
	ByCustomer By = "customer" // member or guest
)

// Groupings lists every grouping, in the order the report page offers them.
var Groupings = []By{ByDay, ByMonth, ByProduct, ByCategory, ByMethod, ByCustomer}

// Valid reports whether b is a known grouping.
func (b By) Valid() bool {
	for _, g := range Groupings {
		if g == b {
			return true
		}
	}
	return false
}

// itemised reports whether the rows are goods (lines) rather than orders.
func (b By) itemised() bool { return b == ByProduct || b == ByCategory }

// MaxDays is the longest period one report covers: three years, enough to
// compare a season with the same one two years before.
const MaxDays = 3*366 + 1

// Query is a report's period and grouping. From and To are days in Japan,
// YYYY-MM-DD, both included.
type Query struct {
	From, To string
	By       By
}

// Period is a validated Query: [Start, End) in Japan.
type Period struct {
	Start, End time.Time
	By         By
}

// Days is how many days the period covers.
func (p Period) Days() int { return int(p.End.Sub(p.Start).Hours()/24 + 0.5) }

// Parse validates q: an Invalid error names each bad field (from, to, by).
func (q Query) Parse() (Period, error) {
	pr := shop.Problems{}
	day := func(field, s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), shop.JST)
		if err != nil {
			pr.Add(field, shop.ReasonFormat)
		}
		return t
	}
	from, to := day("from", q.From), day("to", q.To)
	if !q.By.Valid() {
		pr.Add("by", shop.ReasonChoice)
	}
	if len(pr) == 0 {
		switch days := to.Sub(from).Hours() / 24; {
		case days < 0:
			pr.Add("to", shop.ReasonRange)
		case days >= MaxDays:
			pr.Add("from", shop.ReasonRange)
		}
	}
	if err := pr.Err(); err != nil {
		return Period{}, err
	}
	return Period{Start: from, End: to.AddDate(0, 0, 1), By: q.By}, nil
}

// Figures are the money of one row: what was charged, what was given
// back, and the net per tax rate (tax included) with its tax.
type Figures struct {
	Orders   int // orders counted; for goods, the orders they were in
	Quantity int // items sold; goods rows only
	Gross    shop.Yen
	Refunds  shop.Yen
	Net      shop.Yen
	Sales10  shop.Yen // net at 10 %, tax included
	Tax10    shop.Yen
	Sales8   shop.Yen // net at 8 % (軽減税率), tax included
	Tax8     shop.Yen
}

// Row is one line of a report.
type Row struct {
	Key     string // the day, month, product id, category id, method or member/guest
	Label   string // in Japanese, as the CSV has it
	LabelEn string // a product's or category's English name (its Japanese one without)
	// Kind is "" for a row of the grouping, or for goods reports one of
	// the rows that complete the goods to the orders' totals: "shipping",
	// "cod_fee", "adjustment" (a discount or anything else the lines do
	// not hold) and "refunds" (orders' refunds, which are not per item).
	Kind string
	Figures
}

// Report is a period's sales grouped one way. Total is read from the
// orders themselves; the Net of every row adds up to Total.Net.
type Report struct {
	Period
	Rows  []Row
	Total Figures
	// TaxByRow says whether rows carry their tax: goods rows have their
	// sales per rate but not a tax of their own, since tax is computed
	// once per rate per order, not per line.
	TaxByRow bool
}

// Service builds reports.
type Service struct {
	db      *db.DB
	orders  *order.Service
	catalog *catalog.Service
	clock   shop.Clock
}

// New returns the report service. The database is for the audit entries
// of exports; orders are read through orders, names through catalog.
func New(d *db.DB, orders *order.Service, cat *catalog.Service, clock shop.Clock) *Service {
	return &Service{db: d, orders: orders, catalog: cat, clock: clock}
}

// Build reads the period's sales and groups them.
func (s *Service) Build(ctx context.Context, q Query) (*Report, error) {
	p, err := q.Parse()
	if err != nil {
		return nil, err
	}
	sales, err := s.orders.Sales(ctx, p.Start, p.End, p.By.itemised())
	if err != nil {
		return nil, fmt.Errorf("sales report: %w", err)
	}
	var names goodsNames
	if p.By.itemised() {
		if names, err = s.goodsNames(ctx); err != nil {
			return nil, fmt.Errorf("sales report: %w", err)
		}
	}
	return group(p, sales, names)
}

// Daily is the sales of each day of [start, end) in Japan, oldest first,
// with days without sales as zero: the dashboard's chart. Its rows have
// their orders, gross, refunds and net, not the tax per rate: the sums
// are made in the database over an index, where Build carries every
// order and its taxes to Go (1.2 s for a day of 50,000 orders).
func (s *Service) Daily(ctx context.Context, start, end time.Time) ([]Row, error) {
	days, err := s.orders.TakingsByDay(ctx, start, end)
	if err != nil {
		return nil, fmt.Errorf("daily sales: %w", err)
	}
	rows := make([]Row, 0, len(days))
	for _, d := range days {
		k := d.From.In(shop.JST).Format("2006-01-02")
		rows = append(rows, Row{Key: k, Label: k,
			Figures: Figures{Orders: d.Orders, Gross: d.Gross, Refunds: d.Refunded, Net: d.Net()}})
	}
	return rows, nil
}
