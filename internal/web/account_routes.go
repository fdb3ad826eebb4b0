package web

import "net/http"

// accountRoutes is the route table of the account pages: sign-up, log-in, password reset, my page.
//
// Log-in and sign-up pages are private (no-store): they hold a CSRF token
// and what the visitor typed. Pages reached by a token in the URL are
// secret, so the token never leaks as a referrer. The demo outbox answers
// 404 unless the store runs in demo mode.
func (s *Server) accountRoutes(mux *http.ServeMux) {
	// Sign-up and e-mail verification.
	mux.Handle("GET /register", s.private(s.registerPage))
	mux.Handle("POST /register", s.private(s.registerSubmit))
	mux.Handle("GET /account/verify", s.secret(s.verifyEmail))
	// A new e-mail address, confirmed from its link: no log-in needed.
	mux.Handle("GET /account/email/confirm", s.secret(s.emailConfirmPage))
	mux.Handle("POST /account/email/confirm", s.secret(s.emailConfirmSubmit))

	// Log-in (log-out is in routes.go).
	mux.Handle("GET "+loginPath, s.private(s.loginPage))
	mux.Handle("POST "+loginPath, s.private(s.loginSubmit))

	// Password reset by e-mail.
	mux.Handle("GET /account/forgot", s.private(s.forgotPage))
	mux.Handle("POST /account/forgot", s.private(s.forgotSubmit))
	mux.Handle("GET /account/reset", s.secret(s.resetPage))
	mux.Handle("POST /account/reset", s.secret(s.resetSubmit))

	// My page: members only.
	mux.Handle("GET /account", s.member(s.accountHome))
	mux.Handle("POST /account/verify/resend", s.member(s.resendVerification))
	mux.Handle("GET /account/orders", s.member(s.accountOrders))
	mux.Handle("POST /account/orders/{number}/reorder", s.member(s.reorder))
	mux.Handle("GET /account/profile", s.member(s.profilePage))
	mux.Handle("POST /account/profile", s.member(s.profileSubmit))
	mux.Handle("GET /account/email", s.member(s.emailPage))
	mux.Handle("POST /account/email", s.member(s.emailSubmit))
	mux.Handle("GET /account/favourites", s.member(s.favouritesPage))
	mux.Handle("POST /favourites/{slug}", s.member(s.favouriteAdd))
	mux.Handle("POST /favourites/{slug}/delete", s.member(s.favouriteRemove))
	mux.Handle("GET /account/addresses", s.member(s.addressesPage))
	mux.Handle("POST /account/addresses", s.member(s.addressAdd))
	mux.Handle("POST /account/addresses/{id}/delete", s.member(s.addressDelete))
	mux.Handle("POST /account/addresses/{id}/default", s.member(s.addressSetDefault))
	mux.Handle("GET /account/password", s.member(s.passwordPage))
	mux.Handle("POST /account/password", s.member(s.passwordSubmit))
	mux.Handle("GET /account/licence", s.member(s.licencePage))
	mux.Handle("POST /account/licence", s.member(s.licenceSubmit))
	mux.Handle("GET /account/data", s.member(s.accountData))
	if s.billing != nil {
		mux.Handle("GET /account/invoices", s.member(s.invoicesPage))
		mux.Handle("POST /account/invoices/apply", s.member(s.invoicesApply))
		mux.Handle("GET /account/invoices/{number}/pdf", s.member(s.accountInvoicePDF))
	}
	mux.Handle("GET /account/close", s.member(s.closePage))
	mux.Handle("POST /account/close", s.member(s.closeSubmit))

	// Demo tools: read the e-mails the store would have sent.
	mux.Handle("GET /demo/outbox", s.private(s.demoOutbox))
	mux.Handle("GET /demo/outbox/{id}", s.private(s.demoOutboxMail))
}
