package ui

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// The languages the store speaks. Japanese is the default: the shop's
// customers are Japanese practitioners, and English is a courtesy.
const (
	Japanese = "ja"
	English  = "en"
)

// ParseLang returns the language a "lang" parameter or cookie names, or
// false when it names none that the store speaks.
func ParseLang(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case Japanese:
		return Japanese, true
	case English:
		return English, true
	}
	return "", false
}

var acceptMatcher = language.NewMatcher([]language.Tag{language.Japanese, language.English})

// AcceptLanguage picks Japanese or English from an Accept-Language header.
// Anything that does not clearly prefer English gets Japanese.
func AcceptLanguage(header string) string {
	if header == "" {
		return Japanese
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return Japanese
	}
	_, i, conf := acceptMatcher.Match(tags...)
	if i == 1 && conf != language.No {
		return English
	}
	return Japanese
}

// text is one message in both languages.
type text struct{ ja, en string }

// Catalogue is the messages of one surface, by key, in both languages.
type Catalogue struct{ m map[string]text }

// T returns the message for key in lang, formatted with args when given
// (fmt verbs). A missing key returns the key itself, so that a typo shows
// on the page instead of an empty space; the catalogue tests keep each
// catalogue whole.
func (c Catalogue) T(lang, key string, args ...any) string {
	m, ok := c.m[key]
	if !ok {
		return key
	}
	s := m.ja
	if lang == English {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalogue.
func (c Catalogue) Has(key string) bool {
	_, ok := c.m[key]
	return ok
}

// Keys lists the catalogue's keys, for tests that check every message has
// both languages.
func (c Catalogue) Keys() []string {
	keys := make([]string, 0, len(c.m))
	for k := range c.m {
		keys = append(keys, k)
	}
	return keys
}

// Store is the store's catalogue: the layout's own messages and each
// surface's (store pages, account pages), kept in one file per surface.
// Keys are "area.what". Japanese is written in polite form (です・ます), as
// customers expect from a shop.
var Store = Catalogue{merge("message", layoutMessages, storeMessages, accountMessages, switchMessages, noticeMessages, contactMessages, sharedMessages, orderLifeMessages, orderHistoryMessages, documentMessages, mypageMessages)}

// T is Store.T, the store's words.
func T(lang, key string, args ...any) string { return Store.T(lang, key, args...) }

// merge joins the surfaces' catalogues; a key defined twice is a
// programming error caught at start-up (and by the tests).
func merge[V any](kind string, parts ...map[string]V) map[string]V {
	all := map[string]V{}
	for _, part := range parts {
		for k, v := range part {
			if _, dup := all[k]; dup {
				panic("ui: " + kind + " " + k + " is defined twice")
			}
			all[k] = v
		}
	}
	return all
}

// layoutMessages are the messages of the layout, errors and legal pages.
var layoutMessages = map[string]text{
	// Layout
	"layout.skip":        {"本文へ移動", "Skip to content"},
	"layout.search":      {"商品を検索", "Search products"},
	"layout.search.go":   {"検索", "Search"},
	"layout.categories":  {"商品カテゴリ", "Categories"},
	"layout.cart":        {"カート", "Cart"},
	"layout.cart.count":  {"カート（%d点）", "Cart (%d)"},
	"layout.account":     {"マイページ", "My account"},
	"layout.login":       {"ログイン", "Log in"},
	"layout.register":    {"会員登録", "Sign up"},
	"layout.logout":      {"ログアウト", "Log out"},
	"layout.language":    {"言語", "Language"},
	"layout.demo":        {"これはデモサイトです。ご注文は発送されず、代金も請求されません。", "This is a demo store: orders are not shipped and nothing is charged."},
	"layout.contact":     {"お問い合わせ", "Contact"},
	"layout.phone":       {"電話", "Phone"},
	"layout.email":       {"メール", "E-mail"},
	"layout.hours":       {"受付時間：平日%d:00〜%d:00（土日祝・年末年始を除く）", "Hours: weekdays %d:00–%d:00 (JST), except national holidays and 29 Dec–3 Jan"},
	"layout.inquiry":     {"お問い合わせフォーム", "Contact form"},
	"layout.legal":       {"特定商取引法に基づく表記", "Legal notice (Specified Commercial Transactions Act)"},
	"layout.privacy":     {"プライバシーポリシー", "Privacy policy"},
	"layout.terms":       {"ご利用規約", "Terms of use"},
	"layout.footer.note": {"表示価格はすべて税込です。", "All prices include consumption tax."},

	// Errors, one pair per shop.Code, and the edge's own failures.
	"error.title":        {"エラー", "Error"},
	"error.invalid":      {"入力内容に誤りがあります。各項目をご確認ください。", "Some of what you entered needs correcting. Please check each field."},
	"error.not_found":    {"お探しのページは見つかりませんでした。", "The page you are looking for could not be found."},
	"error.conflict":     {"ほかの操作と重なったため処理できませんでした。内容をご確認のうえ、もう一度お試しください。", "This could not be done because something changed in the meantime. Please check and try again."},
	"error.out_of_stock": {"申し訳ございません。在庫が不足しています。数量をご確認ください。", "We are sorry: there is not enough stock. Please check the quantity."},
	"error.unauthorized": {"ログインが必要です。", "Please log in first."},
	"error.forbidden":    {"この操作は許可されていません。", "You are not allowed to do this."},
	"error.too_many":     {"短時間に操作が集中しています。しばらくしてからもう一度お試しください。", "Too many requests. Please wait a moment and try again."},
	"error.internal":     {"申し訳ございません。システムエラーが発生しました（internal error）。時間をおいてもう一度お試しください。", "We are sorry: an internal error occurred. Please try again later."},
	"error.csrf":         {"ページの有効期限が切れたか、別のサイトから送信されました。お手数ですが、ページを再読み込みしてからもう一度お試しください。", "This form has expired or was sent from another site. Please reload the page and try again."},
	"error.request_id":   {"お問い合わせの際は次の番号をお伝えください：%s", "If you contact us, please quote this reference: %s"},
	"error.home":         {"トップページへ戻る", "Back to the top page"},
	"error.fields":       {"ご確認いただきたい項目", "Please check"},

	// The order differs from the confirmation screen (特定商取引法): not placed.
	"error.quote_changed": {"確認画面を表示したあとにご注文内容（商品・数量・金額・お届け先など）が変わったため、まだご注文は確定していません。変更箇所をご確認のうえ、あらためて「注文を確定する」を押してください。", "Your order changed after the confirmation screen was shown (items, quantities, amounts or delivery), so it has not been placed yet. Please check what changed, then press “Place order” again."},

	// Legal pages
	"legal.tokushoho.title":  {"特定商取引法に基づく表記", "Legal notice under the Specified Commercial Transactions Act"},
	"legal.seller":           {"販売業者", "Seller"},
	"legal.responsible":      {"運営統括責任者", "Person responsible"},
	"legal.address":          {"所在地", "Address"},
	"legal.phone":            {"電話番号", "Phone"},
	"legal.email":            {"メールアドレス", "E-mail"},
	"legal.price":            {"販売価格", "Prices"},
	"legal.price.note":       {"各商品ページに消費税込みの価格で表示しています。", "Shown on each product page, consumption tax included."},
	"legal.fees":             {"商品代金以外の必要料金", "Charges other than the price"},
	"legal.shipping":         {"送料（税込）", "Shipping (tax included)"},
	"legal.shipping.other":   {"上記以外の地域", "All other prefectures"},
	"legal.shipping.free":    {"ご注文金額（税込）%s以上で送料無料", "Free shipping on orders of %s or more (tax included)"},
	"legal.cod.fee":          {"代金引換手数料（税込）：%s", "Cash-on-delivery fee (tax included): %s"},
	"legal.konbini.fee":      {"コンビニ決済手数料（税込）：%s", "Convenience store payment fee (tax included): %s"},
	"legal.paypay.fee":       {"PayPay決済手数料（税込）：%s", "PayPay fee (tax included): %s"},
	"legal.transfer.fee":     {"銀行振込の振込手数料はお客様のご負担となります。", "Bank transfer charges are paid by the customer."},
	"legal.payment":          {"お支払い方法とお支払い時期", "Payment methods and timing"},
	"legal.payment.transfer": {"銀行振込（前払い）：ご注文日から%d日以内にお振り込みください。ご入金を確認してから発送いたします。", "Bank transfer (in advance): please pay within %d days of ordering; we ship once the payment has arrived."},
	"legal.payment.cod":      {"代金引換：商品お届け時に配達員にお支払いください（ご注文金額%sまで）。", "Cash on delivery: pay the driver when the goods arrive (orders up to %s)."},
	"legal.delivery":         {"商品の引渡時期", "Delivery time"},
	"legal.delivery.note":    {"ご注文（銀行振込の場合はご入金の確認）から%d営業日以内に発送いたします。お届け日はご注文日の%d日後から%d日後までの間でご指定いただけます。", "We ship within %d business days of the order (of the payment, for bank transfers). You may choose a delivery date from %d to %d days after ordering."},
	"legal.returns":          {"返品・交換・キャンセル", "Returns, exchanges and cancellation"},
	"legal.offer":            {"申込みの有効期限", "Validity of an order"},
	"legal.offer.note":       {"銀行振込のご注文は、ご注文日から%d日以内にご入金が確認できない場合、キャンセルとさせていただきます。", "A bank-transfer order is cancelled if no payment arrives within %d days of ordering."},
	"legal.invoice":          {"適格請求書発行事業者登録番号", "Qualified invoice registration number"},
	"legal.other":            {"その他", "Other"},
	"legal.updated":          {"最終更新日：%s", "Last updated: %s"},
}
