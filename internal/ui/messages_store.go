package ui

// storeMessages are the store pages' messages: top, category, product,
// search, cart, checkout, order.
var storeMessages = map[string]text{}

// storeFieldLabels are the fields only the store pages have.
var storeFieldLabels = map[string]label{}
