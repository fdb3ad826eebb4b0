package ui

// adminMailTextMessages are the shop's own wording of its e-mails
// (/admin/mail-texts).
var adminMailTextMessages = map[string]text{
	"nav.mailtexts":   {"メール文面", "E-mail texts"},
	"mailtexts.title": {"お客様へのメール文面", "E-mails to customers"},
	"mailtexts.lead": {"ショップがお客様へ送るメールの件名と本文を、日本語・英語それぞれ変更できます。変更は次に送るメールから使われ、監査ログに記録されます。",
		"Change the subject and body of the e-mails the shop sends to customers, in Japanese and in English. A change is used from the next e-mail on and is written to the audit log."},
	"mailtexts.mail":    {"メール", "E-mail"},
	"mailtexts.locale":  {"言語", "Language"},
	"mailtexts.status":  {"文面", "Text"},
	"mailtexts.custom":  {"変更済み", "changed"},
	"mailtexts.default": {"標準", "default"},
	"mailtexts.edit":    {"編集", "Edit"},
	"mailtexts.ja":      {"日本語", "Japanese"},
	"mailtexts.en":      {"英語", "English"},

	"mailtext.subject": {"件名", "Subject"},
	"mailtext.body":    {"本文", "Body"},
	"mailtext.vars":    {"使える変数", "Variables"},
	"mailtext.vars.help": {"{{.Name}} のように書きます。{{if .Member}}…{{end}} や {{range .Lines}}{{.Name}}{{end}} も使えます。保存のとき、すべての変数を確認します。",
		"Write them as {{.Name}}. {{if .Member}}…{{end}} and {{range .Lines}}{{.Name}}{{end}} work too. Every variable is checked when saving."},
	"mailtext.preview":        {"プレビュー", "Preview"},
	"mailtext.preview.real":   {"最新のご注文のデータで表示しています。", "Shown with the data of the newest order."},
	"mailtext.preview.sample": {"見本のデータで表示しています。", "Shown with sample data."},
	"mailtext.draft":          {"未保存の文面のプレビューです。", "This previews the text as submitted; it is not saved."},
	"mailtext.save":           {"保存する", "Save"},
	"mailtext.show":           {"プレビューする", "Preview"},
	"mailtext.reset":          {"標準の文面に戻す", "Reset to the default"},
	"mailtext.done.saved":     {"保存しました。次に送るメールから使われます。", "Saved. The next e-mail uses it."},
	"mailtext.done.reset":     {"標準の文面に戻しました。", "The default text is back."},
	"mailtext.readonly":       {"変更には、設定変更の権限が必要です。", "Changing a text needs the permission to change the settings."},
	"mailtext.updated":        {"最終変更", "Last changed"},
	"mailtext.back":           {"メール文面の一覧へ", "All e-mail texts"},
}
