package order

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// An unpaid bank transfer holds its stock for nobody: RemindUnpaid mails
// the customer the day before the payment's due date, and cancels the
// order, returning its stock, once the due date and the grace period
// (settings.Limits.UnpaidGraceDays) have passed. The due date is the one
// the customer was shown: the order's day in Japan time plus the
// settings' PaymentDueDays.

// AutoCancelMark starts the note of the history event of an order
// cancelled because its transfer never came: the admin shows it, and
// the cancellation e-mail is worded for it.
const AutoCancelMark = "【自動キャンセル】"

// UnpaidResult counts what one run of RemindUnpaid did.
type UnpaidResult struct {
	Reminded  int
	Cancelled int
}

// PaymentDue is the last day (Japan time, at midnight) to pay a bank
// transfer for an order placed at placed, when the shop gives dueDays:
// the order's day plus dueDays, or, when that day is no business day of
// the shop's calendar (a weekend, a holiday, a closing day: no transfer
// is seen arrive), the next business day. It fails only outside the
// calendar's years.
func PaymentDue(cal calendar.Calendar, placed time.Time, dueDays int) (time.Time, error) {
	j := placed.In(shop.JST)
	due := time.Date(j.Year(), j.Month(), j.Day(), 0, 0, 0, 0, shop.JST).AddDate(0, 0, dueDays)
	due, err := cal.AddBusinessDays(due, 0)
	if err != nil {
		return time.Time{}, fmt.Errorf("payment due date: %w", err)
	}
	return due, nil
}

// PaymentDueOf is PaymentDue for an order placed at placed, with the
// shop's settings and calendar.
func (s *Service) PaymentDueOf(ctx context.Context, placed time.Time) (time.Time, error) {
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return time.Time{}, fmt.Errorf("payment due date: %w", err)
	}
	cal, err := calendar.Shop(ctx, s.db)
	if err != nil {
		return time.Time{}, fmt.Errorf("payment due date: %w", err)
	}
	return PaymentDue(cal, placed, st.PaymentDueDays)
}

// RemindUnpaid sends the reminders and makes the cancellations that are
// due now, each once: a periodic job calls it. An order paid or cancelled
// meanwhile is left alone.
func (s *Service) RemindUnpaid(ctx context.Context) (UnpaidResult, error) {
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return UnpaidResult{}, err
	}
	cal, err := calendar.Shop(ctx, s.db)
	if err != nil {
		return UnpaidResult{}, err
	}
	now := s.clock()
	rows, err := s.db.QueryContext(ctx, `SELECT o.id, o.number, o.created_at,
			EXISTS (SELECT 1 FROM order_unpaid_notices n WHERE n.order_id = o.id AND n.kind = 'reminder')
		FROM orders o
		WHERE o.status = $1 AND o.payment_method = $2
		ORDER BY o.id`, Placed, BankTransfer)
	if err != nil {
		return UnpaidResult{}, fmt.Errorf("unpaid transfers: %w", err)
	}
	type unpaid struct {
		id       int64
		number   string
		placed   time.Time
		reminded bool
	}
	var list []unpaid
	for rows.Next() {
		var u unpaid
		if err := rows.Scan(&u.id, &u.number, &u.placed, &u.reminded); err != nil {
			rows.Close()
			return UnpaidResult{}, fmt.Errorf("unpaid transfers: %w", err)
		}
		list = append(list, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return UnpaidResult{}, fmt.Errorf("unpaid transfers: %w", err)
	}
	var res UnpaidResult
	for _, u := range list {
		due, err := PaymentDue(cal, u.placed, st.PaymentDueDays)
		if err != nil {
			return res, err
		}
		switch {
		case !now.Before(due.AddDate(0, 0, 1+st.Limits.UnpaidGraceDays)):
			done, err := s.cancelUnpaid(ctx, u.id, u.number, due)
			if err != nil {
				return res, err
			}
			if done {
				res.Cancelled++
			}
		case !u.reminded && !now.Before(due.AddDate(0, 0, -1)) && now.Before(due.AddDate(0, 0, 1)) &&
			due.AddDate(0, 0, -1).After(u.placed):
			// Only while the customer can still pay on time, and not for
			// an order placed the day before its due date: its
			// confirmation has just said the same.
			done, err := s.remindUnpaid(ctx, u.id, u.number, due, st)
			if err != nil {
				return res, err
			}
			if done {
				res.Reminded++
			}
		}
	}
	return res, nil
}

// claim writes the notice's row, and reports false when it was there
// already (sent by an earlier run, or by another instance just now).
func claim(ctx context.Context, tx *sql.Tx, orderID int64, kind string, due, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO order_unpaid_notices (order_id, kind, due_date, sent_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (order_id, kind) DO NOTHING`, orderID, kind, due.Format(time.DateOnly), now.UTC())
	if err != nil {
		return false, fmt.Errorf("unpaid notice %s: %w", kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("unpaid notice %s: %w", kind, err)
	}
	return n == 1, nil
}

// remindUnpaid mails the reminder once, if the order still awaits its
// transfer.
func (s *Service) remindUnpaid(ctx context.Context, id int64, number string, due time.Time, st settings.Settings) (bool, error) {
	sent := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var status Status
		err := tx.QueryRowContext(ctx, `SELECT status FROM orders WHERE id = $1`+s.db.ForUpdate(), id).Scan(&status)
		if err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		if status != Placed {
			return nil
		}
		if ok, err := claim(ctx, tx, id, "reminder", due, s.clock()); err != nil || !ok {
			return err
		}
		o, err := Load(ctx, tx, number)
		if err != nil {
			return err
		}
		if _, err := s.mail.Enqueue(ctx, tx, reminderMail(o, due, st)); err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		sent = true
		return nil
	})
	return sent, err
}

// cancelUnpaid cancels the order once through the one cancellation path
// (stock returned, payment cancelled, the customer mailed), if it still
// awaits its transfer.
func (s *Service) cancelUnpaid(ctx context.Context, id int64, number string, due time.Time) (bool, error) {
	done := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if ok, err := claim(ctx, tx, id, "cancelled", due, s.clock()); err != nil || !ok {
			return err
		}
		note := fmt.Sprintf("%sお支払い期限（%s）を過ぎてもお振込みを確認できなかったため、在庫を戻してキャンセルしました。",
			AutoCancelMark, jaDate(due))
		_, err := s.move(ctx, tx, number, change{to: Cancelled, note: note, cancel: cancelNotice{Unpaid: true}})
		if err != nil {
			return err
		}
		done = true
		return nil
	})
	var e *shop.Error
	if errors.As(err, &e) && e.Code == shop.Conflict {
		// Paid or cancelled by staff since the list was read.
		return false, nil
	}
	return done, err
}

// AutoCancelled reports whether o was cancelled because its transfer
// never came (its last event carries AutoCancelMark).
func (o Order) AutoCancelled() bool {
	if o.Status != Cancelled || len(o.Events) == 0 {
		return false
	}
	return strings.HasPrefix(o.Events[len(o.Events)-1].Note, AutoCancelMark)
}

func jaDate(d time.Time) string { return fmt.Sprintf("%d年%d月%d日", d.Year(), d.Month(), d.Day()) }

// reminderMail asks, politely, for the transfer before the due date, with
// where to pay.
func reminderMail(o *Order, due time.Time, st settings.Settings) mail.Message {
	b := st.BankTransfer
	m := mail.Message{Kind: "order_payment_reminder", To: o.Email, OrderID: o.ID}
	if o.Locale == "en" {
		m.Subject = "Reminder: payment for your order " + o.Number + " is due " + due.Format("2 January 2006")
		m.Body = "Thank you for your order " + o.Number + " at " + st.ShopNameEn + ".\n\n" +
			"We have not yet received your bank transfer of " + o.Total.String() + ". Please transfer it by " +
			due.Format("2 January 2006") + " (Japan time) to:\n\n" +
			"  " + b.Bank + " " + b.Branch + " " + b.Type + " " + b.Number + " " + b.HolderKana + "\n\n" +
			"If no payment has arrived by then, the order will be cancelled automatically a few days later.\n" +
			"If you have already paid, please disregard this message; transfers can take a day or two to reach us.\n"
		return m
	}
	m.Subject = "【" + st.ShopName + "】お振込みのお願い（注文番号 " + o.Number + "）"
	m.Body = "このたびは" + st.ShopName + "をご利用いただき、誠にありがとうございます。\n\n" +
		"ご注文（注文番号 " + o.Number + "）の代金 " + o.Total.String() + " につきまして、" +
		"本日時点でお振込みを確認できておりません。\n" +
		"お手数をおかけいたしますが、" + jaDate(due) + "までに下記の口座へお振込みくださいますよう、お願い申し上げます。\n\n" +
		"  " + b.Bank + " " + b.Branch + " " + b.Type + " " + b.Number + " " + b.HolderKana + "\n\n" +
		"お支払い期限を過ぎてもお振込みを確認できない場合は、誠に恐れ入りますが、ご注文を自動的にキャンセルさせていただきます。\n" +
		"なお、すでにお振込みいただいている場合は、行き違いとなりますのでご容赦ください。\n" +
		"ご不明な点がございましたら、お気軽にお問い合わせください。\n"
	return m
}
