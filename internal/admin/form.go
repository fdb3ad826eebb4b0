package admin

import (
	"net/http"
	"time"

	"kaede/internal/form"
	"kaede/internal/shop"
)

// newForm returns the request's form: the query for GET, the body (already
// parsed by checkCSRF) for POST.
func newForm(r *http.Request) *form.Form {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return form.New(r.URL.Query())
	}
	return form.New(r.PostForm)
}

// formDay reads a YYYY-MM-DD field as the start of that day in Japan: staff
// think in the shop's days.
func formDay(f *form.Form, name string) time.Time { return f.Date(name, shop.JST) }
