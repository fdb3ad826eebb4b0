package ui

// adminReportMessages are the pages of the drafts of the reports to the
// Personal Information Protection Commission.
var adminReportMessages = map[string]text{
	"report.title.preliminary": {"個人情報保護委員会への報告（速報）", "Report to the PPC: preliminary (速報)"},
	"report.title.final":       {"個人情報保護委員会への報告（確報）", "Report to the PPC: final (確報)"},
	"report.back":              {"← %s に戻る", "← Back to %s"},
	"report.lead": {"施行規則8条1項の9項目を、インシデントの記録（経緯・調査結果・影響範囲・通知・公表）から下書きしています。事実に合わせて修正して保存し、個人情報保護委員会の報告フォームに転記してください。提出したら、下の欄で提出日時を記録してください。",
		"The nine items of rule 8(1), drafted from the incident's record (timeline, findings, scope, notifications, notice). Correct them to the facts, save, and copy them into the PPC's online form. Once filed, record when below."},
	"report.version":                   {"下書きの版", "Draft"},
	"report.version.draft":             {"未保存（記録から作成した下書き）", "Not saved (drafted from the record)"},
	"report.version.saved":             {"第%d版（%s、%s）", "Version %d (%s, %s)"},
	"report.pdf":                       {"下書きを印刷（PDF）", "Print the draft (PDF)"},
	"report.save":                      {"この内容で保存", "Save this version"},
	"report.saved":                     {"下書きを保存しました。", "The draft was saved."},
	"report.filed.title":               {"提出を記録する", "Record the filing"},
	"report.filed.text":                {"受付番号などのメモ（任意）", "Receipt number or note (optional)"},
	"report.filed.submit":              {"提出済みとして記録", "Record as filed"},
	"incident.section.ppc_preliminary": {"個人情報保護委員会への速報（下書き）", "PPC preliminary report (draft)"},
	"incident.section.ppc_final":       {"個人情報保護委員会への確報（下書き）", "PPC final report (draft)"},
	"incident.section.scope":           {"影響範囲（対象のお客様と注文）", "Scope (affected customers and orders)"},
	"incident.section.reimbursements":  {"カード再発行手数料の補償", "Card reissue-fee reimbursements"},
	"form.required":                    {"必須", "required"},
}
