package cardpay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kaede/internal/payment"
)

// MaxWebhookBody is the largest webhook body the store reads. The
// gateway's events are about a kilobyte; Stripe's are a few.
const MaxWebhookBody = 64 << 10

// ErrBadWebhook is a webhook whose signature, timestamp or body is wrong:
// forged, replayed from long ago, or from a misconfigured provider. The
// store answers 400 and logs it for monitoring.
var ErrBadWebhook = errors.New("cardpay: webhook refused")

// Webhook verifies a webhook from the provider and applies the status it
// carries. An event already seen (by its id) changes nothing; an event
// about a payment the store does not know, or of a kind it does not use,
// is accepted and ignored, so that the provider stops resending it.
func (s *Service) Webhook(ctx context.Context, body []byte, signature string) error {
	ev, err := s.provider.VerifyWebhook(body, signature, s.clock())
	if errors.Is(err, payment.ErrIgnored) {
		s.log.Debug("webhook ignored", "error", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadWebhook, err)
	}
	st := ev.Status
	if st.Ref == "" {
		st.Ref = ev.Ref
	}
	var changed bool
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO payment_events (provider, event_id, payment_ref, received_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (provider, event_id) DO NOTHING`,
			s.provider.Name(), ev.ID, ev.Ref, s.clock().UTC())
		if err != nil {
			return fmt.Errorf("webhook %s: record event: %w", ev.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("webhook %s: record event: %w", ev.ID, err)
		} else if n == 0 {
			s.log.Info("webhook replay ignored", "event", ev.ID, "payment", ev.Ref)
			return nil
		}
		// A refused status (another amount or currency) is recorded
		// with the event as seen: the provider sending it again would
		// change nothing.
		changed, _, err = s.applyTx(ctx, tx, st, "webhook")
		return err
	})
	if err == nil && changed {
		s.tellGuard(ctx, st)
	}
	if errors.Is(err, ErrUnknownPayment) {
		// Not recorded as seen (the transaction rolled back): the
		// creation event can beat Start's recording of the reference,
		// and a later delivery of it should still count.
		s.log.Info("webhook for an unknown payment", "event", ev.ID, "payment", ev.Ref)
		return nil
	}
	return err
}
