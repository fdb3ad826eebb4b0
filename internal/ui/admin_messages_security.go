package ui

// adminSecurityMessages are the script inventory's and the release
// manifest's.
var adminSecurityMessages = map[string]text{
	"nav.inventory":       {"スクリプト一覧", "Script inventory"},
	"inventory.title":     {"スクリプト一覧（PCI DSS 6.4.3）", "Script inventory (PCI DSS 6.4.3)"},
	"inventory.lead":      {"各ページで実行を許可しているスクリプトの一覧です。起動時に組み込みファイルから作成し、一覧にないスクリプトがあるとサーバーは起動しません。決済ページではスクリプトを一切実行しません。", "Every script a page may run, built at start from the embedded files; the server refuses to start with a script that is not listed. Payment pages run no script at all."},
	"inventory.edge":      {"画面", "Edge"},
	"inventory.file":      {"ファイル", "File"},
	"inventory.integrity": {"SHA-384（SRI）", "SHA-384 (SRI)"},
	"inventory.purpose":   {"目的", "Purpose"},
	"inventory.owner":     {"責任者", "Owner"},
	"inventory.pages":     {"実行されるページ", "Pages"},
	"inventory.inline":    {"インライン", "inline"},
	"inventory.none":      {"スクリプトはありません。", "No scripts."},
	"inventory.payment":   {"決済ページ（スクリプトなし）: %s", "Payment pages (no script): %s"},
	"manifest.title":      {"リリースの組み込みファイル", "Files shipped in this release"},
	"manifest.digest":     {"マニフェストのダイジェスト（SHA-256、%d ファイル）: %s", "Manifest digest (SHA-256 over %d files): %s"},
}
