package edge

import (
	"regexp"
	"testing"
)

// TestRequestIDNeverDecimal: a request id is 16 hexadecimal digits with at
// least one letter, so that no log line carries a 16-digit decimal number
// that a card-data scanner would take for a card.
func TestRequestIDNeverDecimal(t *testing.T) {
	hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	decimal := regexp.MustCompile(`^[0-9]+$`)
	// Plain random hex is all decimal once in some 1,800 ids.
	for range 200000 {
		id := requestID()
		if !hex16.MatchString(id) {
			t.Fatalf("request id %q: want 16 hexadecimal digits", id)
		}
		if decimal.MatchString(id) {
			t.Fatalf("request id %q is all decimal", id)
		}
	}
}
