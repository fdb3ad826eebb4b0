package admin

import (
	"errors"
	"net/http"
	"time"

	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// The order actions. Each calls one order service method, which checks
// that the change is legal for the order's status and payment method and
// audits it in its own transaction; the handler turns a refusal into the
// order page with the reason.

// orderActionFailed shows the order page again with why action was
// refused: a sentence per bad field (422), or the action's conflict
// sentence naming the order's current status (409).
func (s *Server) orderActionFailed(w http.ResponseWriter, r *http.Request, action string, err error) {
	view, derr := s.orderDetail(r)
	if derr != nil {
		s.renderError(w, r, derr)
		return
	}
	if errors.Is(err, errNoCardProvider) {
		s.orderRefusal(w, r, "orders_detail", view, err, "orders.conflict.no_provider")
		return
	}
	status := ui.Admin.T(info(r).Lang, "orders.status."+string(view.Detail.Order.Status))
	s.orderRefusal(w, r, "orders_detail", view, err, "orders.conflict."+action, status)
}

// orderAction runs call on the {number} of the path and returns to the
// order page with the done confirmation.
func (s *Server) orderAction(action, done string, call func(r *http.Request, number string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		number := r.PathValue("number")
		if err := call(r, number); err != nil {
			s.orderActionFailed(w, r, action, err)
			return
		}
		http.Redirect(w, r, orderURL(number, done), http.StatusSeeOther)
	}
}

// orderPaidAction records that a bank transfer has arrived.
func (s *Server) orderPaidAction(w http.ResponseWriter, r *http.Request) {
	s.orderAction("paid", "paid", func(r *http.Request, number string) error {
		_, err := s.orders.MarkPaid(r.Context(), number, orderActor(r))
		return err
	})(w, r)
}

// orderDeliveredAction records that the customer has the parcel.
func (s *Server) orderDeliveredAction(w http.ResponseWriter, r *http.Request) {
	s.orderAction("delivered", "delivered", func(r *http.Request, number string) error {
		_, err := s.orders.MarkDelivered(r.Context(), number, orderActor(r))
		return err
	})(w, r)
}

// orderCancelAction cancels the order with the reason staff give, which
// the service requires.
func (s *Server) orderCancelAction(w http.ResponseWriter, r *http.Request) {
	s.orderAction("cancel", "cancelled", func(r *http.Request, number string) error {
		_, err := s.orders.CancelByStaff(r.Context(), number, newForm(r).String("reason"), orderActor(r))
		return err
	})(w, r)
}

// orderShipAction records the parcel handed to the carrier; the order
// service e-mails the customer the tracking number in the same
// transaction.
func (s *Server) orderShipAction(w http.ResponseWriter, r *http.Request) {
	s.orderAction("ship", "shipped", func(r *http.Request, number string) error {
		f := newForm(r)
		sh := order.Shipment{
			Carrier:        order.Carrier(f.String("carrier")),
			CarrierName:    f.String("carrier_name"),
			TrackingNumber: f.String("tracking_number"),
			ShippedAt:      shipTime(formDay(f, "shipped_at"), s.now()),
		}
		if err := f.Err(); err != nil {
			return err
		}
		_, err := s.orders.Ship(r.Context(), number, sh, orderActor(r))
		return err
	})(w, r)
}

// shipTime is the instant recorded for a parcel shipped on the day (the
// start of a day in Japan, as Form.Day gives it): staff pick a day, not a
// time. Today is now; an earlier day is its last second, so that an
// order placed that same afternoon can still have shipped that day. A
// future day is passed on as it is, for the service to refuse; no day
// (zero) lets the service use now.
func shipTime(day, now time.Time) time.Time {
	if day.IsZero() || day.After(now) {
		return day
	}
	if last := day.Add(24*time.Hour - time.Second); last.Before(now) {
		return last
	}
	return now
}

// orderRefundAction returns money to the customer: through the payment
// provider for a card order, or, for a bank transfer or cash on delivery,
// by recording the transfer the shop has made itself. It sits behind a
// fresh second factor (routes.go).
func (s *Server) orderRefundAction(w http.ResponseWriter, r *http.Request) {
	s.orderAction("refund", "refunded", func(r *http.Request, number string) error {
		f := newForm(r)
		amount := f.Yen("amount")
		if err := f.Err(); err != nil {
			return err
		}
		o, err := s.orders.Get(r.Context(), number)
		if err != nil {
			return err
		}
		if !o.PaymentMethod.RefundsThroughProvider() {
			_, err = s.orders.MarkRefunded(r.Context(), number, amount, orderActor(r))
			return err
		}
		if s.cardRefund == nil {
			return errNoCardProvider
		}
		return s.cardRefund(r.Context(), number, amount, orderActor(r))
	})(w, r)
}

// errNoCardProvider refuses a card refund when no payment provider is
// configured: the money can only go back the way it came.
var errNoCardProvider = &shop.Error{Code: shop.Conflict, Message: "card refunds need a payment provider, and none is configured"}
