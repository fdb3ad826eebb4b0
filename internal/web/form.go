package web

import (
	"net/http"

	"kaede/internal/edge"
	"kaede/internal/form"
	"kaede/internal/shop"
)

// form returns the request's form: the query for GET, the parsed body
// (urlencoded or multipart, already read by checkCSRF) otherwise. A body
// that cannot be read is reported as field "body".
func (s *Server) form(w http.ResponseWriter, r *http.Request) *form.Form {
	if !edge.UnsafeMethod(r.Method) {
		return form.New(r.URL.Query())
	}
	if err := edge.ParseForm(w, r, formLimits); err != nil {
		f := form.New(nil)
		f.Fail("body", shop.ErrorFields(err)["body"])
		return f
	}
	return form.New(r.PostForm)
}
