package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/web"
)

type apiError struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Fields    map[string]string `json:"fields"`
		RequestID string            `json:"request_id"`
	} `json:"error"`
}

func decodeAPIError(t *testing.T, body string) apiError {
	t.Helper()
	var got apiError
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return got
}

func TestJSONErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var fail error
		e.srv.MountForTest("public", "GET /api/test/fail", func(w http.ResponseWriter, r *http.Request) {
			e.srv.WriteJSONErrorForTest(w, r, fail)
		})
		b := e.browser()

		fail = &shop.Error{Code: shop.Invalid, Message: "bad", Fields: map[string]string{
			"shipping_address.postal_code": shop.ReasonRequired, "quantity": shop.ReasonRange}}
		res := b.get("/api/test/fail")
		got := decodeAPIError(t, res.body)
		if res.StatusCode != 422 || got.Error.Code != "invalid" {
			t.Fatalf("status=%d code=%q, want 422 invalid", res.StatusCode, got.Error.Code)
		}
		if m := got.Error.Fields["shipping_address.postal_code"]; m != "郵便番号を入力してください" {
			t.Errorf("ja field message=%q", m)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("Content-Type=%q", res.Header.Get("Content-Type"))
		}

		b.header.Set("Accept-Language", "en-GB,en;q=0.9")
		res = b.get("/api/test/fail")
		got = decodeAPIError(t, res.body)
		if m := got.Error.Fields["shipping_address.postal_code"]; m != "Please enter the postal code" {
			t.Errorf("en field message=%q", m)
		}
		if !strings.HasPrefix(got.Error.Message, "Some of what you entered") {
			t.Errorf("en message=%q", got.Error.Message)
		}

		fail = fmt.Errorf("load cart: %w", errors.New(`pq: relation "carts" does not exist`))
		res = b.get("/api/test/fail")
		got = decodeAPIError(t, res.body)
		if res.StatusCode != 500 || got.Error.Message != "internal error" || strings.Contains(res.body, "relation") {
			t.Fatalf("internal error leaked or wrong: %d %s", res.StatusCode, res.body)
		}
		if got.Error.RequestID == "" || !strings.Contains(e.log.String(), "request_id="+got.Error.RequestID) ||
			!strings.Contains(e.log.String(), "relation") {
			t.Errorf("internal error not logged with its request id %q", got.Error.RequestID)
		}

		res = b.get("/api/no/such/route")
		if got := decodeAPIError(t, res.body); res.StatusCode != 404 || got.Error.Code != "not_found" {
			t.Errorf("unknown API route: %d %s", res.StatusCode, res.body)
		}
	})
}

func TestDecodeJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.srv.MountForTest("public", "POST /api/test/echo", func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				SKU      string `json:"sku"`
				Quantity int    `json:"quantity"`
				Address  struct {
					PostalCode string `json:"postal_code"`
				} `json:"shipping_address"`
			}
			if err := web.DecodeJSON(w, r, &in); err != nil {
				e.srv.WriteJSONErrorForTest(w, r, err)
				return
			}
			web.WriteJSON(w, http.StatusOK, in)
		})
		b := e.browser()
		tests := []struct {
			name, body, ctype string
			status            int
			field             string
		}{
			{"valid", `{"sku":"N-1","quantity":2}`, "application/json", 200, ""},
			{"syntax", `{"sku":`, "application/json", 422, "body"},
			{"garbage", `<xml/>`, "application/json", 422, "body"},
			{"empty", ``, "application/json", 422, "body"},
			{"unknown field", `{"sku":"N-1","price":1}`, "application/json", 422, "body"},
			{"two objects", `{"sku":"a"}{"sku":"b"}`, "application/json", 422, "body"},
			{"array", `[1,2]`, "application/json", 422, "body"},
			{"wrong type", `{"quantity":"two"}`, "application/json", 422, "quantity"},
			{"wrong nested type", `{"shipping_address":{"postal_code":1}}`, "application/json", 422, "shipping_address.postal_code"},
			{"too large", `{"sku":"` + strings.Repeat("a", 1<<20) + `"}`, "application/json", 422, "body"},
			{"form content type", `sku=a`, "application/x-www-form-urlencoded", 422, "body"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := b.do(newRequest(http.MethodPost, "/api/test/echo", strings.NewReader(tt.body), tt.ctype))
				if res.StatusCode != tt.status {
					t.Fatalf("status=%d, want %d: %.200s", res.StatusCode, tt.status, res.body)
				}
				if tt.field == "" {
					return
				}
				got := decodeAPIError(t, res.body)
				if _, ok := got.Error.Fields[tt.field]; !ok || len(got.Error.Fields) != 1 {
					t.Fatalf("fields=%v, want only %q", got.Error.Fields, tt.field)
				}
			})
		}
	})
}

func TestPanicRecovery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.srv.MountForTest("public", "GET /test/panic", func(http.ResponseWriter, *http.Request) { panic("secret detail") })
		e.srv.MountForTest("public", "GET /api/test/panic", func(http.ResponseWriter, *http.Request) { panic("secret detail") })
		b := e.browser()
		res := b.get("/test/panic")
		if res.StatusCode != 500 || !strings.Contains(res.body, "internal error") || strings.Contains(res.body, "secret detail") {
			t.Fatalf("page panic: %d %.300s", res.StatusCode, res.body)
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Error("500 page without CSP")
		}
		id := res.Header.Get("X-Request-Id")
		if !strings.Contains(res.body, id) {
			t.Errorf("500 page does not show request id %s", id)
		}
		logs := e.log.String()
		if !strings.Contains(logs, "secret detail") || !strings.Contains(logs, "request_id="+id) || !strings.Contains(logs, "status=500") {
			t.Errorf("panic not logged with request id and status:\n%s", logs)
		}
		res = b.get("/api/test/panic")
		if got := decodeAPIError(t, res.body); res.StatusCode != 500 || got.Error.Message != "internal error" {
			t.Fatalf("API panic: %d %s", res.StatusCode, res.body)
		}
	})
}

func TestRenderFormShowsFieldErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.srv.MountForTest("public", "GET /test/invalid", func(w http.ResponseWriter, r *http.Request) {
			err := &shop.Error{Code: shop.Invalid, Fields: map[string]string{"email": shop.ReasonTaken}}
			// The error page stands in for a form page here.
			e.srv.RenderFormForTest(w, r, "error", map[string]any{"Status": 422, "Message": "error.invalid", "ShowRequestID": false}, err)
		})
		res := e.browser().get("/test/invalid")
		if res.StatusCode != 422 || !strings.Contains(res.body, "このメールアドレスはすでに使用されています") {
			t.Fatalf("status=%d body %.500s", res.StatusCode, res.body)
		}
	})
}

func TestAccessLogOmitsQuery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.browser().get("/legal/terms?token=SECRET-TOKEN-123")
		logs := e.log.String()
		if strings.Contains(logs, "SECRET-TOKEN-123") {
			t.Fatalf("query string in the log:\n%s", logs)
		}
		if !strings.Contains(logs, "path=/legal/terms") {
			t.Fatalf("no access log line:\n%s", logs)
		}
	})
}
