package gateway

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/payment"
)

// WebhookTolerance is how far a webhook's signed time may be from now, in
// either direction, before it is refused as a replay (or a wrong clock).
const WebhookTolerance = 5 * time.Minute

// The ways a webhook is refused, so that the store can log which one.
var (
	ErrSignatureMissing   = errors.New("gateway webhook: signature header missing")
	ErrSignatureMalformed = errors.New("gateway webhook: signature header malformed")
	ErrSignatureMismatch  = errors.New("gateway webhook: signature does not match")
	ErrTimestampTooOld    = errors.New("gateway webhook: timestamp too old")
	ErrTimestampInFuture  = errors.New("gateway webhook: timestamp in the future")
	ErrPayloadInvalid     = errors.New("gateway webhook: payload invalid")
)

// signatureHeader is a parsed signature header: the time it was signed
// and every v1 signature it holds (more than one while a secret rotates).
type signatureHeader struct {
	Timestamp  int64
	Signatures [][]byte
}

// parseSignature reads "t=<unix>,v1=<hex>[,v1=<hex>…]". Unknown schemes
// are skipped, so that a later scheme can be added beside v1.
func parseSignature(h string) (signatureHeader, error) {
	var sh signatureHeader
	if strings.TrimSpace(h) == "" {
		return sh, ErrSignatureMissing
	}
	if len(h) > 4096 {
		return sh, ErrSignatureMalformed
	}
	seenT := false
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return sh, ErrSignatureMalformed
		}
		switch k {
		case "t":
			t, err := strconv.ParseInt(v, 10, 64)
			if err != nil || seenT || t <= 0 {
				return sh, ErrSignatureMalformed
			}
			sh.Timestamp, seenT = t, true
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != 32 {
				return sh, ErrSignatureMalformed
			}
			sh.Signatures = append(sh.Signatures, sig)
		}
	}
	if !seenT || len(sh.Signatures) == 0 {
		return sh, ErrSignatureMalformed
	}
	return sh, nil
}

// VerifyWebhook implements payment.Provider: the header must parse, one
// v1 signature must match (compared in constant time), and the signed time
// must be within WebhookTolerance of now. Only then is the body decoded.
func (c *Client) VerifyWebhook(payload []byte, sigHeader string, now time.Time) (payment.Event, error) {
	sh, err := parseSignature(sigHeader)
	if err != nil {
		return payment.Event{}, err
	}
	want := signature(c.webhookSecret, strconv.FormatInt(sh.Timestamp, 10), payload)
	match := false
	for _, sig := range sh.Signatures {
		if hmac.Equal(sig, want) {
			match = true
		}
	}
	if !match {
		return payment.Event{}, ErrSignatureMismatch
	}
	signed := time.Unix(sh.Timestamp, 0)
	switch {
	case now.Sub(signed) > WebhookTolerance:
		return payment.Event{}, ErrTimestampTooOld
	case signed.Sub(now) > WebhookTolerance:
		return payment.Event{}, ErrTimestampInFuture
	}
	return decodeEvent(payload)
}

// decodeEvent reads a verified webhook body.
func decodeEvent(payload []byte) (payment.Event, error) {
	var ev WebhookEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return payment.Event{}, fmt.Errorf("%w: %v", ErrPayloadInvalid, err)
	}
	if ev.ID == "" || ev.Type != EventPaymentUpdated || ev.Created <= 0 {
		return payment.Event{}, fmt.Errorf("%w: event id %q type %q", ErrPayloadInvalid, ev.ID, ev.Type)
	}
	st, err := toStatus(ev.Payment)
	if err != nil {
		return payment.Event{}, fmt.Errorf("%w: %v", ErrPayloadInvalid, err)
	}
	return payment.Event{ID: ev.ID, Ref: st.Ref, Status: st, Created: time.Unix(ev.Created, 0).UTC()}, nil
}
