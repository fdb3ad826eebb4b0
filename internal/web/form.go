package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kaede/internal/shop"
)

// Form reads a submitted form field by field. A value that cannot be read
// (a quantity of "abc") records a shop field reason instead of failing, so
// that the handler reports every bad field at once:
//
//	f := s.form(w, r)
//	in := cart.AddInput{SKU: f.String("sku"), Quantity: f.Int("quantity")}
//	if err := f.Err(); err != nil { s.renderForm(w, r, "product", view, err); return }
//
// Range and business rules belong to the domain's validation, not here.
type Form struct {
	values   url.Values
	problems shop.Problems
}

// form returns the request's form: the query for GET, the parsed body
// (urlencoded or multipart, already read by checkCSRF) otherwise.
func (s *Server) form(w http.ResponseWriter, r *http.Request) *Form {
	f := &Form{problems: shop.Problems{}}
	if !unsafeMethod(r.Method) {
		f.values = r.URL.Query()
		return f
	}
	if err := parseForm(w, r); err != nil {
		f.values = url.Values{}
		f.problems.Add("body", shop.ErrorFields(err)["body"])
		return f
	}
	f.values = r.PostForm
	return f
}

// String returns the field with surrounding spaces removed.
func (f *Form) String(name string) string {
	return strings.TrimSpace(f.values.Get(name))
}

// Int returns the field as an integer; full-width digits (１２) are
// accepted. An empty field is 0; a non-number records ReasonFormat.
func (f *Form) Int(name string) int {
	v := shop.Normalize(f.values.Get(name))
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

// Int64 is Int for ids.
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

// Date returns a YYYY-MM-DD field (an <input type="date">) as midnight UTC
// of that day; empty is the zero time, anything else records ReasonFormat.
func (f *Form) Date(name string) time.Time {
	v := shop.Normalize(f.values.Get(name))
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		f.problems.Add(name, shop.ReasonFormat)
		return time.Time{}
	}
	return t
}

// Strings returns every value of a repeated field (checkboxes).
func (f *Form) Strings(name string) []string { return f.values[name] }

// Problems returns the reasons recorded so far, for merging with the
// domain's own validation.
func (f *Form) Problems() shop.Problems { return f.problems }

// Err is the shop.Invalid error naming every field that could not be read,
// or nil.
func (f *Form) Err() error { return f.problems.Err() }
