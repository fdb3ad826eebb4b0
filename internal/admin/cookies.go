package admin

// The admin's cookies (see Server.cookies: HttpOnly, SameSite=Strict,
// __Host- over https). No other site can make a browser send them, and no
// script can read them.
const (
	sessionCookie = "kaede_admin"         // the staff session token
	pendingCookie = "kaede_admin_pending" // between the password and the code
	csrfCookie    = "kaede_admin_csrf"    // keys the forms' CSRF token
	langCookie    = "kaede_admin_lang"
)
