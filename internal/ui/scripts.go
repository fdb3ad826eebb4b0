package ui

import "kaede/internal/scripts"

// The script tables of PCI DSS 6.4.3: every script a page of an edge may
// run, why, who answers for it, and on which pages. The store's pages run
// no script at all; the admin runs one file of its own. A script added to
// the static files or a template without a line here stops the server at
// start (see package scripts), and so does a line here without its file.

// StorePaymentPages are the store's pages on the way to a card payment
// (the cart, the checkout form, the confirmation with the order button,
// the order's completion and its page with the "pay" button). They run
// no script, whatever the table says; the redirect to the provider is a
// 303 with no body and carries the edge's default policy, which allows
// no script either.
var StorePaymentPages = []string{"cart", "checkout", "confirm", "complete", "order"}

// storeScripts: none. Every store page works without JavaScript.
var storeScripts []scripts.Entry

// adminScripts are the admin's.
var adminScripts = []scripts.Entry{
	{
		File:    "passkey.js",
		Purpose: "WebAuthn: asks the browser to create or use a passkey for a member of staff's second factor",
		Owner:   "Kaede maintainers (internal/ui/admin/static)",
		Pages:   []string{"code", "enrol", "reauth"},
	},
}
