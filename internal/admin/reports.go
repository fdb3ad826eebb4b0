package admin

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"kaede/internal/edge"
	"kaede/internal/order"
	"kaede/internal/report"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// reportRoutes are the sales reports and their CSV files. Both need
// SalesRead; the CSV holds no customer's personal data (only totals), so
// it needs no fresh second factor, but each download is audited by the
// report service ("export.sales").
func (s *Server) reportRoutes(mux *http.ServeMux) {
	if s.reports == nil {
		return
	}
	mux.Handle("GET "+Prefix+"reports", s.can(staff.SalesRead, s.reportPage))
	mux.Handle("GET "+Prefix+"reports/sales.csv", s.can(staff.SalesRead, s.reportCSV))
}

// reportView is the report page's data.
type reportView struct {
	Query     report.Query
	Groupings []report.By
	Report    *report.Report // nil when the query was refused
	Chart     *salesChart
	// CSVUTF8 and CSVSJIS download the report shown.
	CSVUTF8, CSVSJIS string
}

// reportQuery reads the page's query; an empty period is this month so
// far, by day.
func (s *Server) reportQuery(r *http.Request) report.Query {
	f := newForm(r)
	now := s.now().In(shop.JST)
	q := report.Query{From: shop.Normalize(f.String("from")), To: shop.Normalize(f.String("to")), By: report.By(f.String("by"))}
	if q.From == "" && q.To == "" {
		q.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, shop.JST).Format(time.DateOnly)
		q.To = now.Format(time.DateOnly)
	}
	if q.By == "" {
		q.By = report.ByDay
	}
	return q
}

// reportPage shows a period's sales grouped one way, as a chart and a
// table, with links to the same as CSV.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	q := s.reportQuery(r)
	csv := url.Values{"from": {q.From}, "to": {q.To}, "by": {string(q.By)}}
	csvURL := func(enc string) string {
		csv.Set("encoding", enc)
		return Prefix + "reports/sales.csv?" + csv.Encode()
	}
	view := reportView{Query: q, Groupings: report.Groupings, CSVUTF8: csvURL("utf8"), CSVSJIS: csvURL("sjis")}
	rep, err := s.reports.Build(r.Context(), q)
	if err != nil {
		s.renderForm(w, r, "reports", view, err)
		return
	}
	view.Report = rep
	var c salesChart
	switch rep.By {
	case report.ByDay:
		c = timeChart(rep.Rows, max(1, len(rep.Rows)/8))
	case report.ByMonth:
		c = timeChart(rep.Rows, max(1, len(rep.Rows)/12))
	default:
		lang := info(r).Lang
		c = rankChart(rep.Rows, func(row report.Row) string {
			switch rep.By {
			case report.ByMethod:
				return ui.Admin.T(lang, "orders.method."+row.Key)
			case report.ByCustomer:
				return ui.Admin.T(lang, "sales.customer."+row.Key)
			case report.ByProduct, report.ByCategory:
				if lang == ui.English {
					return row.LabelEn
				}
			}
			return row.Label
		})
	}
	view.Chart = &c
	s.render(w, r, http.StatusOK, "reports", view)
}

// reportEncodings are the CSV links' encodings.
var reportEncodings = map[string]order.Encoding{"utf8": order.UTF8BOM, "sjis": order.ShiftJIS}

// reportCSV downloads the report as CSV. It is built in memory first, so
// that a refusal is a page, not half a file.
func (s *Server) reportCSV(w http.ResponseWriter, r *http.Request) {
	q := s.reportQuery(r)
	view := reportView{Query: q, Groupings: report.Groupings}
	enc, ok := reportEncodings[newForm(r).String("encoding")]
	if !ok {
		s.renderForm(w, r, "reports", view, shop.Problems{"encoding": shop.ReasonChoice}.Err())
		return
	}
	var buf bytes.Buffer
	if _, err := s.reports.WriteCSV(r.Context(), &buf, q, enc, orderActor(r)); err != nil {
		s.renderForm(w, r, "reports", view, err)
		return
	}
	charset := "utf-8"
	if enc == order.ShiftJIS {
		charset = "Shift_JIS"
	}
	name := fmt.Sprintf("sales-%s-%s-%s.csv", q.By, q.From, q.To)
	edge.SendAttachment(w, "text/csv; charset="+charset, name, buf.Bytes())
}
