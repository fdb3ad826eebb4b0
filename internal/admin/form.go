package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kaede/internal/shop"
)

// Form reads a submitted form field by field, the pattern of the store's
// web.Form. A value that cannot be read records a field reason instead of
// failing, so that every bad field is reported at once:
//
//	f := newForm(r)
//	in := thing{Name: f.String("name"), Fee: f.Yen("fee")}
//	if err := f.Err(); err != nil { s.renderForm(w, r, "thing", view, err); return }
//
// Range and business rules belong to the domain's validation.
type Form struct {
	values   url.Values
	problems shop.Problems
}

// newForm returns the request's form: the query for GET, the body
// (already parsed by checkCSRF) for POST.
func newForm(r *http.Request) *Form {
	f := &Form{problems: shop.Problems{}, values: r.PostForm}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		f.values = r.URL.Query()
	}
	if f.values == nil {
		f.values = url.Values{}
	}
	return f
}

// String returns the field with surrounding spaces removed.
func (f *Form) String(name string) string { return strings.TrimSpace(f.values.Get(name)) }

// Raw returns the field as typed: passwords keep their spaces.
func (f *Form) Raw(name string) string { return f.values.Get(name) }

// Int returns the field as an integer; full-width digits and thousands
// separators (１,２００) are accepted. Empty is 0.
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

// Day returns a YYYY-MM-DD field as the start of that day in Japan (staff
// think in the shop's days), as UTC; empty is the zero time.
func (f *Form) Day(name string) time.Time {
	v := shop.Normalize(f.values.Get(name))
	if v == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, v, jst)
	if err != nil {
		f.problems.Add(name, shop.ReasonFormat)
		return time.Time{}
	}
	return t.UTC()
}

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
