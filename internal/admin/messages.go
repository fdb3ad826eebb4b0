package admin

// messages is the admin's catalogue, kept apart from the store's
// (internal/ui): staff words differ from customers', and the two surfaces
// change independently. Keys are "area.what".
var messages = merge(coreMessages, catalogMessages, orderMessages, passkeyMessages)

// merge joins the surfaces' catalogues; a key defined twice is a
// programming error caught at start-up (and by the tests).
func merge(parts ...map[string]text) map[string]text {
	all := map[string]text{}
	for _, part := range parts {
		for k, v := range part {
			if _, dup := all[k]; dup {
				panic("admin: message " + k + " is defined twice")
			}
			all[k] = v
		}
	}
	return all
}

// coreMessages are the layout's, login's, staff's, audit's and settings'.
var coreMessages = map[string]text{
	// Layout
	"layout.title":    {"管理画面", "Admin"},
	"layout.skip":     {"本文へ移動", "Skip to content"},
	"layout.language": {"言語", "Language"},
	"layout.logout":   {"ログアウト", "Log out"},
	"layout.demo":     {"デモ環境です。実際の注文・顧客情報ではありません。", "This is a demo shop: no order or customer here is real."},
	"layout.nav":      {"管理メニュー", "Admin menu"},
	"layout.signed":   {"%s（%s）でログイン中", "Logged in as %s (%s)"},

	"nav.dashboard":  {"ダッシュボード", "Dashboard"},
	"nav.orders":     {"注文", "Orders"},
	"dashboard.open": {"一覧を開く", "Open the list"},
	"nav.customers":  {"顧客", "Customers"},
	"nav.products":   {"商品", "Products"},
	"nav.content":    {"お知らせ・法定表記", "News & legal pages"},
	"nav.staff":      {"スタッフ", "Staff"},
	"nav.sessions":   {"ログイン中の端末", "Sessions"},
	"nav.audit":      {"監査ログ", "Audit log"},
	"nav.settings":   {"ショップ設定", "Shop settings"},

	"role.owner":    {"オーナー", "Owner"},
	"role.manager":  {"マネージャー", "Manager"},
	"role.shipping": {"出荷担当", "Shipping"},
	"role.support":  {"サポート担当", "Support"},
	"role.auditor":  {"監査担当", "Auditor"},

	// Errors
	"error.title":        {"エラー", "Error"},
	"error.invalid":      {"入力内容に誤りがあります。各項目をご確認ください。", "Some fields need correcting. Please check each one."},
	"error.not_found":    {"ページまたは対象が見つかりません。", "The page or item could not be found."},
	"error.conflict":     {"現在の状態ではこの操作はできません（オーナーが1人もいなくなる操作など）。", "This cannot be done in the current state (for example, it would leave the shop without an owner)."},
	"error.out_of_stock": {"在庫が不足しています。", "Not enough stock."},
	"error.unauthorized": {"メールアドレス、パスワードまたは確認コードが正しくないか、有効期限が切れています。", "The e-mail address, password or code is incorrect, or the login has expired."},
	"error.forbidden":    {"この操作は許可されていません。", "This is not allowed."},
	"error.denied":       {"この操作を行う権限がありません。この試みは監査ログに記録されました。", "Your role does not allow this. The attempt has been recorded in the audit log."},
	"error.too_many":     {"失敗が続いたため、しばらくログインできません。", "Too many failed attempts: logging in is paused for a while."},
	"error.internal":     {"システムエラーが発生しました（internal error）。", "An internal error occurred."},
	"error.csrf":         {"フォームの有効期限が切れたか、別のサイトから送信されました。ページを再読み込みしてからもう一度お試しください。", "This form has expired or was sent from another site. Reload the page and try again."},
	"error.not_allowed":  {"このネットワークからは管理画面を利用できません。", "The admin cannot be used from this network."},
	"error.request_id":   {"問い合わせ番号：%s", "Reference: %s"},
	"error.back":         {"ダッシュボードへ戻る", "Back to the dashboard"},
	"error.fields":       {"ご確認いただきたい項目", "Please check"},

	// Field reasons: %s is the field's label.
	"reason.required": {"%sを入力してください", "Please enter the %s"},
	"reason.format":   {"%sの形式が正しくありません", "The %s is not in the right format"},
	"reason.choice":   {"%sは選択肢の中から選んでください", "Please choose the %s from the options"},
	"reason.range":    {"%sが指定できる範囲を超えています", "The %s is out of range"},
	"reason.length":   {"%sの文字数が長すぎるか短すぎます", "The %s is too long or too short"},
	"reason.taken":    {"この%sはすでに使われています", "This %s is already in use"},
	"reason.mismatch": {"%sが一致しません", "The %s does not match"},
	"reason.other":    {"%sをご確認ください", "Please check the %s"},

	// Field labels
	"field.value":                   {"入力内容", "value"},
	"field.body":                    {"送信内容", "form"},
	"field.email":                   {"メールアドレス", "e-mail address"},
	"field.password":                {"パスワード", "password"},
	"field.password_confirm":        {"パスワード（確認）", "password confirmation"},
	"field.code":                    {"確認コード", "code"},
	"field.token":                   {"登録用リンク", "enrolment link"},
	"field.role":                    {"役割", "role"},
	"field.from":                    {"開始日", "start date"},
	"field.to":                      {"終了日", "end date"},
	"field.page":                    {"ページ", "page"},
	"field.shop_name":               {"ショップ名", "shop name"},
	"field.shop_name_en":            {"ショップ名（英語）", "shop name in English"},
	"field.company":                 {"販売業者（法人名）", "seller's legal name"},
	"field.responsible":             {"運営責任者", "person responsible"},
	"field.postal_code":             {"郵便番号", "postal code"},
	"field.address":                 {"所在地", "address"},
	"field.phone":                   {"電話番号", "phone number"},
	"field.invoice_number":          {"適格請求書発行事業者登録番号（T＋13桁）", "invoice registration number (T + 13 digits)"},
	"field.tax_rounding":            {"消費税の端数処理", "tax rounding"},
	"field.shipping_fees":           {"都道府県別送料", "shipping fee"},
	"field.default_shipping_fee":    {"標準送料", "default shipping fee"},
	"field.free_shipping_threshold": {"送料無料になる金額", "free-shipping threshold"},
	"field.cod_fee":                 {"代引手数料", "cash-on-delivery fee"},
	"field.cod_limit":               {"代引の上限金額", "cash-on-delivery limit"},
	"field.bank":                    {"銀行名", "bank"},
	"field.branch":                  {"支店名", "branch"},
	"field.account_type":            {"口座種別", "account type"},
	"field.account_number":          {"口座番号", "account number"},
	"field.holder_kana":             {"口座名義（カナ）", "account holder (katakana)"},
	"field.payment_due_days":        {"振込期限（日数）", "days to pay by transfer"},
	"field.enable_bank_transfer":    {"銀行振込を受け付ける", "accept bank transfer"},
	"field.enable_cod":              {"代金引換を受け付ける", "accept cash on delivery"},
	"field.delivery_slots":          {"お届け時間帯（1行に1つ）", "delivery time slots (one per line)"},
	"field.delivery_min_days":       {"お届け日指定：最短（日後）", "earliest delivery date (days after ordering)"},
	"field.delivery_max_days":       {"お届け日指定：最長（日後）", "latest delivery date (days after ordering)"},
	"field.ship_within_days":        {"発送までの日数", "days to ship"},
	"field.return_policy":           {"返品・キャンセルについて", "returns and cancellation"},

	// Login
	"login.title":   {"管理画面ログイン", "Admin login"},
	"login.lead":    {"メールアドレスとパスワードを入力してください。次の画面で確認コードを入力します。", "Enter your e-mail address and password. The next step asks for a code."},
	"login.submit":  {"次へ", "Continue"},
	"code.title":    {"確認コードの入力", "Enter your code"},
	"code.lead":     {"認証アプリに表示されている6桁のコード、またはリカバリーコードを入力してください。", "Enter the 6-digit code from your authenticator app, or a recovery code."},
	"code.submit":   {"ログイン", "Log in"},
	"code.restart":  {"メールアドレスの入力からやり直す", "Start again from the e-mail address"},
	"reauth.title":  {"本人確認", "Confirm it is you"},
	"reauth.lead":   {"この操作には、5分以内の確認コードの入力が必要です。", "This action needs a code entered within the last five minutes."},
	"reauth.submit": {"確認して続ける", "Confirm and continue"},
	"locked.title":  {"ログインを一時停止しています", "Logging in is paused"},
	"locked.lead":   {"入力の誤りが続いたため、安全のためログインを一時停止しています。しばらく時間をおいてからもう一度お試しください。お急ぎの場合はオーナーにロック解除を依頼してください。", "After several failed attempts, logging in is paused for your safety. Please try again later, or ask an owner to unlock your account."},
	"locked.back":   {"ログイン画面へ", "Back to the login page"},

	// Enrolment
	"enrol.title":         {"管理画面アカウントの登録", "Set up your admin account"},
	"enrol.password.lead": {"パスワードを決めてください（12文字以上）。", "Choose a password (at least 12 characters)."},
	"enrol.password.next": {"次へ（認証アプリの設定）", "Continue to the authenticator"},
	"enrol.scan.lead":     {"認証アプリ（Google Authenticator、Microsoft Authenticator など）でQRコードを読み取ってください。読み取れない場合は下の文字列を入力してください。", "Scan the QR code with your authenticator app (Google Authenticator, Microsoft Authenticator…). If you cannot scan it, type in the key below."},
	"enrol.qr.alt":        {"認証アプリ用のQRコード", "QR code for the authenticator app"},
	"enrol.secret":        {"手入力用のキー", "Key for typing in"},
	"enrol.code.lead":     {"アプリに表示された6桁のコードを入力してください。", "Enter the 6-digit code the app shows."},
	"enrol.code.submit":   {"登録を完了する", "Finish"},
	"enrol.retry.lead":    {"QRコードをもう一度表示するには、届いた登録用リンクを開き直してください。", "To see the QR code again, open your enrolment link again."},
	"enrol.done.lead":     {"登録が完了しました。次のリカバリーコードは今回だけ表示されます。認証アプリが使えなくなったときに1回ずつ使えます。印刷するなどして安全な場所に保管してください。", "Your account is ready. These recovery codes are shown this once: each works once if you lose your authenticator. Print them or keep them somewhere safe."},
	"enrol.done.login":    {"ログイン画面へ", "Go to the login page"},

	// Dashboard
	"dashboard.title":     {"ダッシュボード", "Dashboard"},
	"dashboard.today":     {"本日（%s）", "Today (%s)"},
	"dashboard.orders":    {"本日の注文数", "Orders today"},
	"dashboard.sales":     {"本日の売上（税込）", "Sales today (tax included)"},
	"dashboard.ship":      {"出荷待ちの注文", "Orders awaiting shipment"},
	"dashboard.ship.note": {"入金済み、または代金引換の注文", "Paid, or cash on delivery"},
	"dashboard.licences":  {"審査待ちの免許証", "Licences awaiting review"},

	// Staff
	"staff.title":        {"スタッフ", "Staff"},
	"staff.add":          {"スタッフを追加", "Add a member of staff"},
	"staff.all_sessions": {"全スタッフのログイン中の端末", "Every member of staff's sessions"},
	"staff.email":        {"メールアドレス", "E-mail"},
	"staff.role":         {"役割", "Role"},
	"staff.state":        {"状態", "State"},
	"staff.last_login":   {"最終ログイン", "Last login"},
	"staff.actions":      {"操作", "Actions"},
	"staff.active":       {"有効", "Active"},
	"staff.disabled":     {"無効", "Disabled"},
	"staff.pending":      {"登録待ち", "Not enrolled yet"},
	"staff.change_role":  {"役割を変更", "Change role"},
	"staff.disable":      {"無効にする", "Disable"},
	"staff.enable":       {"有効にする", "Enable"},
	"staff.unlock":       {"ロック解除", "Unlock"},
	"staff.reset":        {"再登録させる（パスワードと認証アプリを削除）", "Reset (remove password and authenticator)"},
	"staff.new.title":    {"スタッフの追加", "Add a member of staff"},
	"staff.new.lead":     {"追加すると、本人が登録に使うリンクが一度だけ表示されます（有効期限72時間）。", "Adding shows the link they enrol with, once (valid for 72 hours)."},
	"staff.new.submit":   {"追加する", "Add"},
	"staff.link.title":   {"登録用リンク", "Enrolment link"},
	"staff.link.lead":    {"%s さんに、このページとは別の手段（対面、電話など）でこのリンクを伝えてください。このリンクは二度と表示されません。", "Give %s this link by another channel than this screen (in person, by phone). It will not be shown again."},
	"staff.back":         {"スタッフ一覧へ", "Back to the staff list"},
	"staff.done.role":    {"役割を変更しました。", "The role has been changed."},
	"staff.done.disable": {"無効にしました。ログイン中の端末もすべてログアウトしました。", "Disabled, and logged out everywhere."},
	"staff.done.enable":  {"有効にしました。", "Enabled."},
	"staff.done.unlock":  {"ロックを解除しました。", "Unlocked."},

	// Sessions
	"sessions.title":       {"ログイン中の端末", "Sessions"},
	"sessions.lead":        {"心当たりのない端末があれば、ログアウトさせてパスワードの変更をオーナーに相談してください。", "If you do not recognise a session, end it and talk to an owner about your password."},
	"sessions.started":     {"ログイン日時", "Logged in"},
	"sessions.last_seen":   {"最終利用", "Last used"},
	"sessions.ip":          {"IPアドレス", "IP address"},
	"sessions.browser":     {"ブラウザ", "Browser"},
	"sessions.current":     {"この端末", "This browser"},
	"sessions.revoke":      {"ログアウトさせる", "End session"},
	"sessions.none":        {"ログイン中の端末はありません。", "No sessions."},
	"sessions.done.revoke": {"ログアウトさせました。", "The session has ended."},

	// Audit log
	"audit.title":    {"監査ログ", "Audit log"},
	"audit.filter":   {"絞り込み", "Filter"},
	"audit.actor":    {"実行者", "Actor"},
	"audit.action":   {"操作", "Action"},
	"audit.target":   {"対象", "Target"},
	"audit.from":     {"開始日", "From"},
	"audit.to":       {"終了日", "To"},
	"audit.search":   {"表示", "Show"},
	"audit.at":       {"日時", "When"},
	"audit.ip":       {"IP", "IP"},
	"audit.before":   {"変更前", "Before"},
	"audit.after":    {"変更後", "After"},
	"audit.none":     {"該当する記録はありません。", "No entries match."},
	"audit.prev":     {"← 新しい記録", "← Newer"},
	"audit.next":     {"古い記録 →", "Older →"},
	"audit.page":     {"%dページ目", "Page %d"},
	"audit.verify":   {"改ざんチェック（チェーン検証）", "Verify the chain"},
	"audit.verified": {"改ざんは見つかりませんでした。記録 %d 件の連鎖を確認しました。", "No tampering found: the chain of %d entries is intact."},
	"audit.broken":   {"改ざんを検出しました：記録 #%d（%s）。オーナーに直ちに報告してください。", "Tampering detected at entry #%d (%s). Report this to an owner at once."},

	// Settings
	"settings.title":     {"ショップ設定", "Shop settings"},
	"settings.edit":      {"設定を変更する", "Change the settings"},
	"settings.readonly":  {"閲覧のみ。変更はオーナーが行います。", "Read only. Owners change these settings."},
	"settings.saved":     {"設定を保存しました。変更は監査ログに記録されています。", "The settings have been saved and the change recorded in the audit log."},
	"settings.seller":    {"販売業者", "Seller"},
	"settings.tax":       {"消費税", "Tax"},
	"settings.shipping":  {"送料（税込）", "Shipping (tax included)"},
	"settings.fees.note": {"空欄の都道府県には標準送料がかかります。", "Prefectures left empty pay the default fee."},
	"settings.payment":   {"お支払い方法", "Payment methods"},
	"settings.transfer":  {"振込先口座", "Bank account for transfers"},
	"settings.delivery":  {"お届け", "Delivery"},
	"settings.returns":   {"返品・キャンセル", "Returns and cancellation"},
	"settings.save":      {"保存する", "Save"},
	"rounding.floor":     {"切り捨て", "Round down"},
	"rounding.half_up":   {"四捨五入", "Round half up"},
	"rounding.ceil":      {"切り上げ", "Round up"},
	"account.ordinary":   {"普通", "Ordinary (普通)"},
	"account.current":    {"当座", "Current (当座)"},
	"region.hokkaido":    {"北海道", "Hokkaido"},
	"region.tohoku":      {"東北", "Tōhoku"},
	"region.kanto":       {"関東", "Kantō"},
	"region.chubu":       {"中部", "Chūbu"},
	"region.kinki":       {"近畿", "Kinki"},
	"region.chugoku":     {"中国", "Chūgoku"},
	"region.shikoku":     {"四国", "Shikoku"},
	"region.kyushu":      {"九州・沖縄", "Kyūshū and Okinawa"},
}
