package admin

// catalogMessages are the catalogue and content pages' messages.
var catalogMessages = map[string]text{}
