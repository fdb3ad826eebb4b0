package ui

// noticeMessages are the words around an incident's public notice (お詫び
// とお知らせ) and its pin on the top page; the notice's own text is the
// shop's.
var noticeMessages = map[string]text{
	"notice.pinned":           {"重要なお知らせ", "Important notice"},
	"notice.pinned.updated":   {"（%s更新）", " (updated %s)"},
	"notice.first":            {"掲載日", "Published"},
	"notice.updated":          {"最終更新日", "Last updated"},
	"notice.updates":          {"更新情報", "Updates"},
	"notice.report":           {"第%d報", "Report %d"},
	"notice.section.summary":  {"概要", "What happened"},
	"notice.section.items":    {"漏えいした可能性のある情報", "The information concerned"},
	"notice.section.cause":    {"原因", "Cause"},
	"notice.section.risk":     {"二次被害のおそれとお客様へのお願い", "Risks, and what we ask of you"},
	"notice.section.measures": {"再発防止策と関係機関への報告", "Measures and reports to the authorities"},
	"notice.section.contact":  {"本件に関するお問い合わせ先", "Where to ask about this matter"},
	"notice.contact.form":     {"お問い合わせフォーム（本件について）", "Inquiry form (about this matter)"},
	"notice.withdrawn.title":  {"このお知らせの掲載は終了しました", "This notice has been withdrawn"},
	"notice.withdrawn.text":   {"このお知らせは%sに掲載を終了いたしました。本件についてのお問い合わせは、引き続き下記のフォームから承っております。", "This notice was withdrawn on %s. You can still ask us about the matter through the form below."},
}
