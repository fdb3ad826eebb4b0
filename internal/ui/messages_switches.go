package ui

// switchMessages are what the store says while the shop's emergency
// switches (internal/switches) are away from normal: the site-wide
// banners, the maintenance page, and the refusals of checkout and card
// payments.
var switchMessages = map[string]text{
	"error.unavailable": {"申し訳ございません。ただいまこの操作は一時的に停止しております。", "We are sorry: this is paused for the moment."},
	"error.checkout_stopped": {"申し訳ございません。ただいまご注文の受付を一時停止しております。商品の閲覧やカートのご利用は引き続きいただけます。ご不便をおかけし誠に申し訳ございません。",
		"We are sorry: we are not taking orders at the moment. You can still browse the products and keep items in your cart."},
	"error.card_stopped": {"申し訳ございません。ただいまクレジットカードでのお支払いを一時停止しております。お手数ですが、ほかのお支払い方法をお選びください。",
		"We are sorry: card payments are paused at the moment. Please choose another payment method."},
	"error.maintenance": {"ただいまメンテナンスのため休止しております。", "The store is closed for maintenance."},

	// The site-wide banner: the shop's own text, or these when it wrote none.
	"switch.notice": {"ショップからのお知らせ", "Notice from the shop"},
	"switch.banner.card": {"ただいまクレジットカードでのお支払いを一時停止しております。ほかのお支払い方法はご利用いただけます。",
		"Card payments are paused at the moment. Other payment methods are available."},
	"switch.banner.checkout": {"ただいまご注文の受付を一時停止しております。ご不便をおかけし誠に申し訳ございません。",
		"We are not taking orders at the moment. We apologise for the inconvenience."},
	"switch.banner.maintenance": {"ただいまメンテナンス中です。", "The store is under maintenance."},

	// The maintenance page (503).
	"maintenance.title": {"メンテナンス中", "Closed for maintenance"},
	"maintenance.lead": {"ただいまメンテナンスのため、ショップを一時的に休止しております。ご不便をおかけし誠に申し訳ございません。再開まで今しばらくお待ちくださいますようお願い申し上げます。",
		"The store is closed for maintenance for a while. We apologise for the inconvenience and look forward to welcoming you back soon."},
	"maintenance.contact":      {"お急ぎのご用件は、下記までお問い合わせください。", "For anything urgent, please contact us:"},
	"maintenance.contact_form": {"お問い合わせフォーム", "Contact form"},

	// A card order awaiting payment while card payments are stopped.
	"order.card.stopped": {"ただいまクレジットカードでのお支払いを一時停止しているため、このご注文のお支払いをお受けすることができません。大変お手数をおかけいたしますが、ほかのお支払い方法で改めてご注文いただくか、下記の窓口までお問い合わせください。",
		"Card payments are paused at the moment, so this order cannot be paid by card. We are sorry for the trouble: please order again with another payment method, or contact us below."},
	"order.card.stopped.expires": {"お支払いのないこのご注文は %s に自動的に取り消され、代金をご請求することはございません。",
		"If it is not paid, this order is cancelled automatically at %s and nothing is charged."},
	"order.card.stopped.contact": {"お問い合わせ窓口", "Contact"},
	"order.card.stopped.again":   {"商品を選び直す", "Choose products again"},
}
