// Package form reads submitted HTML forms field by field, for the store's
// pages and the admin's alike. A value that cannot be read (a quantity of
// "abc") records a shop field reason instead of failing, so that a handler
// reports every bad field at once:
//
//	f := form.New(r.PostForm)
//	in := thing{Name: f.String("name"), Fee: f.Yen("fee")}
//	if err := f.Err(); err != nil { … show the form again … }
//
// Japanese customers type full-width digits (１２) and thousands separators
// (１,２００); both are read as numbers. Range and business rules belong to
// the domain's validation, not here.
package form

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kaede/internal/shop"
)

// Form is one submitted form and the fields that could not be read.
type Form struct {
	values   url.Values
	problems shop.Problems
}

// New returns a reader of values.
func New(values url.Values) *Form {
	if values == nil {
		values = url.Values{}
	}
	return &Form{values: values, problems: shop.Problems{}}
}

// Values is the submitted form as it came, for filling fields in again.
func (f *Form) Values() url.Values { return f.values }

// Fail records a reason for a field the caller could not read itself (a
// body that could not be parsed at all is field "body").
func (f *Form) Fail(field, reason string) { f.problems.Add(field, reason) }

// String returns the field with surrounding spaces removed.
func (f *Form) String(name string) string { return strings.TrimSpace(f.values.Get(name)) }

// Raw returns the field as typed: passwords keep their spaces.
func (f *Form) Raw(name string) string { return f.values.Get(name) }

// Int returns the field as an integer. Empty is 0; a non-number records
// ReasonFormat.
func (f *Form) Int(name string) int {
	v := strings.ReplaceAll(shop.Normalize(f.values.Get(name)), ",", "")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.problems.Add(name, shop.ReasonFormat)
		return 0
	}
	return n
}

// MaxPage is the highest page number a list is asked for: far past the
// last page of any list, and low enough that page × page size never
// overflows.
const MaxPage = 100000

// Page returns the field as a 1-based page number: 1 when it is absent,
// malformed or below 1, MaxPage when above it. A page number comes from a
// link, and a bad one is no reason to refuse the list.
func (f *Form) Page(name string) int {
	n, err := strconv.Atoi(strings.ReplaceAll(shop.Normalize(f.values.Get(name)), ",", ""))
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(f.values.Get(name)), "-"):
		return MaxPage
	case err != nil || n < 1:
		return 1
	}
	return min(n, MaxPage)
}

// Yen returns the field as an amount of yen.
func (f *Form) Yen(name string) shop.Yen { return shop.Yen(f.Int(name)) }

// Int64 returns the field as an id.
func (f *Form) Int64(name string) int64 {
	v := shop.Normalize(f.values.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f.problems.Add(name, shop.ReasonFormat)
		return 0
	}
	return n
}

// Bool reports whether a checkbox is ticked.
func (f *Form) Bool(name string) bool {
	switch f.values.Get(name) {
	case "on", "1", "true", "yes":
		return true
	}
	return false
}

// Date returns a YYYY-MM-DD field (an <input type="date">) as the start of
// that day in loc, in UTC; empty is the zero time, anything else records
// ReasonFormat.
func (f *Form) Date(name string, loc *time.Location) time.Time {
	v := shop.Normalize(f.values.Get(name))
	if v == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		f.problems.Add(name, shop.ReasonFormat)
		return time.Time{}
	}
	return t.UTC()
}

// Strings returns every value of a repeated field (checkboxes).
func (f *Form) Strings(name string) []string { return f.values[name] }

// Lines returns a textarea's non-empty lines, trimmed.
func (f *Form) Lines(name string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(f.values.Get(name), "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Problems returns the reasons recorded so far, for merging with the
// domain's own validation.
func (f *Form) Problems() shop.Problems { return f.problems }

// Err is the shop.Invalid error naming every field that could not be
// read, or nil.
func (f *Form) Err() error { return f.problems.Err() }
