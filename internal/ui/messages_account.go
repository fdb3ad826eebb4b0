package ui

// accountMessages are the account pages' messages: sign-up, log-in,
// password reset, my page.
var accountMessages = map[string]text{}

// accountFieldLabels are the fields only the account pages have.
var accountFieldLabels = map[string]label{}
