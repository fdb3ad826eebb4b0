package ui

// adminPasskeyMessages are the passkey (WebAuthn) parts of the enrolment, login
// and re-authentication pages.
var adminPasskeyMessages = map[string]text{
	"passkey.or":           {"または、パスキーを使うこともできます（認証アプリの代わりになります）。", "Or use a passkey instead of the authenticator app."},
	"passkey.enrol.lead":   {"この端末やセキュリティキーにパスキーを登録して、登録を完了します。", "Register a passkey on this device or a security key to finish."},
	"passkey.enrol.name":   {"パスキーの名前（任意）", "Name of the passkey (optional)"},
	"passkey.enrol.button": {"パスキーを登録する", "Register a passkey"},
	"passkey.login.button": {"パスキーを使う", "Use a passkey"},
	"passkey.failed":       {"パスキーを使えませんでした。もう一度お試しいただくか、コードを入力してください。", "The passkey did not work. Try again, or enter a code."},
}
