package ui

// sharedMessages are the words of the partials both edges draw (the
// order-lines table, the pager), merged into both catalogues.
var sharedMessages = map[string]text{
	"lines.sku":     {"品番", "SKU"},
	"lines.item":    {"商品", "Item"},
	"lines.unit":    {"単価（税込）", "Unit price (tax incl.)"},
	"lines.qty":     {"数量", "Qty"},
	"lines.amount":  {"金額（税込）", "Amount (tax incl.)"},
	"lines.rate":    {"税率", "Tax rate"},
	"lines.changed": {"変更あり", "changed"},
	"lines.reduced": {"※は軽減税率（8%）対象品目です。", "※ marks items at the reduced rate (8%)."},
	"pager.label":   {"ページ送り", "Pages"},
	"pager.prev":    {"← 前のページ", "← Previous"},
	"pager.next":    {"次のページ →", "Next →"},
	"pager.page":    {"%[1]dページ目（全%[2]dページ）", "Page %[1]d of %[2]d"},
}
