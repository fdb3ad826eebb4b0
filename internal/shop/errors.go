package shop

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Code classifies an error for the edges: the HTTP layer maps each code to
// one status, the pages to one kind of message.
type Code string

// The error codes. Anything that is not a *Error is internal.
const (
	Invalid      Code = "invalid"      // the input is wrong; Fields names what
	NotFound     Code = "not_found"    // no such thing (or not yours to see)
	Conflict     Code = "conflict"     // the request clashes with the current state
	OutOfStock   Code = "out_of_stock" // not enough stock for the request
	Unauthorized Code = "unauthorized" // log in first
	Forbidden    Code = "forbidden"    // logged in, but not allowed
	TooMany      Code = "too_many"     // slow down
	Unavailable  Code = "unavailable"  // stopped for now by the shop (a switch); try later or another way
	Internal     Code = "internal"     // our fault; details are only logged
	// QuoteChanged: the order differs from the confirmation the customer
	// saw (cart, prices, fees, delivery); confirm again.
	QuoteChanged Code = "quote_changed"
)

// Error is the one error type the domain returns. Message is safe to show
// to the person who made the request; Fields maps an input field (dotted,
// e.g. "shipping_address.postal_code") to a reason such as "required".
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	// RetryAfter is, for TooMany, how long until the request would be let
	// through (the edges' Retry-After); zero when unknown.
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := fmt.Sprintf("%s: %s (", e.Code, e.Message)
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += k + ": " + e.Fields[k]
	}
	return s + ")"
}

// Errorf returns an *Error with the code and a formatted, safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or Internal when err is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the safe message of err; internal errors get a
// generic message so that no detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field reasons of err, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Field reasons used in Error.Fields. The edges turn them into sentences.
const (
	ReasonRequired = "required" // empty
	ReasonFormat   = "format"   // not in the expected form
	ReasonChoice   = "choice"   // not one of the allowed values
	ReasonRange    = "range"    // a number out of its range
	ReasonLength   = "length"   // too long or too short
	ReasonTaken    = "taken"    // already used (an e-mail address, a slug)
	ReasonMismatch = "mismatch" // does not match (password confirmation)
	ReasonStopped  = "stopped"  // a valid choice the shop has stopped for now (card payments)
	ReasonCommon   = "common"   // a password on the list of common passwords
	// ReasonCreditLimit: a payment on account (monthly invoice) that would
	// bring the customer's open balance over their credit limit.
	ReasonCreditLimit = "credit_limit"
	// Coupon codes (internal/coupon): no such code (or stopped), outside
	// its period, under its minimum spend, used up (in all or by this
	// customer), or for none of the items in the cart.
	ReasonCouponUnknown  = "coupon_unknown"
	ReasonCouponPeriod   = "coupon_period"
	ReasonCouponMinSpend = "coupon_min_spend"
	ReasonCouponUsedUp   = "coupon_used_up"
	ReasonCouponNoItems  = "coupon_no_items"
)

// Problems collects field reasons while validating an input, so that every
// bad field is reported at once rather than the first one only.
type Problems map[string]string

// Add records a reason for a field unless the field already has one.
func (p Problems) Add(field, reason string) {
	if _, ok := p[field]; !ok {
		p[field] = reason
	}
}

// Err returns an Invalid *Error naming every field, or nil if there are none.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "some fields are invalid", Fields: map[string]string(p)}
}

// ErrorRetryAfter returns the RetryAfter of err, or zero.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
