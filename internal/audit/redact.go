package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Redacted replaces the value of a secret field.
const Redacted = "[redacted]"

// secretNames are field names, lower-cased without "_" and "-", whose
// values are never written to the log.
var secretNames = map[string]bool{
	"apikey": true, "cardnumber": true, "cvc": true, "cvv": true, "pan": true,
	"cookie": true, "sessionid": true, "otp": true, "totp": true,
	"recoverycode": true, "recoverycodes": true, "otpauthurl": true,
}

// secretParts are substrings that mark a field name as secret wherever they
// appear: "smtp_password", "totp_secret", "reset_token_hash".
var secretParts = []string{"password", "passwd", "secret", "token", "privatekey"}

// IsSecretField reports whether a field of that name is redacted.
func IsSecretField(name string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(name))
	if secretNames[n] {
		return true
	}
	for _, p := range secretParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// Redact returns the JSON text with the value of every secret field, at
// any depth, replaced by Redacted. Empty stays empty. Key order is kept as
// encoding/json writes maps: sorted, so that equal states read alike.
func Redact(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber() // keep large ids and amounts exact
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("redact: %w", err)
	}
	if dec.More() {
		return "", fmt.Errorf("redact: trailing data after the JSON value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(redactValue(v)); err != nil {
		return "", fmt.Errorf("redact: %w", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if IsSecretField(k) {
				x[k] = Redacted
			} else {
				x[k] = redactValue(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redactValue(x[i])
		}
	}
	return v
}
