// Package shop is Kaede's shared domain vocabulary: yen amounts, tax rates
// and rounding, the error type every capability returns, Japanese address
// rules and the clock. It imports neither net/http nor database/sql.
package shop
