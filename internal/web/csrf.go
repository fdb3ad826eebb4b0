package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"mime"
	"net/http"

	"kaede/internal/shop"
)

// Form bodies are small; a multipart form may carry an image (a licence
// scan), which goes to a temporary file beyond maxFormMemory.
const (
	maxFormBody      = 1 << 20
	maxMultipartBody = 10 << 20
	maxFormMemory    = 1 << 20
	csrfField        = "csrf_token"
	csrfHeader       = "X-CSRF-Token"
)

// errCSRF is the refusal of a form without a valid token or posted from
// another site; the page explains that the form expired.
var errCSRF = &shop.Error{Code: shop.Forbidden, Message: "form token missing or invalid"}

// errLoginRequired refuses a member-only action to a guest.
var errLoginRequired = shop.Errorf(shop.Unauthorized, "log in first")

// csrfToken is the synchronizer token of a session: an HMAC of its id, so
// the server keeps no token state, and a token is worth nothing for any
// other session or after the id rotates at login.
func (s *Server) csrfToken(sessionID string) string {
	mac := hmac.New(sha256.New, s.cfg.Secret)
	mac.Write([]byte("kaede csrf\x00"))
	mac.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfInput is the hidden field every form template includes as
// {{.CSRF}}. It gives the visitor a session id if they have none.
func (s *Server) csrfInput(w http.ResponseWriter, r *http.Request) template.HTML {
	token := s.csrfToken(s.ensureSessionID(w, r))
	// The token is base64url: nothing in it needs escaping.
	return template.HTML(`<input type="hidden" name="` + csrfField + `" value="` + token + `">`)
}

// unsafeMethod reports whether a request may change something.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions && m != http.MethodTrace
}

// checkCSRF requires a valid csrf_token on every state-changing request of
// the HTML surface, on top of http.CrossOriginProtection: the token also
// holds where Sec-Fetch-Site and Origin are missing (old browsers, some
// proxies). It parses the form (with a size limit) so that handlers find
// r.PostForm ready.
//
// Exempt: the JSON API, which uses no cookies — a request there is
// authenticated by a cart id or bearer token in the request itself, which
// another site cannot make a browser send, so there is no ambient
// credential to forge with; /csp-report, which only logs; and provider
// webhooks, which carry no cookie and are verified by their signature.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !unsafeMethod(r.Method) || isAPI(r) || r.URL.Path == "/csp-report" || isWebhook(r) {
			next.ServeHTTP(w, r)
			return
		}
		if err := parseForm(w, r); err != nil {
			s.respondError(w, r, err)
			return
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		got := r.PostFormValue(csrfField)
		if got == "" {
			got = r.Header.Get(csrfHeader)
		}
		st := info(r).session
		if st.id == "" || !hmac.Equal([]byte(got), []byte(s.csrfToken(st.id))) {
			s.log.Warn("csrf token refused", "request_id", requestID(r), "path", r.URL.Path)
			s.respondError(w, r, errCSRF)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseForm reads a urlencoded or multipart body into r.PostForm within the
// size limits. A broken or oversized body is the customer's mistake (422),
// never a 500. Other content types leave r.PostForm empty.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if r.PostForm != nil {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mt {
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, maxMultipartBody)
		err = r.ParseMultipartForm(maxFormMemory)
	default:
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
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
