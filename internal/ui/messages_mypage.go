package ui

// mypageMessages are the messages of my page's profile, e-mail change,
// order search, 「もう一度購入」, お気に入り and recently viewed products,
// and of the catalogue's tags and related products.
var mypageMessages = map[string]text{
	// Name and phone
	"account.profile.title":        {"お名前・電話番号の変更", "Change name and phone"},
	"account.profile.lead":         {"メールアドレスの変更はこちらから：", "To change your e-mail address:"},
	"account.profile.submit":       {"変更する", "Save changes"},
	"account.profile.done.title":   {"会員情報を変更しました", "Your details are saved"},
	"account.profile.done.message": {"お名前・電話番号の変更を承りました。", "Your name and phone number have been updated."},

	// E-mail address
	"account.email.title":          {"メールアドレスの変更", "Change e-mail address"},
	"account.email.link":           {"メールアドレスの変更へ", "Change e-mail address"},
	"account.email.current":        {"現在のメールアドレス：%s", "Current address: %s"},
	"account.email.pending":        {"%s への変更は、確認メールのURLへのアクセスをお待ちしています。", "The change to %s awaits the link in the confirmation e-mail."},
	"account.email.lead":           {"新しいメールアドレスに確認メールをお送りします。メール内のURLにアクセスいただいた時点で変更が完了します。それまでは現在のアドレスでログインいただけます。", "We will send a confirmation e-mail to the new address. The change is made when you open the link in it; until then, log in with your current address."},
	"account.email.new":            {"新しいメールアドレス", "New e-mail address"},
	"account.email.submit":         {"確認メールを送信する", "Send confirmation e-mail"},
	"account.email.sent.title":     {"確認メールをお送りしました", "Please check your new address"},
	"account.email.sent.message":   {"新しいメールアドレスに確認メールをお送りしました。メール内のURLにアクセスして変更を完了してください（有効期限24時間）。メールが届かない場合は、アドレスをご確認のうえ、もう一度お試しください。", "We have sent a confirmation e-mail to the new address. Please open the link in it to complete the change (valid for 24 hours). If it does not arrive, please check the address and try again."},
	"account.email.confirm.title":  {"メールアドレス変更の確認", "Confirm your new e-mail address"},
	"account.email.confirm.lead":   {"下のボタンを押すと、会員情報のメールアドレスがこのアドレスに変更されます。", "Press the button below to make this address your account's."},
	"account.email.confirm.submit": {"メールアドレスを変更する", "Change my e-mail address"},
	"account.email.done.title":     {"メールアドレスを変更しました", "Your e-mail address is changed"},
	"account.email.done.message":   {"メールアドレスの変更が完了しました。次回から新しいメールアドレスでログインしてください。", "Your e-mail address has been changed. Please log in with the new address from now on."},
	"account.email.failed.title":   {"このURLは無効です", "This link does not work"},
	"account.email.failed.message": {"URLの有効期限が切れているか、すでに使用されています。お手数ですが、もう一度お手続きください。", "The link has expired or has been used already. Please request the change again."},
	"account.email.taken.title":    {"このメールアドレスは使用できません", "This address cannot be used"},
	"account.email.taken.message":  {"このメールアドレスは、すでに別のアカウントでご利用中です。別のメールアドレスをお選びください。", "This e-mail address already belongs to another account. Please choose another address."},

	// Order search
	"account.orders.search.q":      {"注文番号・商品名", "Order number or product"},
	"account.orders.search.from":   {"ご注文日（から）", "Ordered from"},
	"account.orders.search.to":     {"ご注文日（まで）", "Ordered until"},
	"account.orders.search.submit": {"検索", "Search"},
	"account.orders.search.clear":  {"条件をクリア", "Clear"},
	"account.orders.search.none":   {"条件に合うご注文はありません。", "No orders match."},

	// 「もう一度購入」
	"reorder.button":      {"もう一度購入", "Buy again"},
	"reorder.title":       {"ご注文 %s の商品をカートに入れました", "Items of order %s put in your cart"},
	"reorder.added":       {"%d点の商品を本日の価格でカートに入れました。内容をご確認ください。", "%d items were put in your cart at today's prices. Please check them."},
	"reorder.nothing":     {"申し訳ございません。このご注文の商品は、現在カートに入れることができません。", "We are sorry: none of this order's items can be put in the cart now."},
	"reorder.unavailable": {"販売を終了したか在庫切れのため、カートに入れられませんでした。", "no longer sold or out of stock; not added."},
	"reorder.cart_full":   {"カートの商品数が上限に達しているため、カートに入れられませんでした。", "your cart is full; not added."},
	"reorder.reduced":     {"在庫またはご注文数の上限により、%d点（ご注文時%d点）をカートに入れました。", "%d of the %d ordered were added (stock or per-order limit)."},
	"reorder.price":       {"価格が変更されています（ご注文時 %s → 現在 %s）。", "the price has changed (then %s, now %s)."},

	// お気に入り
	"favourites.title":  {"お気に入り", "Favourites"},
	"favourites.add":    {"お気に入りに追加", "Add to favourites"},
	"favourites.remove": {"お気に入りから削除", "Remove from favourites"},
	"favourites.on":     {"お気に入りに登録済みです。", "In your favourites."},
	"favourites.login":  {"ログインするとお気に入りに追加できます", "Log in to add this to your favourites"},
	"favourites.none":   {"お気に入りはまだありません。商品ページの「お気に入りに追加」から登録できます。", "No favourites yet. Use “Add to favourites” on a product page."},
	"favourites.all":    {"お気に入りをすべて見る", "See all favourites"},
	"favourites.count":  {"%d件（最大%d件まで登録できます）", "%d of at most %d"},
	"favourites.full":   {"お気に入りは上限まで登録されています。不要なものを削除してから追加してください。", "Your favourites list is full. Please remove some before adding more."},

	// Recently viewed
	"recent.title": {"最近チェックした商品", "Recently viewed"},
	"recent.none":  {"最近チェックした商品はありません。", "You have not viewed any products lately."},

	// Catalogue
	"product.related": {"関連商品", "Related products"},
	"tags.label":      {"タグ", "Tags"},
	"tags.filter":     {"タグで絞り込む", "Filter by tag"},
	"tags.clear":      {"すべての商品", "All products"},
	"search.tag":      {"タグ「%s」の商品", "Products tagged “%s”"},
}

// mypageFieldLabels are the fields only these pages have.
var mypageFieldLabels = map[string]label{
	"from":       {ja: "開始日", en: "start date"},
	"to":         {ja: "終了日", en: "end date"},
	"tag":        {ja: "タグ", en: "tag"},
	"favourites": {ja: "お気に入り", en: "favourites"},
}
