package checkout

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// An Idempotency-Key makes a retried or double-submitted checkout return
// the order the first one placed. The replay must also return the order's
// access token: a double click shows the customer the second response, and
// a guest without the token cannot see the order. Yet the database keeps
// only a hash of the token. So the key row keeps the token sealed with
// AES-GCM under a hash of the client's key, and the key itself only as
// another hash: whoever presents the key again gets the token back, a copy
// of the database does not (unless the client chose a guessable key; the
// store's forms use 128 random bits, and the token only shows an order that
// such a copy already holds).

// keyHash is what the database keeps of the client's key.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte("kaede idempotency key\x00" + key))
	return hex.EncodeToString(sum[:])
}

// sealKey is the AES-256 key that seals the token; it cannot be derived
// from keyHash.
func sealKey(key string) []byte {
	sum := sha256.Sum256([]byte("kaede order token seal\x00" + key))
	return sum[:]
}

// requestHash identifies the request behind a key: the normalised input
// without the key. The cart's content is left out on purpose: after the
// first attempt the cart is empty, yet a retry is the same request.
func requestHash(in Input) (string, error) {
	in.IdempotencyKey = ""
	b, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("hash request: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// replay returns the order placed earlier with the input's key, if any.
func (s *Service) replay(ctx context.Context, tx *sql.Tx, in Input) (*order.Order, string, bool, error) {
	var wantHash, number, sealed string
	err := tx.QueryRowContext(ctx, `SELECT k.request_hash, o.number, k.token_sealed
		FROM idempotency_keys k JOIN orders o ON o.id = k.order_id
		WHERE k.key_hash = $1`, keyHash(in.IdempotencyKey)).Scan(&wantHash, &number, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("read idempotency key: %w", err)
	}
	got, err := requestHash(in)
	if err != nil {
		return nil, "", false, err
	}
	if got != wantHash {
		return nil, "", false, shop.Errorf(shop.Conflict, "this Idempotency-Key was used for a different request")
	}
	token, err := open(in.IdempotencyKey, sealed)
	if err != nil {
		return nil, "", false, err
	}
	o, err := order.Load(ctx, tx, number)
	if err != nil {
		return nil, "", false, err
	}
	return o, token, true, nil
}

// recordKey draws the order's access token and inserts the key's row with
// the token sealed; keyOrder sets its order once the order exists.
func recordKey(ctx context.Context, tx *sql.Tx, in Input, now time.Time) (token string, err error) {
	reqHash, err := requestHash(in)
	if err != nil {
		return "", err
	}
	token, _, err = order.NewAccessToken()
	if err != nil {
		return "", err
	}
	sealed, err := seal(in.IdempotencyKey, token)
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (key_hash, request_hash, token_sealed, created_at)
		VALUES ($1, $2, $3, $4)`, keyHash(in.IdempotencyKey), reqHash, sealed, now)
	if err != nil {
		return "", fmt.Errorf("record idempotency key: %w", err)
	}
	return token, nil
}

func keyOrder(ctx context.Context, tx *sql.Tx, key string, orderID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET order_id = $1 WHERE key_hash = $2`, orderID, keyHash(key))
	if err != nil {
		return fmt.Errorf("link idempotency key: %w", err)
	}
	return nil
}

func seal(key, token string) (string, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(token), nil)), nil
}

func open(key, sealed string) (string, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < gcm.NonceSize() {
		return "", fmt.Errorf("open token: malformed")
	}
	token, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("open token: %w", err)
	}
	return string(token), nil
}

func newGCM(key string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(sealKey(key))
	if err != nil {
		return nil, fmt.Errorf("token cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("token cipher: %w", err)
	}
	return gcm, nil
}

// Prune deletes idempotency keys older than the shop's retention period
// for them (settings.Retention.IdempotencyKeyDays), and returns how many it
// deleted: a client retries a checkout within minutes, and a key past the
// period only keeps a sealed access token. A periodic job calls it.
func (s *Service) Prune(ctx context.Context, now time.Time) (int64, error) {
	set, err := settings.Load(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	cutoff := now.UTC().AddDate(0, 0, -set.Retention.IdempotencyKeyDays)
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return n, nil
}
