package ui

// documentMessages are the store's words for an order's documents: the
// receipt page (宛名 and 但し書き, at most two downloads) and the link to
// the qualified invoice.
var documentMessages = map[string]text{
	"receipt.title":          {"領収書の発行（%s）", "Receipt for order %s"},
	"receipt.link":           {"領収書・適格請求書（PDF）", "Receipt and invoice (PDF)"},
	"receipt.lead":           {"ご入金を確認したご注文の領収書を PDF で発行いたします。宛名と但し書きをご指定ください。", "We issue the receipt of a paid order as a PDF. Please give the name it is made out to and what it is for."},
	"receipt.limit":          {"領収書は1件のご注文につき2回までダウンロードいただけます。2回目は「再発行」と明記されます。", "The receipt can be downloaded twice per order; the second copy is marked “reissued” (再発行)."},
	"receipt.remaining":      {"残り %d 回ダウンロードいただけます。", "%d download(s) left."},
	"receipt.next_reissue":   {"次にダウンロードする領収書には「再発行」と記載されます。", "The next receipt you download will be marked “reissued”."},
	"receipt.addressee":      {"宛名", "Made out to"},
	"receipt.addressee.hint": {"会社名・医院名などもご指定いただけます（%d文字まで）。「様」は自動で付きます。", "A company or clinic name is fine (up to %d characters); 様 is added."},
	"receipt.proviso":        {"但し書き", "For"},
	"receipt.proviso.hint":   {"空欄の場合は「お品代として」と記載されます（%d文字まで）。", "Left empty, it reads お品代として (“for goods”); up to %d characters."},
	"receipt.download":       {"領収書をダウンロードする（PDF）", "Download the receipt (PDF)"},
	"receipt.history":        {"ダウンロード履歴", "Downloads"},
	"receipt.copy.line":      {"%d回目　%s　宛名：%s 様　但し書き：%s", "Copy %d, %s: to %s, for %s"},
	"receipt.too_many":       {"短時間に多くのお申し込みがありました。しばらく時間をおいてからお試しください。", "Too many requests in a short time. Please try again a little later."},
	"receipt.invoice":        {"適格請求書（PDF）をダウンロードする", "Download the qualified invoice (PDF)"},
	"receipt.invoice.note":   {"登録番号・税率ごとの消費税額を記載した適格請求書です。", "The qualified invoice shows our registration number and the consumption tax per rate."},
	"receipt.back":           {"ご注文内容に戻る", "Back to the order"},

	"receipt.refused.cod":       {"代金引換でのお支払いの場合、配送業者が発行する領収書をお受け取りの際にお渡ししております。当店からの領収書の発行はございませんので、ご了承ください。", "For cash on delivery, the carrier hands you its receipt when you pay. The shop does not issue another one."},
	"receipt.refused.unpaid":    {"ご入金の確認後に領収書を発行いただけます。ご入金の確認まで今しばらくお待ちください。", "The receipt can be issued once we have received your payment. Thank you for your patience."},
	"receipt.refused.not_ready": {"お支払いが完了していないため、領収書は発行できません。", "The payment is not complete, so there is no receipt yet."},
	"receipt.refused.closed":    {"キャンセルまたはご返金済みのご注文のため、領収書は発行できません。", "This order was cancelled or refunded, so there is no receipt."},
	"receipt.refused.used_up":   {"このご注文の領収書はすでに2回ダウンロードされているため、これ以上は発行できません。お手数ですが、お問い合わせ窓口までご連絡ください。", "The receipt of this order has been downloaded twice already and cannot be issued again. Please contact us if you need help."},
}

// documentFieldLabels name the receipt form's fields in error messages.
var documentFieldLabels = map[string]label{
	"addressee": {ja: "宛名", en: "name on the receipt"},
	"proviso":   {ja: "但し書き", en: "“for” line"},
}

// adminDocumentMessages are the admin order page's words for the order's
// PDFs and the receipts its customer downloaded.
var adminDocumentMessages = map[string]text{
	"docs.title":            {"帳票（PDF）", "Documents (PDF)"},
	"docs.invoice":          {"適格請求書 PDF", "Qualified invoice PDF"},
	"docs.slip":             {"納品書 PDF", "Delivery slip PDF"},
	"docs.receipts":         {"領収書のダウンロード：%d / %d 回", "Receipt downloads: %d of %d"},
	"docs.receipt.none":     {"お客様はまだ領収書をダウンロードしていません。", "The customer has not downloaded a receipt yet."},
	"docs.receipt.cod":      {"代金引換のため、領収書は配送業者が発行します（当店からの発行なし）。", "Cash on delivery: the carrier issues the receipt (none from the shop)."},
	"docs.receipt.copy":     {"%d回目（%s）宛名：%s 様　但し書き：%s", "Copy %d (%s) to %s, for %s"},
	"docs.receipt.reissue":  {"同じ内容で再発行（記録されます）", "Make this copy again (audited)"},
	"docs.receipt.reissued": {"再発行", "reissued"},
}
