package ui

// orderLifeMessages are the store's words for an order's life after
// checkout: its history, the refunded status and the customer's own
// cancellation. History entries are "history." + order.Event.HistoryKey().
var orderLifeMessages = map[string]text{
	"order.status.refunded":         {"返金済み", "Refunded"},
	"account.order.status.refunded": {"返金済み", "Refunded"},

	"order.history":                  {"ご注文の履歴", "Order history"},
	"order.cancelled.note":           {"このご注文はキャンセルされました。", "This order has been cancelled."},
	"order.cancel.offer":             {"発送前のため、このご注文はキャンセルしていただけます。", "This order has not shipped yet: you may cancel it."},
	"order.cancel.button":            {"ご注文をキャンセルする", "Cancel this order"},
	"order.cancel.title":             {"ご注文のキャンセル（注文番号 %s）", "Cancel order %s"},
	"order.cancel.lead":              {"下記のご注文をキャンセルします。内容をご確認のうえ、「キャンセルを確定する」を押してください。", "You are about to cancel the order below. Please check it and press “Confirm the cancellation”."},
	"order.cancel.card.captured":     {"お支払いいただいた%sは、クレジットカード会社を通じて全額ご返金いたします。", "The %s you paid will be refunded in full to your credit card."},
	"order.cancel.card.authorized":   {"クレジットカードのご利用（与信）を取り消しますので、ご請求は発生いたしません。", "The authorisation on your credit card will be released: you will not be charged."},
	"order.cancel.transfer.paid":     {"お振り込みいただいた代金は、当店よりご返金の手続きについて改めてご連絡いたします。", "We will contact you about refunding the transfer you have made."},
	"order.cancel.unpaid":            {"まだお支払いは発生しておりません。", "Nothing has been paid yet."},
	"order.cancel.mail":              {"キャンセルが完了しましたら、ご登録のメールアドレスへお知らせいたします。", "We will confirm the cancellation by e-mail."},
	"order.cancel.irreversible":      {"キャンセルを確定すると、元に戻すことはできません。", "A cancellation cannot be undone."},
	"order.cancel.confirm":           {"キャンセルを確定する", "Confirm the cancellation"},
	"order.cancel.back":              {"ご注文の詳細に戻る", "Back to the order"},
	"order.cancel.refused.shipped":   {"申し訳ございません。このご注文はすでに発送しておりますので、こちらからキャンセルしていただくことはできません。お手数ですが、お問い合わせ窓口までご連絡くださいませ。", "We are sorry: this order has already shipped and can no longer be cancelled here. Please contact us."},
	"order.cancel.refused.cancelled": {"このご注文はすでにキャンセルされております。", "This order has already been cancelled."},
	"order.cancel.refused.other":     {"申し訳ございません。このご注文は現在の状況ではキャンセルしていただけません。お手数ですが、お問い合わせ窓口までご連絡くださいませ。", "We are sorry: this order cannot be cancelled now. Please contact us."},
	"order.cancel.failed":            {"申し訳ございません。ただいまキャンセルの手続きを完了できませんでした。時間をおいて再度お試しいただくか、お問い合わせ窓口までご連絡くださいませ。", "We are sorry: the cancellation could not be completed just now. Please try again later or contact us."},
	"order.refunds.total":            {"ご返金額", "Refunded"},
	"legal.delivery.dates":           {"お届け日は、ご注文日の%d日後から%d日後までの間でご指定いただけます。", "You may choose a delivery date from %d to %d days after ordering."},
	"legal.cancel":                   {"ご注文のキャンセル", "Cancelling an order"},
	"legal.cancel.note":              {"発送前のご注文は、マイページ（ゲストでのご注文は、ご注文確認メールに記載のご注文ページ）からキャンセルしていただけます。お支払い済みの代金は全額ご返金いたします。", "An order not yet shipped can be cancelled from your account page (for a guest order, from the order page linked in the confirmation e-mail). Anything you have paid is refunded in full."},
}

// orderHistoryMessages describe an order's history entries
// ("history." + order.Event.HistoryKey()), in the store's catalogue and
// the admin's alike, so that the customer and the staff read the same
// words.
var orderHistoryMessages = map[string]text{
	"history.created":             {"ご注文を承りました", "Order received"},
	"history.to.awaiting_payment": {"お支払いをお待ちしています", "Awaiting payment"},
	"history.to.placed":           {"ご注文が確定しました", "Order confirmed"},
	"history.to.paid":             {"ご入金を確認しました", "Payment received"},
	"history.to.shipped":          {"商品を発送しました", "Shipped"},
	"history.to.delivered":        {"商品をお届けしました", "Delivered"},
	"history.to.cancelled":        {"ご注文をキャンセルしました", "Order cancelled"},
	"history.to.refunded":         {"代金を全額ご返金しました", "Fully refunded"},
	"history.refund":              {"%sをご返金しました", "%s refunded"},
	"history.customer_cancel":     {"お客様のお申し出によりキャンセルしました", "Cancelled at your request"},
	"history.refund_cancel":       {"全額ご返金のうえ、ご注文をキャンセルしました", "Cancelled with a full refund"},
}

// adminOrderLifeMessages are the admin's words for the refunded status,
// the refunds on the dashboard and the shop's notice address.
var adminOrderLifeMessages = map[string]text{
	"orders.status.refunded":   {"返金済み", "Refunded"},
	"dashboard.refunds":        {"本日の返金", "Refunds today"},
	"dashboard.sales.net":      {"返金を差し引いた金額です。", "Net of refunds."},
	"field.order_notice_email": {"注文通知の送信先メールアドレス（空欄ならお問い合わせ用アドレス）", "address for new-order notices (empty: the contact address)"},
}
