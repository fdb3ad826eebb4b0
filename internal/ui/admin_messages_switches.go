package ui

// adminSwitchMessages are the emergency switches' page (/admin/switches).
var adminSwitchMessages = map[string]text{
	"nav.switches":   {"緊急スイッチ", "Emergency switches"},
	"switches.title": {"緊急スイッチ", "Emergency switches"},
	"switches.lead": {"クレジットカード決済の停止、注文受付の停止、ストア全体のメンテナンスを切り替えます。変更は稼働中のすべてのサーバーに5秒以内に反映され、監査ログに記録されます。",
		"Stop card payments, stop taking orders, or close the whole store for maintenance. A change reaches every running server within five seconds and is written to the audit log."},
	"switches.done":     {"切り替えました。ストアには数秒以内に反映されます。", "Done. The store follows within seconds."},
	"switches.readonly": {"切り替えには、セキュリティ管理の権限（オーナー）が必要です。", "Changing a switch needs the security management permission (owners)."},
	"switches.cli": {"管理画面に入れないときは、サーバーで kaede switch card off --reason \"理由\" のように実行できます（kaede switch status で状態を確認）。",
		"When the admin cannot be reached, run for example kaede switch card off --reason \"why\" on the server (kaede switch status shows the state)."},

	"switches.name.card":        {"クレジットカード決済", "Card payments"},
	"switches.name.checkout":    {"注文受付", "Taking orders"},
	"switches.name.maintenance": {"メンテナンス（ストア全体を休止）", "Maintenance (the whole store closed)"},

	"switches.pos.card.true":         {"受付中", "on"},
	"switches.pos.card.false":        {"停止中", "STOPPED"},
	"switches.pos.checkout.true":     {"受付中", "on"},
	"switches.pos.checkout.false":    {"停止中", "STOPPED"},
	"switches.pos.maintenance.true":  {"メンテナンス中", "IN MAINTENANCE"},
	"switches.pos.maintenance.false": {"通常営業", "open"},

	"switches.set.card.false":        {"カード決済を停止する", "Stop card payments"},
	"switches.set.card.true":         {"カード決済を再開する", "Resume card payments"},
	"switches.set.checkout.false":    {"注文受付を停止する", "Stop taking orders"},
	"switches.set.checkout.true":     {"注文受付を再開する", "Resume taking orders"},
	"switches.set.maintenance.true":  {"メンテナンスを開始する", "Start maintenance"},
	"switches.set.maintenance.false": {"メンテナンスを終了する", "End maintenance"},
	"switches.update":                {"お知らせ文と理由だけを更新する", "Update the notice and the reason only"},

	"switches.changed":     {"最終変更", "Last changed"},
	"switches.never":       {"変更なし（初期状態）", "never (as installed)"},
	"switches.shown":       {"ストアに表示中のお知らせ", "Notice shown in the store"},
	"switches.standard":    {"（標準の文）", "(the standard sentence)"},
	"switches.banner.help": {"切り替え中、ストアの全ページ上部に表示されます（日本語200字・英語400字まで）。空欄のときは標準の文を表示します。", "Shown at the top of every store page while the switch is away from normal (up to 200 Japanese / 400 English characters). Empty shows a standard sentence."},
	"switches.reason.help": {"社内向けの記録です。停止・メンテナンス開始のときは必須です。", "For staff and the audit log; required when stopping or starting maintenance."},
	"switches.all_normal":  {"すべて通常", "all normal"},

	"switches.history":    {"変更履歴", "History"},
	"switches.no_history": {"まだ変更はありません。", "No changes yet."},
	"switches.at":         {"日時", "When"},
	"switches.by":         {"変更者", "By"},
	"switches.switch":     {"スイッチ", "Switch"},
	"switches.change":     {"変更", "Change"},

	"field.banner":    {"お知らせ文（日本語）", "notice (Japanese)"},
	"field.banner_en": {"お知らせ文（英語）", "notice (English)"},
	"field.reason":    {"理由", "reason"},
	"field.on":        {"切り替え先", "position"},

	"error.unavailable": {"この操作はいま停止されています。", "This is stopped for the moment."},
	"reason.stopped":    {"%sはいま停止されています", "The %s is stopped for the moment"},
}
