package ui

// contactMessages are the contact page's (お問い合わせ) messages.
var contactMessages = map[string]text{
	"contact.title":              {"お問い合わせ", "Contact us"},
	"contact.lead":               {"ご注文や商品、お届けなどについてのお問い合わせは、下記のフォームからお送りください。内容を確認のうえ、担当者よりメールにてご連絡いたします。", "Please use the form below for questions about orders, products or delivery. A member of our staff will reply by e-mail."},
	"contact.phone":              {"お電話でのお問い合わせ", "By phone"},
	"contact.form":               {"フォームでのお問い合わせ", "By the form"},
	"contact.required":           {"必須", "Required"},
	"contact.optional":           {"任意", "Optional"},
	"contact.choose":             {"選択してください", "Please choose"},
	"contact.order.help":         {"ご注文に関するお問い合わせの場合は、ご注文番号（例：K20261125-0007）をご記入ください。", "For a question about an order, please give its number (e.g. K20261125-0007)."},
	"contact.message.help":       {"クレジットカード番号やセキュリティコードは、絶対にご記入なさらないでください（記入された場合も、下4桁以外は伏せて保存いたします）。", "Please never write a card number or security code here (if you do, we keep only its last four digits)."},
	"contact.privacy":            {"お預かりした個人情報は、お問い合わせへの回答のためにのみ利用いたします。詳しくはプライバシーポリシーをご覧ください。", "We use your personal data only to answer you. See our privacy policy."},
	"contact.field.topic":        {"お問い合わせ種別", "Topic"},
	"contact.field.subject":      {"件名", "Subject"},
	"contact.field.message":      {"お問い合わせ内容", "Message"},
	"contact.field.order_number": {"ご注文番号", "Order number"},
	"contact.submit":             {"送信する", "Send"},
	"contact.too_many":           {"短時間に多くのお問い合わせをいただいたため、受け付けできませんでした。恐れ入りますが、しばらく時間をおいてから再度お送りいただくか、お電話にてお問い合わせください。", "We received too many messages from you in a short time, so this one was not accepted. Please try again later, or call us."},
	"contact.sent.title":         {"お問い合わせを受け付けました", "We have received your message"},
	"contact.sent.number":        {"受付番号：%s", "Reference: %s"},
	"contact.sent.mailed":        {"ご入力いただいたメールアドレスに、受付確認のメールをお送りいたしました。内容を確認のうえ、担当者よりご連絡いたします。", "We have sent a confirmation to the e-mail address you gave. A member of our staff will reply."},
	"contact.sent.unmailed":      {"ただいまお問い合わせが集中しているため、受付確認のメールはお送りしておりません。お問い合わせは確かに承りましたので、担当者からのご連絡をお待ちください。お電話の際は受付番号をお伝えください。", "Because many people are writing to us just now, we have not sent a confirmation e-mail. Your message has been received, and a member of our staff will reply. If you call us, please quote the reference."},
	"contact.sent.again":         {"同じ内容のお問い合わせをすでに承っております。", "We had already received this message."},
	"contact.sent.home":          {"トップページへ戻る", "Back to the top page"},
}

// contactFieldLabels are the contact form's fields.
var contactFieldLabels = map[string]label{
	"topic":        {ja: "お問い合わせ種別", en: "topic", choose: true},
	"subject":      {ja: "件名", en: "subject"},
	"message":      {ja: "お問い合わせ内容", en: "message"},
	"order_number": {ja: "ご注文番号", en: "order number"},
	"incident":     {ja: "対象のお知らせ", en: "notice", choose: true},
}
