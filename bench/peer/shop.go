package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// authHeader is where Vendure returns a session token when its
// authOptions.tokenMethod includes "bearer" (the @vendure/create default
// is ["bearer", "cookie"]); the client sends it back as a bearer token.
const authHeader = "vendure-auth-token"

// session is one shopper on Vendure's Shop API: the session token Vendure
// gave it (its active order belongs to that session) and the cookies, for
// a server configured with cookie sessions only.
type session struct {
	url    string
	client *http.Client
	token  string
	cookie []*http.Cookie
}

// gqlError is one entry of a GraphQL response's "errors".
type gqlError struct {
	Message string `json:"message"`
}

// errorResult is the fields every Vendure ErrorResult has; a mutation
// that fails as the API intends returns one instead of its Order.
type errorResult struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

func (e errorResult) err(op string) error {
	if e.ErrorCode == "" {
		return nil
	}
	return resultError{op: op, code: e.ErrorCode, message: e.Message}
}

// resultError is an ErrorResult as an error, so that a run can count
// failures by their code.
type resultError struct{ op, code, message string }

func (e resultError) Error() string { return fmt.Sprintf("%s: %s: %s", e.op, e.code, e.message) }

// do posts one GraphQL operation and decodes its "data" into out. A
// transport error, a status other than 200 or any GraphQL error is an
// error.
func (s *session) do(ctx context.Context, op, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"operationName": op, "query": query, "variables": vars})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for _, c := range s.cookie {
		req.AddCookie(c)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	if t := resp.Header.Get(authHeader); t != "" {
		s.token = t
	}
	if cs := resp.Cookies(); len(cs) > 0 {
		s.cookie = mergeCookies(s.cookie, cs)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d: %.200s", op, resp.StatusCode, raw)
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if len(r.Errors) > 0 {
		msgs := make([]string, len(r.Errors))
		for i, e := range r.Errors {
			msgs[i] = e.Message
		}
		return fmt.Errorf("%s: %s", op, strings.Join(msgs, "; "))
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func mergeCookies(have, got []*http.Cookie) []*http.Cookie {
	out := got
	for _, h := range have {
		replaced := false
		for _, g := range got {
			if g.Name == h.Name {
				replaced = true
			}
		}
		if !replaced {
			out = append(out, h)
		}
	}
	return out
}
