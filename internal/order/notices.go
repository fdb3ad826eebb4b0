package order

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// noticeData is what the order notices (templates/order_*.txt and
// shop_*.txt) may use. Each notice is written in the transaction that
// makes its change, so it goes out once, with the change, or not at all.
type noticeData struct {
	Name   string // the recipient on the order
	Number string
	Total  string
	Method string // the payment method, in the message's language
	At     string // when the order was placed, in Tokyo
	Member bool
	Lines  []mailLine

	// Cancellations and refunds.
	ByCustomer bool   // the customer cancelled from the order page
	Unpaid     bool   // cancelled because the transfer never came (unpaid.go)
	Paid       bool   // money was taken and is still to be returned
	Voided     bool   // a card authorisation released: nothing was taken
	Card       bool   // the money goes back through the card company
	Konbini    bool   // unpaid: the konbini voucher expired (not a transfer)
	Full       bool   // the whole payment is refunded
	Amount     string // this refund
	Refunded   string // every refund of the order so far; "" for none

	ShopName  string
	ShopEmail string
	ShopPhone string
}

// methodNames are the payment methods as the notices name them.
var methodNames = map[string]map[PaymentMethod]string{
	"ja": {BankTransfer: "銀行振込（前払い）", COD: "代金引換", Card: "クレジットカード", Invoice: "請求書払い（月末締め）", Konbini: "コンビニ決済（前払い）", PayPay: "PayPay"},
	"en": {BankTransfer: "Bank transfer (in advance)", COD: "Cash on delivery", Card: "Credit card", Invoice: "Monthly invoice", Konbini: "Convenience store (in advance)", PayPay: "PayPay"},
}

// newNotice fills what every notice of o shares, in locale.
func newNotice(o *Order, st settings.Settings, locale string) noticeData {
	d := noticeData{Name: o.Address.Name, Number: o.Number, Total: o.Total.String(),
		Method: methodNames[locale][o.PaymentMethod], Member: o.MemberID != 0,
		At:       o.CreatedAt.In(shop.JST).Format("2006年1月2日 15:04"),
		ShopName: st.ShopName, ShopEmail: st.Email, ShopPhone: st.Phone}
	if locale == "en" && st.ShopNameEn != "" {
		d.ShopName = st.ShopNameEn
	}
	for _, l := range o.Lines {
		name := l.Name
		if locale == "en" && l.NameEn != "" {
			name = l.NameEn
		}
		d.Lines = append(d.Lines, mailLine{Name: name, Quantity: l.Quantity})
	}
	return d
}

// localeOf is the language of the customer's notices.
func localeOf(o *Order) string {
	if o.Locale == "en" {
		return "en"
	}
	return "ja"
}

// renderNotice renders templates/KIND.LOCALE.txt, or the shop's own
// wording of it (internal/mailtext), with d (a noticeData, or a struct
// embedding one) into a message to to.
func (s *Service) renderNotice(ctx context.Context, kind, locale, to string, orderID int64, d any) (mail.Message, error) {
	out, err := s.texts.Render(ctx, mailTemplates, kind, locale, d)
	if err != nil {
		return mail.Message{}, fmt.Errorf("render %s mail: %w", kind, err)
	}
	subject, body, ok := strings.Cut(out, "\n\n")
	if !ok || strings.TrimSpace(subject) == "" {
		return mail.Message{}, fmt.Errorf("render %s mail: template has no subject line", kind)
	}
	// The shop's own notices (shop_*) go to the shop's address, which the
	// cap per recipient must not silence on a busy day.
	return mail.Message{Kind: kind, To: to, OrderID: orderID, Uncapped: strings.HasPrefix(kind, "shop_"),
		Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(body) + "\n"}, nil
}

// send renders and queues a notice inside tx.
func (s *Service) send(ctx context.Context, tx *sql.Tx, kind, locale, to string, orderID int64, d noticeData) error {
	m, err := s.renderNotice(ctx, kind, locale, to, orderID, d)
	if err != nil {
		return err
	}
	if _, err := s.mail.Enqueue(ctx, tx, m); err != nil {
		return fmt.Errorf("order: %w", err)
	}
	return nil
}

// cancelNotice says what a cancellation did with the money.
type cancelNotice struct {
	ByCustomer bool
	Unpaid     bool     // the transfer never came by its due date
	Refunded   shop.Yen // given back with the cancellation
	Voided     bool     // a card authorisation released
}

// notifyCancelled tells the customer that o is cancelled, and, when the
// customer cancelled it, the shop too.
func (s *Service) notifyCancelled(ctx context.Context, tx *sql.Tx, o *Order, c cancelNotice) error {
	st, err := settings.LoadTx(ctx, tx)
	if err != nil {
		return err
	}
	paid, err := moneyHeld(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	for _, shopSide := range []bool{false, true} {
		if shopSide && (!c.ByCustomer || st.OrderNoticeTo() == "") {
			break
		}
		locale, kind, to := localeOf(o), "order_cancelled", o.Email
		if shopSide {
			locale, kind, to = "ja", "shop_order_cancelled", st.OrderNoticeTo()
		}
		d := newNotice(o, st, locale)
		d.ByCustomer, d.Unpaid, d.Voided, d.Card = c.ByCustomer, c.Unpaid, c.Voided, o.PaymentMethod == Card
		d.Konbini = o.PaymentMethod == Konbini
		d.Paid = paid
		if c.Refunded > 0 {
			d.Refunded = c.Refunded.String()
		}
		if err := s.send(ctx, tx, kind, locale, to, o.ID, d); err != nil {
			return fmt.Errorf("order %s: %w", o.Number, err)
		}
	}
	return nil
}

// moneyHeld reports whether the order's payment has taken money that is
// not refunded yet.
func moneyHeld(ctx context.Context, tx *sql.Tx, orderID int64) (bool, error) {
	p, err := latestPayment(ctx, tx, orderID)
	if err != nil {
		return false, err
	}
	switch p.state {
	case PaymentSucceeded, PaymentCaptured, PaymentPartiallyRefunded:
		return p.refunded < p.amount, nil
	}
	return false, nil
}

// notifyRefunded tells the customer of a refund of amount; refunded is the
// order's refunds so far, this one included.
func (s *Service) notifyRefunded(ctx context.Context, tx *sql.Tx, o *Order, amount, refunded shop.Yen, full bool) error {
	st, err := settings.LoadTx(ctx, tx)
	if err != nil {
		return err
	}
	d := newNotice(o, st, localeOf(o))
	d.Amount, d.Refunded, d.Full, d.Card = amount.String(), refunded.String(), full, o.PaymentMethod == Card
	return s.send(ctx, tx, "order_refunded", localeOf(o), o.Email, o.ID, d)
}

// notifyPaid tells the customer that their payment has arrived.
func (s *Service) notifyPaid(ctx context.Context, tx *sql.Tx, o *Order) error {
	st, err := settings.LoadTx(ctx, tx)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, "order_paid", localeOf(o), o.Email, o.ID, newNotice(o, st, localeOf(o)))
}

// notifyShop tells the shop of a new binding order, at its notice address,
// with the settings given, or read in tx when nil; the messages with (the
// customer's confirmation) go in the same delivery job.
func (s *Service) notifyShop(ctx context.Context, tx *sql.Tx, o *Order, given *settings.Settings, with ...mail.Message) error {
	if given == nil {
		st, err := settings.LoadTx(ctx, tx)
		if err != nil {
			return err
		}
		given = &st
	}
	st := *given
	// A copy: appending to with could write into the caller's array.
	msgs := slices.Clone(with)
	// With no mailbox to tell (the settings page says so) the order
	// stands and staff see it in the admin; the customer's mail still goes.
	if to := st.OrderNoticeTo(); to != "" {
		m, err := s.renderNotice(ctx, "shop_new_order", "ja", to, o.ID, newNotice(o, st, "ja"))
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return nil
	}
	if _, err := s.mail.EnqueueAll(ctx, tx, msgs...); err != nil {
		return fmt.Errorf("order: %w", err)
	}
	return nil
}
