package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"kaede/internal/edge"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// maxJSONBody bounds an API request body.
const maxJSONBody = 1 << 20

// logIfInternal logs the detail of an error the customer will only see as
// "internal error", under the request id they are shown, and of a
// database that cannot answer (the customer is asked to retry; the
// operator must hear why: down, restarting, disk full).
func (s *Server) logIfInternal(r *http.Request, err error) {
	switch {
	case edge.DatabaseDown(err):
		s.log.Error("database unavailable", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "error", err)
	case edge.Status(err) == http.StatusInternalServerError:
		s.log.Error("internal error", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "error", err)
	}
}

// respondError answers with the error page, or the JSON error under the
// API: for middleware, which serves both.
func (s *Server) respondError(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.writeJSONError(w, r, err)
		return
	}
	s.renderError(w, r, err)
}

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v) // the status is out; a failed write is the client gone
}

// jsonError is the API's error body:
//
//	{"error":{"code":"invalid","message":"…","fields":{"shipping_address.postal_code":"…"}}}
type jsonError struct {
	Error jsonErrorBody `json:"error"`
}

type jsonErrorBody struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"` // internal errors only
}

// writeJSONError answers an API request with err: the status from
// HTTPStatus, the message and field sentences in the request's language
// (Accept-Language; Japanese by default). Internal errors are logged and
// answered with "internal error" only.
func (s *Server) writeJSONError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	err = edge.Refine(err)
	edge.SetRetryAfter(w, err)
	l := ui.AcceptLanguage(r.Header.Get("Accept-Language"))
	status := edge.Status(err)
	body := jsonErrorBody{
		Code:    string(shop.ErrorCode(err)),
		Message: ui.T(l, messageKey(err)),
		Fields:  ui.FieldMessages(l, err),
	}
	if status == http.StatusInternalServerError {
		body.Code = string(shop.Internal)
		body.Message = "internal error"
		body.RequestID = requestID(r)
	}
	writeJSON(w, status, jsonError{Error: body})
}

// decodeJSON reads the request body into dst: one JSON object of at most
// 1 MiB, no unknown fields, Content-Type application/json. Every failure is
// a shop.Invalid naming the field ("body" when the body as a whole is
// wrong), so malformed input is a 422 and never a 500.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return badBody(shop.ReasonFormat, "content type must be application/json")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return badBody(shop.ReasonFormat, "body must be a single JSON object")
	}
	return nil
}

// jsonProblem turns a decoding error into the field it concerns.
func jsonProblem(err error) error {
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return badBody(shop.ReasonRequired, "empty body")
	case errors.As(err, &tooBig):
		return badBody(shop.ReasonLength, "body too large")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return &shop.Error{Code: shop.Invalid, Message: "wrong type for " + typeErr.Field,
			Fields: map[string]string{typeErr.Field: shop.ReasonFormat}}
	}
	// Syntax errors, unknown fields, a body that is not an object.
	return badBody(shop.ReasonFormat, "malformed JSON body")
}

func badBody(reason, msg string) error {
	return &shop.Error{Code: shop.Invalid, Message: msg, Fields: map[string]string{"body": reason}}
}

// apiNotFound answers an API path that no route matches.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeJSONError(w, r, shop.Errorf(shop.NotFound, "no such API endpoint"))
}

// notFound is the page for a URL that no route matches.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, shop.Errorf(shop.NotFound, "no such page"))
}

// logTooMany notes a request refused by a limit (an order, a cart, a
// resend), with the client's address, so that the operator sees an attack
// being stopped; the client is told only to wait.
func (s *Server) logTooMany(r *http.Request, what string, err error) {
	if shop.ErrorCode(err) != shop.TooMany {
		return
	}
	s.log.Warn("refused: too many", "what", what, "request_id", requestID(r), "ip", info(r).IP,
		"retry_after", shop.ErrorRetryAfter(err))
}
