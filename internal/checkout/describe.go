package checkout

import (
	"fmt"
	"kaede/internal/calendar"
	"time"

	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// describe writes the payment time and the delivery time in the quote's
// language: the two sentences 特定商取引法 requires on the confirmation
// screen besides the amounts.
func describe(q *Quote, st settings.Settings, today time.Time, cal calendar.Calendar) error {
	en := q.Locale == "en"
	switch q.PaymentMethod {
	case order.BankTransfer:
		due, err := order.PaymentDue(cal, today, st.PaymentDueDays)
		if err != nil {
			return err
		}
		due = tokyoDate(due)
		q.PaymentDue = due.Format(time.DateOnly)
		// The account itself is not in the sentence: the confirmation
		// screen lists it under it and the e-mail adds it (BankAccount),
		// so that each shows it once.
		bank := st.BankTransfer
		q.BankAccount = &bank
		if en {
			q.PaymentTime = fmt.Sprintf("Bank transfer in advance, within %d days of your order (by %s), to the account below. "+
				"We ship once we have received your payment.", st.PaymentDueDays, due.Format("2 January 2006"))
		} else {
			q.PaymentTime = fmt.Sprintf("銀行振込（前払い）：ご注文日から%d日以内（%sまで）に下記口座へお振り込みください。"+
				"ご入金を確認後、発送いたします。", st.PaymentDueDays, jaDate(due))
		}
	case order.Card:
		if en {
			q.PaymentTime = fmt.Sprintf("Credit card: you pay %s when you place the order, on the payment provider's own page "+
				"(with 3-D Secure). The card details never reach this shop.", q.Total)
		} else {
			q.PaymentTime = fmt.Sprintf("クレジットカード：ご注文確定時に、決済代行会社のページで%sをお支払いいただきます（3-Dセキュア本人認証）。"+
				"カード情報は当店のサーバーを経由しません。", q.Total)
		}
	case order.Invoice:
		describeInvoice(q, st, today, en)
	case order.COD:
		if en {
			q.PaymentTime = fmt.Sprintf("Cash on delivery: pay the carrier %s (COD fee included) when the parcel arrives.", q.Total)
		} else {
			q.PaymentTime = fmt.Sprintf("代金引換：商品お届け時に配達員へ%s（代引手数料を含みます）をお支払いください。", q.Total)
		}
	case order.Konbini:
		// The voucher expires with the order: the words name the same
		// day that checkout gives the provider (VoucherExpiry).
		due := VoucherExpiry(today, st.KonbiniExpiryDays).In(shop.JST)
		q.PaymentDue = due.Format(time.DateOnly)
		if en {
			q.PaymentTime = fmt.Sprintf("Convenience store, in advance: after you place the order we e-mail you a payment number; pay %s in cash "+
				"at the till of FamilyMart, Lawson, Ministop or Seicomart by 23:59 on %s (Japan time). Unpaid orders are cancelled automatically. "+
				"We ship once we have received your payment.", q.Total, due.Format("2 January 2006"))
		} else {
			q.PaymentTime = fmt.Sprintf("コンビニ決済（前払い）：ご注文後にメールでお送りするお支払い番号で、%s 23時59分までに"+
				"ファミリーマート・ローソン・ミニストップ・セイコーマートのレジで%sを現金にてお支払いください。"+
				"期限までにお支払いがない場合、ご注文は自動的にキャンセルとなります。ご入金を確認後、発送いたします。", jaDate(due), q.Total)
		}
	case order.PayPay:
		if en {
			q.PaymentTime = fmt.Sprintf("PayPay: you pay %s when you place the order, approving it in PayPay on the payment provider's page.", q.Total)
		} else {
			q.PaymentTime = fmt.Sprintf("PayPay：ご注文確定時に、決済代行会社のページからPayPayで%sのお支払いを承認いただきます。", q.Total)
		}
	}
	q.DeliveryTime = deliveryText(q, st, en)
	return nil
}

func deliveryText(q *Quote, st settings.Settings, en bool) string {
	if q.DeliveryDate != "" {
		d, _ := time.Parse(time.DateOnly, q.DeliveryDate)
		if en {
			return fmt.Sprintf("Delivery on %s%s, as you asked.", d.Format("2 January 2006"), slotText(q.DeliverySlot, en))
		}
		return fmt.Sprintf("%s%sのお届けを指定いただきました。", jaDate(d), slotText(q.DeliverySlot, en))
	}
	// The same words as the 特定商取引法 notice (Terms).
	if en {
		return ShipWithin(st, q.PaymentMethod, en) + slotText(q.DeliverySlot, en) + "."
	}
	return ShipWithin(st, q.PaymentMethod, en) + slotText(q.DeliverySlot, en) + "。"
}

// addCardLimit adds the card order's time limit to a card quote's payment
// time, in the words of the 特定商取引法 notice (Terms).
func (s *Service) addCardLimit(q *Quote) {
	if s.card == nil || (q.PaymentMethod != order.Card && q.PaymentMethod != order.PayPay) {
		return
	}
	en := q.Locale == "en"
	sep := "" // Japanese sentences follow one another without a space
	if en {
		sep = " "
	}
	q.PaymentTime += sep + CardTimeLimit(s.card.TTL, en)
}

func slotText(slot string, en bool) string {
	switch {
	case slot == "":
		return ""
	case en:
		return ", time slot " + slot
	}
	return "（" + slot + "）"
}

// jaDate formats a day the Japanese way: 2026年11月25日.
func jaDate(d time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year(), d.Month(), d.Day())
}

// LineName is a product and its variant's label as an order line keeps them
// (in one language): 「セイリン J type 0.16mm × 30mm」.
func LineName(product, label string) string {
	if label == "" {
		return product
	}
	return product + " " + label
}

// yen formats an amount for the e-mail templates.
func yen(y shop.Yen) string { return y.String() }
