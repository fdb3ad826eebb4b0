package audit_test

import (
	"testing"

	"kaede/internal/audit"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, ``},
		{`{}`, `{}`},
		{`{"password":"x","email":"a@example.jp"}`, `{"email":"a@example.jp","password":"[redacted]"}`},
		{`{"new_password":"x","password_hash":"$argon2id$"}`, `{"new_password":"[redacted]","password_hash":"[redacted]"}`},
		{`{"TOTP-Secret":"x","recovery_codes":["a","b"],"token":"t"}`, `{"TOTP-Secret":"[redacted]","recovery_codes":"[redacted]","token":"[redacted]"}`},
		{`{"list":[{"api_key":"k","id":12345678901234567890}]}`, `{"list":[{"api_key":"[redacted]","id":12345678901234567890}]}`},
		{`{"note":"<b>&</b>"}`, `{"note":"<b>&</b>"}`},
		{`[1,2]`, `[1,2]`},
	}
	for _, tt := range tests {
		got, err := audit.Redact(tt.in)
		if err != nil {
			t.Fatalf("Redact(%s): %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("Redact(%s)=%s, want %s", tt.in, got, tt.want)
		}
	}
	if _, err := audit.Redact(`{"a":1} {"b":2}`); err == nil {
		t.Error("Redact accepted two values")
	}
}
