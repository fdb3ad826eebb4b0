package member_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

// The resend button pressed in a loop (issue 8, item 4) sends three
// verification mails an hour per account, and one address cannot go
// round many accounts for more than ten.
func TestResendVerificationIsCapped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clock := newService(t, d)
		ctx := context.Background()
		m := register(t, s, "taro@example.jp") // its first mail came with registration
		sent, refused := 0, 0
		var last error
		for range 20 {
			err := s.ResendVerification(ctx, m.ID, "198.51.100.20")
			switch shop.ErrorCode(err) {
			case shop.TooMany:
				refused++
				last = err
			default:
				if err != nil {
					t.Fatal(err)
				}
				sent++
			}
		}
		got := len(mails(t, d, "taro@example.jp", "verify_email"))
		t.Logf("20 resends: %d sent, %d refused, %d verification mails in all", sent, refused, got)
		if sent != 3 || got != 4 {
			t.Fatalf("sent %d (mails %d), want 3 resends and 4 mails", sent, got)
		}
		if wait := shop.ErrorRetryAfter(last); wait <= 0 || wait > time.Hour {
			t.Fatalf("retry after %s", wait)
		}
		clock.Advance(time.Hour)
		if err := s.ResendVerification(ctx, m.ID, "198.51.100.20"); err != nil {
			t.Fatalf("an hour later: %v", err)
		}

		// Ten accounts from one address: the address's limit of ten an
		// hour holds across them.
		ok := 0
		for i := range 10 {
			other := register(t, s, fmt.Sprintf("n%d@example.jp", i))
			for range 3 {
				if s.ResendVerification(ctx, other.ID, "198.51.100.21") == nil {
					ok++
				}
			}
		}
		if ok != 10 {
			t.Fatalf("resends from one address over ten accounts: %d, want 10", ok)
		}
	})
}
