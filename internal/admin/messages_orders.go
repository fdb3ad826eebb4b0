package admin

// orderMessages are the order and customer pages' messages.
var orderMessages = map[string]text{}
