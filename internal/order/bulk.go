package order

import (
	"context"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// MaxBulk is the most orders one bulk status change takes: a page of the
// order list and more.
const MaxBulk = 200

// BulkTargets are the statuses the order list can move many orders to at
// once. Shipping is not among them: a parcel needs its carrier and
// tracking number, which the tracking import brings (ImportTracking).
var BulkTargets = []Status{Paid, Delivered, Cancelled}

// BulkOutcome is what a bulk change did to one order: Err is nil when the
// order moved, else why it did not (an illegal change is a Conflict).
type BulkOutcome struct {
	Order string
	Err   error
}

// BulkStatus moves each order to the status as the single staff actions
// do (MarkPaid, MarkDelivered, CancelByStaff: each in its own transaction
// with its own audit entry and customer notice), so that one order that
// cannot move stops neither the others nor leaves itself half changed.
// reason is required for a cancellation. Bad input (no order, too many,
// a status not in BulkTargets, no reason) → Invalid before any order is
// touched.
func (s *Service) BulkStatus(ctx context.Context, numbers []string, to Status, reason string, by audit.Actor) ([]BulkOutcome, error) {
	p := shop.Problems{}
	numbers = uniqueNumbers(numbers)
	switch {
	case len(numbers) == 0:
		p.Add("orders", shop.ReasonRequired)
	case len(numbers) > MaxBulk:
		p.Add("orders", shop.ReasonRange)
	}
	switch to {
	case Paid, Delivered:
	case Cancelled:
		shop.CheckText(p, "reason", reason, true, maxReason)
	case "":
		p.Add("status", shop.ReasonRequired)
	default:
		p.Add("status", shop.ReasonChoice)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	out := make([]BulkOutcome, 0, len(numbers))
	for _, n := range numbers {
		var err error
		switch to {
		case Paid:
			_, err = s.MarkPaid(ctx, n, by)
		case Delivered:
			_, err = s.MarkDelivered(ctx, n, by)
		case Cancelled:
			_, err = s.CancelByStaff(ctx, n, reason, by)
		}
		if err != nil && shop.ErrorCode(err) == shop.Internal {
			return out, err
		}
		out = append(out, BulkOutcome{Order: n, Err: err})
	}
	return out, nil
}
