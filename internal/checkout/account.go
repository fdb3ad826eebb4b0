package checkout

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/billing"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// UseAccounts lets checkout take orders on account (order.Invoice) from
// the business customers billing has approved, within their credit limit.
// Without it (tests of other things) the monthly invoice is refused as an
// unknown choice.
func (s *Service) UseAccounts(b *billing.Service) { s.accounts = b }

// checkAccount reports on payment_method an order on account the viewer
// may not place: not an approved business customer (ReasonChoice), or one
// that would take their open balance over the credit limit
// (shop.ReasonCreditLimit). lock holds the account until the transaction
// ends; only Place's writing transaction may lock.
func (s *Service) checkAccount(ctx context.Context, tx *sql.Tx, in Input, q *Quote, p shop.Problems, lock bool) error {
	if q.PaymentMethod != order.Invoice {
		return nil
	}
	if s.accounts == nil {
		p.Add("payment_method", shop.ReasonChoice)
		return nil
	}
	reason, err := s.accounts.CheckCredit(ctx, tx, in.Viewer.MemberID, q.Total, lock)
	if err != nil {
		return err
	}
	if reason != "" {
		p.Add("payment_method", reason)
	}
	return nil
}

// holdCredit checks the credit again in Place's transaction with the
// account locked, so that two orders placed at once cannot both use the
// same room under the limit.
func (s *Service) holdCredit(ctx context.Context, tx *sql.Tx, in Input, q *Quote) error {
	p := shop.Problems{}
	if err := s.checkAccount(ctx, tx, in, q, p, true); err != nil {
		return err
	}
	return p.Err()
}

// describeInvoice is the confirmation screen's payment sentence for an
// order on account: billed with the month's other orders, and by when.
func describeInvoice(q *Quote, st settings.Settings, today time.Time, en bool) {
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, shop.JST)
	due, err := billing.DueDate(month, st.MonthlyInvoice)
	if err != nil {
		// Beyond the calendar's years: the rule is still stated.
		due = time.Time{}
	}
	if en {
		q.PaymentTime = fmt.Sprintf("Monthly invoice: %s is billed with your other orders of %s on one invoice, issued after the month ends; ",
			q.Total, month.Format("January 2006"))
		if due.IsZero() {
			q.PaymentTime += "please pay it by bank transfer by its due date."
		} else {
			q.PaymentTime += fmt.Sprintf("please pay it by bank transfer by %s. The invoice can be downloaded from My page.", due.Format("2 January 2006"))
		}
		return
	}
	q.PaymentTime = fmt.Sprintf("請求書払い（月末締め）：%sは、%d年%d月のほかのご注文とまとめて月末締めのご請求書でご請求いたします。",
		q.Total, month.Year(), month.Month())
	if due.IsZero() {
		q.PaymentTime += "ご請求書記載のお支払期限までにお振り込みください。"
	} else {
		q.PaymentTime += fmt.Sprintf("%sまでにお振り込みください。ご請求書はマイページからダウンロードいただけます。", jaDate(due))
	}
}

// invoiceTerm is the 特定商取引法 notice's sentence on the monthly invoice.
func invoiceTerm(st settings.Settings, en bool) string {
	if en {
		return fmt.Sprintf("Monthly invoice (for business customers we have approved, within the credit limit agreed): "+
			"the month's orders are billed on one invoice after the month ends, to be paid by bank transfer by the end of the %s month after. "+
			"We ship without waiting for the payment.", ordinalMonth(st.MonthlyInvoice.DueMonths))
	}
	return fmt.Sprintf("請求書払い（当店が承認した法人・事業者のお客様に限り、ご利用限度額の範囲内）：月末締めでご請求書を発行し、%dか月後の末日までに銀行振込でお支払いいただきます"+
		"（金融機関の休業日にあたる場合は%s）。商品はお支払いを待たずに発送いたします。", st.MonthlyInvoice.DueMonths, dueShiftJa(st))
}

func dueShiftJa(st settings.Settings) string {
	if st.MonthlyInvoice.DueEarlier {
		return "前営業日"
	}
	return "翌営業日"
}

func ordinalMonth(n int) string {
	switch n {
	case 1:
		return "first"
	case 2:
		return "second"
	}
	return "third"
}
