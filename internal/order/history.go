package order

// EventKind names an entry of the order's history that is more than its
// status change, so that the pages can describe it in the reader's
// language.
type EventKind string

// The kinds of history entries.
const (
	// EventStatus is a status change: the new status says what happened.
	EventStatus EventKind = ""
	// EventRefund is money given back, all or part of the payment; Amount
	// says how much. A full refund also changes the status (cancelled
	// before shipment, refunded after), in an entry of its own.
	EventRefund EventKind = "refund"
	// EventCustomerCancel is the customer cancelling from their order page.
	EventCustomerCancel EventKind = "customer_cancel"
	// EventRefundCancel is the cancellation that a full refund before
	// shipment makes.
	EventRefundCancel EventKind = "refund_cancel"
)

// HistoryKey is the catalogue key (after "history.") that describes the
// event to a reader, in the store's and the admin's catalogues alike:
// "created", "refund", "customer_cancel", "to.paid"… The note is the
// shop's own detail and is not part of it, so that text written by a
// program ("card captured (webhook)") or by staff never reaches the
// customer as the description.
func (e Event) HistoryKey() string {
	switch {
	case e.Kind != EventStatus:
		return string(e.Kind)
	case e.From == "":
		return "created"
	}
	return "to." + string(e.To)
}
