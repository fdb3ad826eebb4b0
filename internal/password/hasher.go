package password

import (
	"context"
	"fmt"
	"sync"
)

// Hasher hashes and checks one service's passwords at its current cost,
// running at most a few Argon2 hashes at a time: each takes Params.Memory
// (64 MiB by default), and a flood of logins must not take all the
// server's memory. It is safe for concurrent use.
type Hasher struct {
	slots chan struct{}

	mu     sync.Mutex
	params Params
	dummy  string // a hash at params that nothing matches, for Waste
}

// NewHasher returns a Hasher at the Default cost that runs at most slots
// hashes at once.
func NewHasher(slots int) *Hasher {
	return &Hasher{slots: make(chan struct{}, slots), params: Default}
}

// SetParams changes the cost of new hashes. It is for tests, which cannot
// spend 64 MiB and a fraction of a second on every hash; production keeps
// Default. Existing hashes still verify, since each carries its own
// parameters.
func (h *Hasher) SetParams(p Params) error {
	if err := p.validate(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.params, h.dummy = p, ""
	return nil
}

func (h *Hasher) current() Params {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.params
}

// Hash returns a new hash of password at the current cost, as a PHC string.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return Hash(password, h.current())
}

// Check reports whether password matches the PHC string encoded. The
// error is for a hash that cannot be read, or a context that ended while
// waiting for a slot.
func (h *Hasher) Check(ctx context.Context, encoded, password string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	return Check(encoded, password)
}

// Waste spends the time of a Check on a hash that matches nothing, so that
// a login for an unknown or unusable account takes as long as one for a
// real account, and the response time does not tell them apart.
func (h *Hasher) Waste(ctx context.Context, password string) error {
	h.mu.Lock()
	if h.dummy == "" {
		d, err := Hash("no such account", h.params)
		if err != nil {
			h.mu.Unlock()
			return err
		}
		h.dummy = d
	}
	dummy := h.dummy
	h.mu.Unlock()
	_, err := h.Check(ctx, dummy, password)
	return err
}

// NeedsRehash reports whether encoded was made at another cost than the
// current one, so that a successful login can store a hash at today's.
func (h *Hasher) NeedsRehash(encoded string) bool {
	return needsRehash(encoded, h.current())
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait to hash a password: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.slots }
