package ui

// accountMessages are the account pages' messages: sign-up, log-in,
// password reset, my page.
var accountMessages = map[string]text{
	// Form furniture
	"account.required": {"必須", "required"},
	"account.optional": {"任意", "optional"},
	"account.choose":   {"選択してください", "Please choose"},

	// Field labels as shown above the inputs
	"account.field.email":            {"メールアドレス", "E-mail address"},
	"account.field.password":         {"パスワード", "Password"},
	"account.field.password_confirm": {"パスワード（確認用）", "Password (again)"},
	"account.field.current_password": {"現在のパスワード", "Current password"},
	"account.field.new_password":     {"新しいパスワード", "New password"},
	"account.field.name":             {"お名前", "Name"},
	"account.field.name_kana":        {"フリガナ", "Name in katakana"},
	"account.field.phone":            {"電話番号", "Phone number"},
	"account.field.postal_code":      {"郵便番号", "Postal code"},
	"account.field.prefecture":       {"都道府県", "Prefecture"},
	"account.field.city":             {"市区町村", "City"},
	"account.field.line1":            {"番地", "Street address"},
	"account.field.line2":            {"建物名・部屋番号", "Building and room"},
	"account.field.licence_type":     {"免許の種類", "Licence type"},
	"account.field.licence_number":   {"免許番号", "Licence number"},
	// The address forms' 「住所を検索」 (internal/web/postcode.go)
	"address.lookup":         {"住所を検索", "Find address"},
	"address.lookup.filled":  {"郵便番号から住所を入力しました。番地・建物名をご入力ください。", "The address was filled in from the postal code. Please add the street number and building."},
	"address.lookup.none":    {"この郵便番号に該当する住所が見つかりませんでした。郵便番号をご確認いただくか、住所を直接ご入力ください。", "No address was found for this postal code. Please check it, or type the address."},
	"address.lookup.several": {"この郵便番号は複数の市区町村にまたがります。都道府県・市区町村をご確認のうえご入力ください。", "This postal code covers several cities. Please enter the city."},
	"address.lookup.towns":   {"この郵便番号には複数の町域があります（%s）。市区町村の後に町域をご入力ください。", "This postal code covers several towns (%s). Please add the town after the city."},
	"address.lookup.more":    {" ほか", " and more"},
	"account.password.hint":  {"10文字以上で入力してください。メールアドレスと同じものは使えません。", "At least 10 characters, and not your e-mail address."},

	// Sign-up and verification
	"account.register.title":        {"会員登録", "Sign up"},
	"account.register.lead":         {"会員登録をすると、ご注文履歴の確認やお届け先の保存ができます。施術者の方は登録後に免許を申請いただくと、施術者向け商品をご購入いただけます。", "As a member you can see your orders and keep delivery addresses. Practitioners can submit their licence after signing up to buy practitioners-only products."},
	"account.register.terms":        {"ご登録の前に、ご利用規約とプライバシーポリシーをご確認ください。", "Before signing up, please read our terms of use and privacy policy."},
	"account.register.submit":       {"登録する", "Sign up"},
	"account.register.have":         {"すでに会員の方は", "Already a member?"},
	"account.register.link":         {"新規会員登録はこちら", "Create an account"},
	"account.registered.title":      {"ご登録ありがとうございます", "Thank you for signing up"},
	"account.registered.message":    {"確認メールを送信しました。メールに記載のリンクを開いて、メールアドレスの確認を完了してください（リンクの有効期限は24時間です）。", "We have sent you a confirmation e-mail. Please open the link in it to confirm your address (the link is valid for 24 hours)."},
	"account.verify.done.title":     {"メールアドレスを確認しました", "E-mail address confirmed"},
	"account.verify.done.message":   {"メールアドレスの確認が完了しました。引き続きお買い物をお楽しみください。", "Your e-mail address is confirmed. Thank you."},
	"account.verify.failed.title":   {"リンクを確認できませんでした", "This link could not be used"},
	"account.verify.failed.message": {"申し訳ございません。このリンクは無効か、有効期限が切れているか、すでに使用されています。マイページから確認メールを再送できます。", "We are sorry: this link is invalid, has expired or was already used. You can send a new one from your account page."},
	"account.verify.banner":         {"メールアドレス（%s）の確認がまだ完了していません。お送りしたメールのリンクを開いてください。", "Your e-mail address (%s) is not confirmed yet. Please open the link in the e-mail we sent you."},
	"account.verify.resend":         {"確認メールを再送する", "Send the e-mail again"},
	"account.resend.title":          {"確認メールを再送しました", "Confirmation e-mail sent"},
	"account.resend.message":        {"確認メールを再送しました。メールに記載のリンクを開いてください。届かない場合は、迷惑メールフォルダもご確認ください。", "We have sent the confirmation e-mail again. If it does not arrive, please check your spam folder."},
	"account.verified":              {"確認済み", "confirmed"},

	// Log-in
	"account.login.title":  {"ログイン", "Log in"},
	"account.login.submit": {"ログインする", "Log in"},
	"account.login.link":   {"ログインページへ", "Go to the log-in page"},
	"account.login.wrong":  {"メールアドレスまたはパスワードが正しくありません。ご確認のうえ、もう一度お試しください。", "The e-mail address or password is incorrect. Please check and try again."},
	"account.login.locked": {"ログインの失敗が続いたため、しばらくの間ログインを制限しています。15分ほどお待ちいただくか、パスワードを再設定してください。", "After several failed attempts, logging in is paused for a while. Please wait about 15 minutes or reset your password."},

	// Password reset
	"account.forgot.title":        {"パスワードの再設定", "Reset your password"},
	"account.forgot.lead":         {"ご登録のメールアドレスを入力してください。パスワード再設定用のリンクをお送りします。", "Enter the e-mail address you signed up with and we will send you a link to set a new password."},
	"account.forgot.submit":       {"再設定メールを送信する", "Send the link"},
	"account.forgot.link":         {"パスワードをお忘れの方はこちら", "Forgot your password?"},
	"account.forgot.sent.title":   {"メールをご確認ください", "Please check your e-mail"},
	"account.forgot.sent.message": {"ご入力のメールアドレスが登録されている場合は、パスワード再設定用のメールをお送りしました。リンクの有効期限は1時間です。", "If the address is registered, we have sent it an e-mail with a link to reset the password. The link is valid for one hour."},
	"account.reset.title":         {"新しいパスワードの設定", "Set a new password"},
	"account.reset.lead":          {"新しいパスワードを入力してください。設定後は、すべての端末でログアウトされます。", "Enter your new password. Afterwards you will be logged out everywhere."},
	"account.reset.submit":        {"パスワードを設定する", "Set the password"},
	"account.reset.done.title":    {"パスワードを再設定しました", "Your password has been reset"},
	"account.reset.done.message":  {"新しいパスワードを設定しました。新しいパスワードでログインしてください。", "Your new password is set. Please log in with it."},
	"account.reset.failed.title":  {"リンクを確認できませんでした", "This link could not be used"},
	"account.reset.failed.message": {"申し訳ございません。このリンクは無効か、有効期限が切れているか、すでに使用されています。お手数ですが、もう一度再設定の手続きをお願いいたします。",
		"We are sorry: this link is invalid, has expired or was already used. Please ask for a new one."},

	// My page
	"account.home.title":            {"マイページ", "My account"},
	"account.home.link":             {"マイページへ", "Go to my account"},
	"account.home.profile":          {"会員情報", "Your details"},
	"account.home.recent":           {"最近のご注文", "Recent orders"},
	"account.practitioner":          {"施術者資格", "Practitioner status"},
	"account.practitioner.none":     {"未申請", "Not submitted"},
	"account.practitioner.pending":  {"審査中", "Under review"},
	"account.practitioner.approved": {"承認済み（施術者向け商品をご購入いただけます）", "Approved (you can buy practitioners-only products)"},
	"account.practitioner.rejected": {"承認されませんでした", "Not approved"},

	// Orders
	"account.orders.title":                  {"ご注文履歴", "Order history"},
	"account.orders.none":                   {"ご注文はまだありません。", "You have not ordered anything yet."},
	"account.orders.all":                    {"すべてのご注文（%d件）を見る", "See all %d orders"},
	"account.orders.count":                  {"全%d件", "%d orders"},
	"account.order.number":                  {"注文番号", "Order number"},
	"account.order.date":                    {"ご注文日", "Date"},
	"account.order.items":                   {"商品", "Items"},
	"account.order.total":                   {"合計（税込）", "Total (tax incl.)"},
	"account.order.status":                  {"状態", "Status"},
	"account.order.status.awaiting_payment": {"お支払い待ち", "Awaiting payment"},
	"account.order.status.placed":           {"ご注文受付", "Received"},
	"account.order.status.paid":             {"ご入金確認済み", "Paid"},
	"account.order.status.shipped":          {"発送済み", "Shipped"},
	"account.order.status.delivered":        {"お届け済み", "Delivered"},
	"account.order.status.cancelled":        {"キャンセル", "Cancelled"},

	// Addresses
	"account.addresses.title":        {"お届け先の管理", "Delivery addresses"},
	"account.addresses.none":         {"登録されているお届け先はありません。", "You have no saved addresses."},
	"account.addresses.default":      {"いつものお届け先", "Default address"},
	"account.addresses.make_default": {"いつものお届け先にする", "Make default"},
	"account.addresses.delete":       {"削除する", "Delete"},
	"account.addresses.add":          {"お届け先を追加する", "Add an address"},
	"account.addresses.set_default":  {"いつものお届け先に設定する", "Use as my default address"},
	"account.addresses.submit":       {"追加する", "Add"},

	// Password change
	"account.password.title":        {"パスワードの変更", "Change password"},
	"account.password.submit":       {"変更する", "Change"},
	"account.password.done.title":   {"パスワードを変更しました", "Password changed"},
	"account.password.done.message": {"パスワードを変更しました。確認のメールをお送りしています。", "Your password has been changed. We have sent you an e-mail to confirm it."},

	// Practitioner licence
	"account.licence.title":           {"施術者免許の申請", "Practitioner licence"},
	"account.licence.link":            {"免許を申請する", "Submit a licence"},
	"account.licence.lead":            {"はり師・きゅう師などの免許をお持ちの方は、免許の種類と番号をご申請ください。当店で確認のうえ、施術者向け商品をご購入いただけるようになります。結果はメールでお知らせします。", "If you hold a licence such as acupuncturist or moxibustion practitioner, please submit its type and number. Once we have checked it, you can buy practitioners-only products; we will let you know by e-mail."},
	"account.licence.submitted":       {"申請済みの免許", "Submitted licences"},
	"account.licence.submitted_at":    {"申請日", "Submitted"},
	"account.licence.status":          {"審査状況", "Status"},
	"account.licence.reviewed_at":     {"審査日", "Reviewed"},
	"account.licence.add":             {"免許を申請する", "Submit a licence"},
	"account.licence.submit":          {"申請する", "Submit"},
	"account.licence.number.hint":     {"免許証に記載の番号を入力してください（例：第123456号 → 123456）。", "The number printed on the licence (e.g. 123456)."},
	"account.licence.status.pending":  {"審査中", "Under review"},
	"account.licence.status.approved": {"承認済み", "Approved"},
	"account.licence.status.rejected": {"承認されませんでした", "Not approved"},

	// Demo outbox
	"account.outbox.label":   {"デモ用ツール：実際のメールは送信されません", "Demo tool: no e-mail is really sent"},
	"account.outbox.title":   {"送信メール一覧（デモ）", "Sent e-mails (demo)"},
	"account.outbox.lead":    {"デモサイトでは、お送りするはずのメールをここで確認できます。確認メールやパスワード再設定のリンクもここから開けます。", "On the demo site, the e-mails the shop would send are shown here, so you can open confirmation and password reset links."},
	"account.outbox.none":    {"まだメールはありません。", "No e-mails yet."},
	"account.outbox.date":    {"日付", "Date"},
	"account.outbox.to":      {"宛先", "To"},
	"account.outbox.subject": {"件名", "Subject"},
}

// accountFieldLabels are the fields only the account pages have.
var accountFieldLabels = map[string]label{
	"current_password":     {ja: "現在のパスワード", en: "current password"},
	"new_password":         {ja: "新しいパスワード", en: "new password"},
	"new_password_confirm": {ja: "新しいパスワード（確認）", en: "new password confirmation"},
}
