package checkout

import (
	"context"
	"fmt"
	"time"

	"kaede/internal/order"
	"kaede/internal/settings"
)

// Terms is what the shop's terms of sale say about paying and shipping,
// derived from the settings and checkout's own options: the 特定商取引法
// notice shows them, and the confirmation screen words its shipping time
// and the card's time limit with the same functions (ShipWithin,
// CardTimeLimit), so the two pages cannot drift apart.
type Terms struct {
	Payments []PaymentTerm // every method checkout offers now, in the checkout form's order
	Shipping []string      // the shipping time, one sentence per wording the offered methods use
}

// PaymentTerm is one payment method and when and how it is paid.
type PaymentTerm struct {
	Method order.PaymentMethod
	Text   string
}

// Terms describes the methods checkout offers now (bank transfer and cash
// on delivery as the settings enable them, card while the shop has a
// provider and has not stopped card payments, konbini and PayPay while it
// has a provider and the settings enable them, the monthly invoice as the
// settings enable it when checkout has accounts), in English when en.
func (s *Service) Terms(ctx context.Context, st settings.Settings, en bool) (Terms, error) {
	card, err := s.CardOffered(ctx)
	if err != nil {
		return Terms{}, err
	}
	var t Terms
	seen := map[string]bool{}
	for _, m := range []order.PaymentMethod{order.BankTransfer, order.COD, order.Card, order.Konbini, order.PayPay, order.Invoice} {
		// Card's switch stops cards only; konbini and PayPay need the
		// provider (s.card) and the shop's own setting.
		if !methodEnabled(m, st, s.card != nil) || (m == order.Card && !card) || (m == order.Invoice && s.accounts == nil) {
			continue
		}
		t.Payments = append(t.Payments, PaymentTerm{Method: m, Text: s.paymentTerm(m, st, en)})
		if ship := ShipWithin(st, m, en) + "."; !seen[ship] {
			seen[ship] = true
			if !en {
				ship = ShipWithin(st, m, en) + "。"
			}
			t.Shipping = append(t.Shipping, ship)
		}
	}
	return t, nil
}

// paymentTerm is when and how an order paid by m is paid, in general (the
// confirmation screen says it with the order's amount and due date).
func (s *Service) paymentTerm(m order.PaymentMethod, st settings.Settings, en bool) string {
	switch m {
	case order.BankTransfer:
		if en {
			return fmt.Sprintf("Bank transfer (in advance): please pay within %d days of ordering; we ship once the payment has arrived. Transfer charges are yours.", st.PaymentDueDays)
		}
		return fmt.Sprintf("銀行振込（前払い）：ご注文日から%d日以内にお振り込みください。ご入金を確認後、発送いたします。振込手数料はお客様のご負担となります。", st.PaymentDueDays)
	case order.COD:
		if en {
			return fmt.Sprintf("Cash on delivery: pay the carrier when the parcel arrives (a fee of %s; orders up to %s).", st.CODFee, st.CODLimit)
		}
		return fmt.Sprintf("代金引換：商品お届け時に配達員へお支払いください（代引手数料%s、ご注文金額%sまで）。", st.CODFee, st.CODLimit)
	case order.Card:
		if en {
			return "Credit card (VISA, Mastercard, JCB, American Express): you pay when you place the order, on the payment provider's own page (3-D Secure). " +
				CardTimeLimit(s.card.TTL, en)
		}
		return "クレジットカード（VISA・Mastercard・JCB・American Express）：ご注文確定時に、決済代行会社のページでお支払いいただきます（3-Dセキュア本人認証）。" +
			CardTimeLimit(s.card.TTL, en)
	case order.Invoice:
		return invoiceTerm(st, en)
	case order.Konbini:
		if en {
			return fmt.Sprintf("Convenience store (in advance; FamilyMart, Lawson, Ministop, Seicomart): after ordering you receive a payment number by e-mail; "+
				"pay in cash at the store's till within %d days (by 23:59 Japan time; a fee of %s; orders up to %s). Unpaid orders are cancelled automatically. We ship once the payment has arrived.",
				st.KonbiniExpiryDays, st.KonbiniFee, KonbiniLimit)
		}
		return fmt.Sprintf("コンビニ決済（前払い・ファミリーマート、ローソン、ミニストップ、セイコーマート）：ご注文後にメールでお送りするお支払い番号で、"+
			"%d日以内（最終日の23時59分まで）にコンビニのレジで現金にてお支払いください（コンビニ決済手数料%s、ご注文金額%sまで）。"+
			"期限までにお支払いがない場合、ご注文は自動的にキャンセルとなります。ご入金を確認後、発送いたします。",
			st.KonbiniExpiryDays, st.KonbiniFee, KonbiniLimit)
	case order.PayPay:
		if en {
			return fmt.Sprintf("PayPay: you pay when you place the order, approving the payment in PayPay (a fee of %s). ", st.PayPayFee) +
				CardTimeLimit(s.card.TTL, en)
		}
		return fmt.Sprintf("PayPay：ご注文確定時に、PayPayでお支払いを承認いただきます（PayPay決済手数料%s）。", st.PayPayFee) +
			CardTimeLimit(s.card.TTL, en)
	}
	return ""
}

// CardTimeLimit is the card order's time limit: how long the customer has
// to complete the payment before the order is cancelled and its stock
// released.
func CardTimeLimit(ttl time.Duration, en bool) string {
	var n int
	var unit, unitEn string
	if ttl >= time.Hour && ttl%time.Hour == 0 {
		n, unit, unitEn = int(ttl/time.Hour), "時間", "hour"
	} else {
		n, unit, unitEn = int((ttl+time.Minute-1)/time.Minute), "分", "minute"
	}
	if en {
		if n != 1 {
			unitEn += "s"
		}
		return fmt.Sprintf("Please complete the payment within %d %s of ordering; otherwise the order is cancelled automatically.", n, unitEn)
	}
	return fmt.Sprintf("ご注文から%d%s以内にお支払いが完了しない場合、ご注文は自動的にキャンセルとなります。", n, unit)
}

// ShipWithin is the shipping time of an order paid by m, without the
// final full stop: counted in business days (the shop's closing days and
// holidays do not count) from the order, or from the payment for a bank
// transfer or a konbini voucher, which ship only once paid.
func ShipWithin(st settings.Settings, m order.PaymentMethod, en bool) string {
	if en {
		after := "your order"
		if m == order.BankTransfer || m == order.Konbini {
			after = "the day we receive your payment"
		}
		return fmt.Sprintf("Ships within %d business days of %s", st.ShipWithinDays, after)
	}
	after := "ご注文日"
	if m == order.BankTransfer || m == order.Konbini {
		after = "ご入金確認日"
	}
	return fmt.Sprintf("%sから%d営業日以内に発送いたします", after, st.ShipWithinDays)
}
