package order

import (
	"regexp"
	"strings"
)

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

// NoteCardExpired is the note of a card order cancelled unpaid at its
// deadline.
const NoteCardExpired = "カード決済が期限内に完了しなかったため自動キャンセル"

// CardNote is the history's note of a card payment's change, for the
// shop's staff: what the provider reports (state) and how the news came
// (via: webhook, return, reconcile, capture, expiry), in Japanese.
func CardNote(state, via string) string {
	what := map[string]string{"captured": "カード決済（売上確定）", "authorized": "カード決済（与信）",
		"cancelled": "カード決済（取消）"}[state]
	if what == "" {
		what = "カード決済（" + state + "）"
	}
	from := map[string]string{"webhook": "決済代行会社からの通知", "return": "お客様の決済画面からの戻り",
		"reconcile": "決済代行会社への照会", "capture": "売上確定の操作", "expiry": "期限切れの確認",
		"customer cancel": "お客様によるキャンセル"}[via]
	if from == "" {
		from = via
	}
	return what + "：" + from
}

// ProviderNote is CardNote for an order paid by m through the provider:
// a konbini or PayPay payment is named as what it is.
func ProviderNote(m PaymentMethod, state, via string) string {
	note := CardNote(state, via)
	switch m {
	case Konbini:
		return strings.Replace(note, "カード決済", "コンビニ決済", 1)
	case PayPay:
		return strings.Replace(note, "カード決済", "PayPay決済", 1)
	}
	return note
}

// legacyCardNote is how card notes were written before they were Japanese.
var legacyCardNote = regexp.MustCompile(`^card ([a-z_]+) \(([a-z ]+)\)$`)

// ShopNote is the event's note as the admin shows it: the staff's own
// words as written, and the notes older versions wrote in English for card
// payments in Japanese.
func (e Event) ShopNote() string {
	if m := legacyCardNote.FindStringSubmatch(e.Note); m != nil {
		return CardNote(m[1], m[2])
	}
	if e.Note == "card payment not completed in time" {
		return NoteCardExpired
	}
	return e.Note
}
