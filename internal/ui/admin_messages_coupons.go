package ui

// adminCouponMessages are the coupons' page. Field labels are
// "coupons.field.NAME".
var adminCouponMessages = map[string]text{
	"nav.coupons":                    {"クーポン", "Coupons"},
	"coupons.title":                  {"クーポン", "Coupons"},
	"coupons.none":                   {"クーポンはまだありません。", "No coupons yet."},
	"coupons.new":                    {"クーポンを追加", "New coupon"},
	"coupons.edit":                   {"クーポンを編集", "Edit the coupon"},
	"coupons.save":                   {"保存する", "Save"},
	"coupons.uses":                   {"利用回数", "Uses"},
	"coupons.disabled":               {"停止中", "Stopped"},
	"coupons.disable":                {"停止する", "Stop"},
	"coupons.enable":                 {"再開する", "Resume"},
	"coupons.kind.fixed":             {"定額（円）", "Fixed (yen)"},
	"coupons.kind.percent":           {"定率（%）", "Percentage"},
	"coupons.lead":                   {"期間は日本時間の日付（両日を含む）。利用回数の上限は0で無制限。対象のカテゴリ・商品はIDをカンマ区切りで入力し、空欄なら全商品が対象です。最低利用金額は対象商品の合計（税込）です。", "Dates are Japan dates, both days included. A limit of 0 does not limit. Categories and products are ids separated by commas; empty means every item. The minimum spend is on the covered items, tax included."},
	"coupons.done.created":           {"クーポンを追加しました。", "The coupon was added."},
	"coupons.done.saved":             {"クーポンを保存しました。", "The coupon was saved."},
	"coupons.done.disabled":          {"クーポンの状態を変更しました。", "The coupon's state was changed."},
	"coupons.field.code":             {"クーポンコード", "code"},
	"coupons.field.description":      {"説明（社内用）", "description (internal)"},
	"coupons.field.kind":             {"割引の種類", "kind of discount"},
	"coupons.field.amount":           {"割引額（円または%）", "amount (yen or percent)"},
	"coupons.field.min_spend":        {"最低利用金額（円）", "minimum spend (yen)"},
	"coupons.field.starts_on":        {"開始日", "first day"},
	"coupons.field.ends_on":          {"終了日", "last day"},
	"coupons.field.max_uses":         {"利用回数の上限（全体）", "uses in all"},
	"coupons.field.max_per_customer": {"利用回数の上限（お客様ごと）", "uses per customer"},
	"coupons.field.category_ids":     {"対象カテゴリID", "category ids"},
	"coupons.field.product_ids":      {"対象商品ID", "product ids"},
}
