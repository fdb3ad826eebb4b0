package checkout

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"kaede/internal/calendar"

	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/coupon"
	"kaede/internal/db"
	"kaede/internal/metrics"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/switches"
)

// Place places the order in one transaction: it re-validates the input and
// re-prices the cart from the database (never from what the client shows),
// writes the order with its lines, taxes, payment and first event, empties
// the cart, writes the confirmation e-mail, records the idempotency key,
// and takes the order's place in the shop's limits and its stock. Any failure rolls all of it back.
//
// It returns the order and its access token, which a guest needs to see
// the order. The same key with the same request returns the same order and
// token (see replay); with a different request it is a Conflict. A stock
// shortfall is OutOfStock naming the SKU; other errors are Quote's.
func (s *Service) Place(ctx context.Context, in Input) (*order.Order, string, error) {
	sw, err := s.switchState(ctx)
	if err != nil {
		return nil, "", err
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, "", err
	}
	// The order empties the cart: its count, kept by the cart service,
	// must show it on the next page.
	defer s.carts.Forget(in.CartID)
	for attempt := 1; ; attempt++ {
		o, token, err := s.place(ctx, in, st, sw)
		// On PostgreSQL two submissions with one key both begin; the second
		// waits on the first's key row, then fails on its unique index.
		// Trying again finds the first's order and replays it.
		if db.IsUniqueViolation(err) && attempt < 3 {
			continue
		}
		return o, token, err
	}
}

func (s *Service) place(ctx context.Context, in Input, st settings.Settings, sw switches.State) (*order.Order, string, error) {
	cal, err := calendar.Shop(ctx, s.db)
	if err != nil {
		return nil, "", err
	}
	now := s.clock()
	today := tokyoDate(now)
	in, p := normalize(in, st, today, cal, true, s.card != nil)
	s.checkCardStopped(in, sw, p)
	if err := s.takeCouponAttempt(ctx, in, p); err != nil {
		return nil, "", err
	}
	var o *order.Order
	var token string
	var replayed bool
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, badKey := p["idempotency_key"]
		if !badKey {
			var err error
			var found bool
			if o, token, found, err = s.replay(ctx, tx, in); err != nil || found {
				replayed = found
				return err
			}
		}
		// An order placed before checkout was stopped is still answered
		// (above: a client retrying after a lost answer learns that its
		// order exists); a new one is refused.
		if !sw.Checkout() {
			return switches.ErrCheckoutStopped
		}
		if !badKey {
			// The key's row goes in before anything is checked: on
			// PostgreSQL a concurrent duplicate then waits on it and, once
			// this commits, fails and replays, instead of finding the cart
			// already emptied and reporting an empty cart.
			var err error
			if token, err = recordKey(ctx, tx, in, now); err != nil {
				return err
			}
		}
		if err := s.lockCart(ctx, tx, in.CartID); err != nil {
			return err
		}
		q, err := s.quote(ctx, tx, in, p, st, today, cal)
		if err != nil {
			return err
		}
		// Checked under the cart's lock: nothing can change the cart
		// between this comparison and the order. Before the limits, so a
		// changed quote does not spend the client's orders.
		if err := checkConfirmed(in, q); err != nil {
			return err
		}
		if err := s.holdCredit(ctx, tx, in, q); err != nil {
			return err
		}
		// On SQLite the transaction holds the database's one write lock
		// from its first statement, so the order takes its place in the
		// limits at once: reading the windows twice would only cost time.
		// On PostgreSQL it is checked here without a lock and taken below.
		takeEarly := s.db.Dialect == db.SQLite
		if takeEarly {
			err = s.takeOrder(ctx, tx, in, q, st.Limits, now)
		} else {
			err = s.checkOrder(ctx, tx, in, q, st.Limits, now)
		}
		if err != nil {
			return err
		}
		if o, err = s.write(ctx, tx, in, q, st, token); err != nil {
			return err
		}
		// What every checkout contends for — the shop's order limits, the
		// variants' stock, a campaign's coupon — comes last: on PostgreSQL
		// their row locks are then held from here to the commit, not for
		// the whole order's writing. A refusal rolls all of it back.
		if !takeEarly {
			if err := s.takeOrder(ctx, tx, in, q, st.Limits, now); err != nil {
				return err
			}
		}
		if err := reserve(ctx, tx, q.Lines); err != nil {
			return err
		}
		if q.Coupon == nil {
			return nil
		}
		return coupon.Redeem(ctx, tx, *q.Coupon, o.ID, coupon.Customer(in.Viewer.MemberID, q.Email), now)
	})
	if err != nil {
		return nil, "", err
	}
	if !replayed {
		metrics.OrderPlaced(string(o.PaymentMethod))
	}
	return o, token, nil
}

// lockCart locks the cart's row on PostgreSQL so that the cart cannot
// change between pricing it and emptying it. (SQLite's IMMEDIATE
// transaction already excludes every other writer.) A missing cart is
// left for quote to report.
func (s *Service) lockCart(ctx context.Context, tx *sql.Tx, id string) error {
	var got string
	err := tx.QueryRowContext(ctx, `SELECT id FROM carts WHERE id = $1`+s.db.ForUpdate(), id).Scan(&got)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("lock cart: %w", err)
	}
	return nil
}

// write writes the order, the emptied cart and the confirmation e-mail
// (held back until the payment succeeds for a card order, which also gets
// its expiry and its provider); place reserves the stock after it.
func (s *Service) write(ctx context.Context, tx *sql.Tx, in Input, q *Quote, st settings.Settings, token string) (*order.Order, error) {
	o, err := s.orders.Insert(ctx, tx, draft(in, q, order.HashToken(token)))
	if err != nil {
		return nil, err
	}
	if err := keyOrder(ctx, tx, in.IdempotencyKey, o.ID); err != nil {
		return nil, err
	}
	if err := cart.Empty(ctx, tx, in.CartID); err != nil {
		return nil, err
	}
	msg, err := s.confirmation(ctx, o, q, st, token)
	if err != nil {
		return nil, err
	}
	if o.PaymentMethod.ViaProvider() {
		if err := s.orders.PrepareCard(ctx, tx, o, s.cardSetup(o.PaymentMethod, st, msg)); err != nil {
			return nil, err
		}
		if o.PaymentMethod != order.Konbini {
			// The order binds only once it is paid: the confirmation
			// waits with the order until then. A konbini order's goes now,
			// with how to pay; its voucher and its receipt follow.
			return o, nil
		}
	}
	if err := s.orders.MailNew(ctx, tx, o, &st, msg); err != nil {
		return nil, err
	}
	return o, nil
}

// reserve takes each line's quantity off its variant's stock; catalog
// owns the stock and cannot oversell.
func reserve(ctx context.Context, tx *sql.Tx, lines []cart.Line) error {
	items := make([]catalog.Quantity, len(lines))
	for i, l := range lines {
		items[i] = catalog.Quantity{VariantID: l.VariantID, SKU: l.SKU, Quantity: l.Quantity}
	}
	return catalog.ReserveStock(ctx, tx, items)
}

// draft is the order as the quote priced it.
func draft(in Input, q *Quote, tokenHash string) order.Draft {
	lines := make([]order.Line, len(q.Lines))
	for i, l := range q.Lines {
		lines[i] = order.Line{VariantID: l.VariantID, SKU: l.SKU,
			Name: LineName(l.ProductNameJa, l.LabelJa), NameEn: LineName(l.ProductNameEn, l.LabelEn),
			TaxRate: l.TaxRate, UnitPrice: l.UnitPrice, Quantity: l.Quantity, LineTotal: l.LineTotal}
	}
	return order.Draft{MemberID: in.Viewer.MemberID, Email: q.Email, Locale: q.Locale, PaymentMethod: q.PaymentMethod,
		Subtotal: q.Subtotal, ShippingFee: q.ShippingFee, CODFee: q.CODFee, Total: q.Total,
		Taxes: q.Taxes, TaxRounding: q.TaxRounding, InvoiceNumber: q.InvoiceNumber, Address: q.Address,
		DeliveryDate: q.DeliveryDate, DeliverySlot: q.DeliverySlot, Note: q.Note, Lines: lines,
		AccessTokenHash: tokenHash}
}
