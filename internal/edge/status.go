package edge

import (
	"errors"
	"net/http"

	"kaede/internal/shop"
)

// Status is the one mapping from an error to an HTTP status, for pages
// and APIs alike. Anything that is not a *shop.Error is internal: 500,
// shown as "internal error". Unavailable (the shop stopped something with
// a switch, or a database that cannot answer: see DatabaseDown) is 503
// but not internal: its message is shown.
func Status(err error) int {
	switch shop.ErrorCode(Refine(err)) {
	case shop.Invalid:
		return http.StatusUnprocessableEntity
	case shop.NotFound:
		return http.StatusNotFound
	case shop.Conflict, shop.OutOfStock, shop.QuoteChanged:
		return http.StatusConflict
	case shop.Unauthorized:
		return http.StatusUnauthorized
	case shop.Forbidden:
		return http.StatusForbidden
	case shop.TooMany:
		return http.StatusTooManyRequests
	case shop.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrCSRF refuses a form without a valid token, or one posted from
// another site; both edges explain that the form expired.
var ErrCSRF = &shop.Error{Code: shop.Forbidden, Message: "form token missing or invalid"}

// MessageKey is the catalogue key of the sentence shown for err:
// "error.csrf", or "error." and the error's code. An edge with errors of
// its own checks them first.
func MessageKey(err error) string {
	if errors.Is(err, ErrCSRF) {
		return "error.csrf"
	}
	return "error." + string(shop.ErrorCode(Refine(err)))
}
