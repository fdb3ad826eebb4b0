package admin

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"kaede/internal/edge"
	"kaede/internal/form"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// orderPageSize is how many orders one page of the search shows.
const orderPageSize = 50

// orderListView is the order search page's data.
type orderListView struct {
	Orders   []order.Order
	Pager    edge.Pager
	Statuses []order.Status
	Methods  []order.PaymentMethod
	// Carriers and Targets are the choices of the actions on the ticked
	// orders: a carrier's shipment file, a new status.
	Carriers []order.Carrier
	Targets  []order.Status
	Carrier  string // the shop's shipping method's carrier, chosen first
	// Filtered says the search has a condition, for the "no match" text.
	Filtered bool
}

// orderStatuses and orderMethods are the search's choices, in the order
// of an order's life.
var (
	orderStatuses = []order.Status{order.AwaitingPayment, order.Placed, order.Paid, order.Shipped, order.Delivered, order.Cancelled, order.Refunded}
	orderMethods  = []order.PaymentMethod{order.BankTransfer, order.COD, order.Card, order.Konbini, order.PayPay, order.Invoice}
)

// orderQuery reads the search's filters (q, status, method, from, to) and
// page from the query string; the order service validates them.
func orderQuery(f *form.Form) (order.AdminQuery, int) {
	page := f.Page("page")
	return order.AdminQuery{
		Q:      f.String("q"),
		Status: order.Status(f.String("status")),
		Method: order.PaymentMethod(f.String("method")),
		From:   shop.Normalize(f.String("from")),
		To:     shop.Normalize(f.String("to")),
		// A checkbox: present means checked.
		AutoCancelled: f.String("auto_cancelled") != "",
		Limit:         orderPageSize,
		Offset:        (page - 1) * orderPageSize,
	}, page
}

// orderListPage searches the orders, newest first, a page at a time.
func (s *Server) orderListPage(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	q, page := orderQuery(f)
	view := orderListView{Statuses: orderStatuses, Methods: orderMethods, Carriers: fileCarriers, Targets: order.BulkTargets,
		Filtered: q.Q != "" || q.Status != "" || q.Method != "" || q.From != "" || q.To != "" || q.AutoCancelled}
	if st, err := s.settings.Get(r.Context()); err == nil {
		view.Carrier = st.Carrier.Format
	}
	if err := f.Err(); err != nil {
		s.orderRefusal(w, r, "orders_list", view, err, "")
		return
	}
	list, total, err := s.orders.Search(r.Context(), q)
	if err != nil {
		s.orderRefusal(w, r, "orders_list", view, err, "")
		return
	}
	view.Orders = list
	view.Pager = edge.NewPager(Prefix+"orders", r.URL.Query(), page, orderPageSize, total)
	s.render(w, r, http.StatusOK, "orders_list", view)
}

// orderEncodings maps the export form's choice to the service's encoding.
var orderEncodings = map[string]order.Encoding{
	"sjis": order.ShiftJIS, "utf8": order.UTF8BOM, "utf8bom": order.UTF8BOM,
}

// orderExport downloads the orders matching the search's filters as CSV
// for shipping software: every matching order, not one page. It is the
// shop's customers' names, addresses and phone numbers in one file, so
// the route needs the owner's export permission and a fresh second
// factor, and the order service audits it ("export.orders") before any
// byte is written. The file is built in memory first, so that a refusal
// is a page, not half a file. A character Shift_JIS cannot hold is written
// as 〓; those orders are named in the audit entry and in a header.
func (s *Server) orderExport(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	q, _ := orderQuery(f)
	q.Limit, q.Offset = 0, 0 // the service's maximum: an export is not paged
	view := orderListView{Statuses: orderStatuses, Methods: orderMethods, Filtered: true}
	enc, ok := orderEncodings[f.String("encoding")]
	if !ok {
		f.Problems().Add("encoding", shop.ReasonChoice)
	}
	if err := f.Err(); err != nil {
		s.orderRefusal(w, r, "orders_list", view, err, "")
		return
	}
	var buf bytes.Buffer
	res, err := s.orders.ExportCSV(r.Context(), &buf, q, enc, orderActor(r))
	if err != nil {
		s.orderRefusal(w, r, "orders_list", view, err, "orders.export.conflict", shop.ErrorMessage(err))
		return
	}
	charset := "utf-8"
	if enc == order.ShiftJIS {
		charset = "Shift_JIS"
	}
	name := fmt.Sprintf("orders-%s.csv", s.now().In(shop.JST).Format("20060102-1504"))
	if len(res.Replaced) > 0 {
		// Staff see these in the audit log too; the header lets a script
		// that fetches the export check them.
		w.Header().Set("X-Kaede-Replaced-Orders", strings.Join(res.Replaced, ","))
	}
	edge.SendAttachment(w, "text/csv; charset="+charset, name, buf.Bytes())
}
