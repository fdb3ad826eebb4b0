package staff

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP as every authenticator app does it (RFC 6238 defaults): SHA-1,
// six digits, 30-second steps. A code is accepted one step early or late,
// for clocks that drift and people who type slowly.
const (
	totpPeriod = 30
	totpSkew   = 1
	totpDigits = otp.DigitsSix
)

// newTOTPKey generates a fresh 160-bit secret for the account.
func newTOTPKey(issuer, account string) (*otp.Key, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      totpPeriod,
		Digits:      totpDigits,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("generate TOTP secret: %w", err)
	}
	return key, nil
}

// qrPNG draws the otpauth URL as a QR code for the authenticator's camera.
func qrPNG(key *otp.Key) ([]byte, error) {
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, fmt.Errorf("draw TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode TOTP QR code: %w", err)
	}
	return buf.Bytes(), nil
}

// matchTOTP returns the time step whose code is code, trying the current
// step first and then one on either side; ok is false when none matches.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for _, st := range []int64{current, current - totpSkew, current + totpSkew} {
		want, err := hotp.GenerateCodeCustom(secret, uint64(st), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// sealSecret encrypts a TOTP secret for the staff row. The row's id is the
// additional data, so that a sealed secret copied onto another row (by
// someone with write access to the database) does not open there.
func (s *Service) sealSecret(staffID int64, secret string) (string, error) {
	nonce := make([]byte, s.seal.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal TOTP secret: %w", err)
	}
	out := s.seal.Seal(nonce, nonce, []byte(secret), aad(staffID))
	return "v1:" + base64.RawURLEncoding.EncodeToString(out), nil
}

// openSecret decrypts what sealSecret wrote.
func (s *Service) openSecret(staffID int64, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", fmt.Errorf("open TOTP secret of staff %d: unknown format", staffID)
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) < s.seal.NonceSize() {
		return "", fmt.Errorf("open TOTP secret of staff %d: damaged", staffID)
	}
	n := s.seal.NonceSize()
	plain, err := s.seal.Open(nil, b[:n], b[n:], aad(staffID))
	if err != nil {
		return "", fmt.Errorf("open TOTP secret of staff %d (wrong key?): %w", staffID, err)
	}
	return string(plain), nil
}

func aad(staffID int64) []byte { return []byte("kaede staff totp " + strconv.FormatInt(staffID, 10)) }
