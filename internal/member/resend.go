package member

import (
	"context"
	"database/sql"
	"strconv"

	"kaede/internal/settings"
	"kaede/internal/throttle"
)

// ResendVerification mails the member a new verification link on their
// request (the resend button), like SendVerification, within the shop's
// limits per account and per client address (settings.Limits): past
// either it is a shop.TooMany with RetryAfter and nothing is sent, so the
// button cannot be used to flood an inbox. addr is the client's address as
// the edge computed it; "" applies only the account's limit.
func (s *Service) ResendVerification(ctx context.Context, memberID int64, addr string) error {
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return err
	}
	l := throttle.New(s.db)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := getMember(ctx, tx, `id = $1`, memberID)
		if err != nil {
			return err
		}
		if m.Verified() {
			return nil
		}
		if err := l.Take(ctx, tx, s.clock(), "too many verification e-mails; please wait a while",
			linkLimits(st, "resend", m.ID, addr)...); err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, m)
	})
}

// linkLimits are the throttle rules of a request that mails a link: the
// shop's resend limits per account and, when addr is known, per client
// address, in buckets named bucket+"_account" and bucket+"_address".
func linkLimits(st settings.Settings, bucket string, memberID int64, addr string) []throttle.Rule {
	rules := []throttle.Rule{{Bucket: bucket + "_account", Subject: throttle.Subject(strconv.FormatInt(memberID, 10)),
		Windows: st.Limits.ResendsPerAccount}}
	if addr != "" {
		rules = append(rules, throttle.Rule{Bucket: bucket + "_address", Subject: throttle.Address(addr),
			Windows: st.Limits.ResendsPerAddress})
	}
	return rules
}
