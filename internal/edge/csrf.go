package edge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"mime"
	"net/http"

	"kaede/internal/shop"
)

// The form field, and for scripts the header, that carry the CSRF token.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// CSRF makes and checks synchronizer tokens: an HMAC of a value the
// browser holds in an HttpOnly cookie (the store's session id, the admin's
// CSRF cookie), so the server keeps no token state and a token is worth
// nothing for another browser or after the value rotates at login.
type CSRF struct{ key []byte }

// NewCSRF derives the edge's own key from the configured secret and a
// label, so that a store token is never an admin one.
func NewCSRF(secret []byte, label string) *CSRF {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(label))
	return &CSRF{key: mac.Sum(nil)}
}

// Token is the form token for the browser's value.
func (c *CSRF) Token(value string) string {
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Valid reports whether got is the token for value; no value, no token.
func (c *CSRF) Valid(value, got string) bool {
	return value != "" && hmac.Equal([]byte(got), []byte(c.Token(value)))
}

// Input is the hidden field every form includes as {{.CSRF}}.
func (c *CSRF) Input(value string) template.HTML {
	// The token is base64url: nothing in it needs escaping.
	return template.HTML(`<input type="hidden" name="` + CSRFField + `" value="` + c.Token(value) + `">`)
}

// CheckCSRF is how an edge checks its forms.
type CheckCSRF struct {
	CSRF   *CSRF
	Limits FormLimits
	Log    *slog.Logger
	// Exempt lists requests that carry no ambient credential (the store's
	// JSON API, webhooks, CSP reports).
	Exempt func(*http.Request) bool
	// Value is the browser's value the token is made from; "" refuses.
	Value func(*http.Request) string
	// Refuse answers a refused request (the edge's error page).
	Refuse func(http.ResponseWriter, *http.Request, error)
}

// Middleware requires a valid token on every state-changing request, on
// top of http.CrossOriginProtection: the token also holds where
// Sec-Fetch-Site and Origin are missing (old browsers, some proxies). It
// parses the form within the size limits first, so that handlers find
// r.PostForm ready.
func (c CheckCSRF) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !UnsafeMethod(r.Method) || (c.Exempt != nil && c.Exempt(r)) {
			next.ServeHTTP(w, r)
			return
		}
		if err := ParseForm(w, r, c.Limits); err != nil {
			c.Refuse(w, r, err)
			return
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		got := r.PostFormValue(CSRFField)
		if got == "" {
			got = r.Header.Get(CSRFHeader)
		}
		if !c.CSRF.Valid(c.Value(r), got) {
			in := InfoOf(r)
			c.Log.Warn("csrf token refused", "request_id", in.ID, "path", r.URL.Path, "ip", in.IP)
			c.Refuse(w, r, ErrCSRF)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// UnsafeMethod reports whether a request may change something.
func UnsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions && m != http.MethodTrace
}

// FormLimits bound what a form body may cost before its token is checked.
type FormLimits struct {
	Body      int64 // a urlencoded body
	Multipart int64 // a multipart body (files)
	Memory    int64 // of a multipart body, kept in memory; the rest goes to temporary files
	// Multipart, when set, names the requests that may send a multipart
	// body; others are read as urlencoded (and a multipart body gives them
	// no fields), so that nobody can make every path read megabytes.
	MultipartOK func(*http.Request) bool
}

// ParseForm reads a urlencoded or multipart body into r.PostForm within
// the limits. A broken or oversized body is the sender's mistake (422,
// field "body"), never a 500. A body already read is left alone.
func ParseForm(w http.ResponseWriter, r *http.Request, l FormLimits) error {
	if r.PostForm != nil {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mt == "multipart/form-data" && (l.MultipartOK == nil || l.MultipartOK(r)) {
		r.Body = http.MaxBytesReader(w, r.Body, l.Multipart)
		err = r.ParseMultipartForm(l.Memory)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, l.Body)
		err = r.ParseForm()
	}
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &shop.Error{Code: shop.Invalid, Message: "form too large", Fields: map[string]string{"body": shop.ReasonLength}}
	}
	return &shop.Error{Code: shop.Invalid, Message: "malformed form", Fields: map[string]string{"body": shop.ReasonFormat}}
}
