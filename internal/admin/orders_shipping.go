package admin

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"kaede/internal/edge"
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// Shipping work on many orders at once: the orders ticked in the order
// list go to the carrier's label software as a file, or to a new status;
// the carrier's tracking numbers come back as a file.

// fileCarriers are the carriers a shipment file can be written for.
var fileCarriers = []order.Carrier{order.Yamato, order.Sagawa, order.JapanPost}

// orderCarrierCSV downloads the ticked orders as the carrier's import file
// (B2 Cloud, e飛伝, ゆうパックプリントR). The carrier is the form's choice,
// by default the shop's shipping method's (settings). Like the order
// export it is customers' addresses in bulk: the owner's export permission
// with a fresh second factor (routes), audited by the order service before
// the file is sent. A refusal (an order that cannot ship, a slot the
// carrier lacks, the contract codes missing) is the order list with the
// reason.
func (s *Server) orderCarrierCSV(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	c := order.Carrier(f.String("carrier"))
	if c == "" {
		st, err := s.settings.Get(r.Context())
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		c = order.Carrier(st.Carrier.Format)
	}
	view := orderListView{Statuses: orderStatuses, Methods: orderMethods, Carriers: fileCarriers, Targets: order.BulkTargets}
	file, err := s.orders.CarrierCSV(r.Context(), f.Strings("order"), c, orderActor(r))
	if err != nil {
		s.orderRefusal(w, r, "orders_list", view, err, "orders.carrier.conflict", shop.ErrorMessage(err))
		return
	}
	name := fmt.Sprintf("%s-%s.csv", c, s.now().In(shop.JST).Format("20060102-1504"))
	if len(file.Replaced) > 0 {
		w.Header().Set("X-Kaede-Replaced-Orders", strings.Join(file.Replaced, ","))
	}
	edge.SendAttachment(w, "text/csv; charset=Shift_JIS", name, file.Data)
}

// bulkView is the page after a bulk status change: what happened to each
// ticked order.
type bulkView struct {
	To       order.Status
	Outcomes []bulkLine
}

type bulkLine struct {
	Order   string
	Done    bool
	Message string // why the order did not move, in the reader's language
}

// orderBulkStatus moves the ticked orders to the chosen status, each as
// its own staff action (audited, the customer told), and lists per order
// what happened: an illegal change is reported for that order and leaves
// it as it was.
func (s *Server) orderBulkStatus(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	to := order.Status(f.String("new_status"))
	view := orderListView{Statuses: orderStatuses, Methods: orderMethods, Carriers: fileCarriers, Targets: order.BulkTargets}
	out, err := s.orders.BulkStatus(r.Context(), f.Strings("order"), to, f.String("reason"), orderActor(r))
	if err != nil && out == nil {
		s.orderRefusal(w, r, "orders_list", view, err, "error.invalid")
		return
	}
	if err != nil {
		// An internal error part way: what was done stays done and is
		// audited; the rest is the error page.
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	bv := bulkView{To: to}
	for _, o := range out {
		line := bulkLine{Order: o.Order, Done: o.Err == nil}
		if o.Err != nil {
			line.Message = bulkRefusal(lang, o.Err)
		}
		bv.Outcomes = append(bv.Outcomes, line)
	}
	s.render(w, r, http.StatusOK, "orders_bulk", bv)
}

// bulkRefusal says why one order of a bulk change did not move.
func bulkRefusal(lang string, err error) string {
	switch shop.ErrorCode(err) {
	case shop.NotFound:
		return ui.Admin.T(lang, "orders.bulk.not_found")
	case shop.Conflict:
		return ui.Admin.T(lang, "orders.bulk.illegal")
	}
	return ui.Admin.T(lang, "error.invalid")
}

// trackingView is the tracking import page: after an import, the orders
// shipped, or every problem of the refused file.
type trackingView struct {
	Carriers []order.Carrier
	Shipped  []string
	Problems []trackingProblem
	Max      int
}

type trackingProblem struct {
	Line    int
	Order   string
	Message string
}

// orderTrackingPage is the form to upload the carrier's tracking numbers.
func (s *Server) orderTrackingPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "orders_tracking", trackingView{Carriers: fileCarriers, Max: order.MaxTrackingRows})
}

// orderTrackingAction imports an uploaded tracking file: every parcel in
// it ships its order (shipping e-mails in the outbox), or, if any row is
// bad, none does and each problem is listed by line. The file is never
// stored; the order service audits the import.
func (s *Server) orderTrackingAction(w http.ResponseWriter, r *http.Request) {
	view := trackingView{Carriers: fileCarriers, Max: order.MaxTrackingRows}
	file, _, err := uploadedFile(w, r, "file", order.MaxTrackingBytes+64<<10)
	if err != nil {
		s.renderForm(w, r, "orders_tracking", view, err)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, order.MaxTrackingBytes+1))
	if err != nil {
		s.renderError(w, r, fmt.Errorf("read tracking file: %w", err))
		return
	}
	res, err := s.orders.ImportTracking(r.Context(), data, order.Carrier(newForm(r).String("carrier")), orderActor(r))
	if err != nil {
		s.renderForm(w, r, "orders_tracking", view, err)
		return
	}
	if res.Problems != nil {
		lang := info(r).Lang
		for _, p := range res.Problems {
			view.Problems = append(view.Problems, trackingProblem{Line: p.Line, Order: p.Order,
				Message: trackingMessage(lang, p)})
		}
		s.render(w, r, http.StatusUnprocessableEntity, "orders_tracking", view)
		return
	}
	view.Shipped = res.Shipped
	s.render(w, r, http.StatusOK, "orders_tracking", view)
}

// trackingMessage is one problem of a tracking file as a sentence naming
// the column.
func trackingMessage(lang string, p order.RowProblem) string {
	key := "orders.tracking.problem." + p.Field + "." + p.Reason
	if ui.Admin.Has(key) {
		return ui.Admin.T(lang, key)
	}
	return orderFieldMessage(lang, p.Field, p.Reason)
}
