package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// record is a payment as the gateway keeps it. Of the card it holds the
// brand and the last four digits, and, only while a 3-D Secure challenge
// waits, how that challenge will go: nothing a thief could use.
type record struct {
	ID        string              `json:"id"`
	Order     string              `json:"order"`
	Amount    shop.Yen            `json:"amount"`
	Email     string              `json:"email"`
	Name      string              `json:"name"`
	Phone     string              `json:"phone"`
	ReturnURL string              `json:"return_url"`
	CancelURL string              `json:"cancel_url"`
	Capture   payment.CaptureMode `json:"capture"`
	State     payment.State       `json:"state"`
	Captured  shop.Yen            `json:"captured"`
	Refunded  shop.Yen            `json:"refunded"`
	Brand     string              `json:"brand"`
	Last4     string              `json:"last4"`
	Reason    string              `json:"reason"`
	ThreeDS   string              `json:"three_d_secure"`      // frictionless or challenge, once authenticated
	Challenge Challenge           `json:"challenge,omitempty"` // the waiting challenge's outcome
	// Method is card (""), konbini or paypay. A konbini payment has a
	// voucher: its number and when it expires.
	Method         string    `json:"method,omitempty"`
	VoucherNumber  string    `json:"voucher_number,omitempty"`
	VoucherExpires time.Time `json:"voucher_expires,omitzero"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
}

// idempotencyRecord is the first response to a request with a given
// Idempotency-Key, replayed to every retry of the same request.
type idempotencyRecord struct {
	Fingerprint string    `json:"fingerprint"` // SHA-256 of method, path and body
	Status      int       `json:"status"`
	Body        []byte    `json:"body"`
	Created     time.Time `json:"created"`
}

// eventRecord is a webhook event and whether the store has accepted it.
type eventRecord struct {
	Event     WebhookEvent `json:"event"`
	Delivered bool         `json:"delivered"`
}

// snapshot is the gateway's whole state, as written to DataFile.
type snapshot struct {
	Version     int                           `json:"version"`
	Payments    map[string]*record            `json:"payments"`
	Idempotency map[string]*idempotencyRecord `json:"idempotency"`
	Events      []*eventRecord                `json:"events"`
	path        string
}

// How long the gateway remembers idempotency keys and delivered events: as
// long as a store could sensibly retry a request or replay an event.
const (
	idempotencyTTL = 24 * time.Hour
	eventTTL       = 30 * 24 * time.Hour
)

// loadSnapshot reads path, or starts empty when path is "" or does not
// exist yet. A file that cannot be read is an error: starting empty would
// forget payments that customers have paid.
func loadSnapshot(path string) (*snapshot, error) {
	st := &snapshot{Version: 1, Payments: map[string]*record{}, Idempotency: map[string]*idempotencyRecord{}, path: path}
	if path == "" {
		return st, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gateway: DataFile: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("gateway: DataFile %s: %w", path, err)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("gateway: DataFile %s: unknown version %d", path, st.Version)
	}
	if st.Payments == nil {
		st.Payments = map[string]*record{}
	}
	if st.Idempotency == nil {
		st.Idempotency = map[string]*idempotencyRecord{}
	}
	st.path = path
	return st, nil
}

// save writes the state to its file, if any: to a temporary file in the
// same directory, synced, then renamed over the old one, so that a crash
// leaves either the old state or the new, never half of one. The caller
// holds the lock.
func (st *snapshot) save(now time.Time) error {
	st.prune(now)
	if st.path == "" {
		return nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("gateway: encode state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(st.path), ".gateway-*.tmp")
	if err != nil {
		return fmt.Errorf("gateway: save state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("gateway: save state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("gateway: save state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("gateway: save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("gateway: save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), st.path); err != nil {
		return fmt.Errorf("gateway: save state: %w", err)
	}
	return nil
}

// prune forgets old idempotency keys and old delivered events, so that the
// file does not grow without end.
func (st *snapshot) prune(now time.Time) {
	for k, r := range st.Idempotency {
		if now.Sub(r.Created) > idempotencyTTL {
			delete(st.Idempotency, k)
		}
	}
	kept := st.Events[:0]
	for _, e := range st.Events {
		if !e.Delivered || now.Sub(time.Unix(e.Event.Created, 0)) <= eventTTL {
			kept = append(kept, e)
		}
	}
	st.Events = kept
}

// newID returns prefix and 24 random hex digits. A payment id is also the
// key to its card page, so it must not be guessable.
func newID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// errPaymentNotFound answers for an id the gateway does not know.
var errPaymentNotFound = shop.Errorf(shop.NotFound, "no such payment")

// find returns a copy of the payment id.
func (s *Server) find(id string) (record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.state.Payments[id]
	if !ok {
		return record{}, errPaymentNotFound
	}
	return *rec, nil
}

// insert records a new payment and its first event.
func (s *Server) insert(rec record) error {
	s.mu.Lock()
	s.state.Payments[rec.ID] = &rec
	ev := s.recordEvent(rec)
	if err := s.state.save(s.clock()); err != nil {
		delete(s.state.Payments, rec.ID)
		s.state.Events = s.state.Events[:len(s.state.Events)-1]
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	s.deliverAsync(ev)
	return nil
}

// change applies fn to payment id, saves the result with a payment.updated
// event, and starts the event's delivery. When fn returns an error nothing
// changes. Every change goes through here, so none escapes the webhook.
func (s *Server) change(id string, fn func(*record) error) (record, error) {
	s.mu.Lock()
	cur, ok := s.state.Payments[id]
	if !ok {
		s.mu.Unlock()
		return record{}, errPaymentNotFound
	}
	next := *cur
	if err := fn(&next); err != nil {
		s.mu.Unlock()
		return record{}, err
	}
	next.Updated = s.clock()
	s.state.Payments[id] = &next
	ev := s.recordEvent(next)
	if err := s.state.save(s.clock()); err != nil {
		s.state.Payments[id] = cur
		s.state.Events = s.state.Events[:len(s.state.Events)-1]
		s.mu.Unlock()
		return record{}, err
	}
	s.mu.Unlock()
	s.log.Info("payment changed", "payment", next.ID, "order", next.Order, "state", next.State, "reason", next.Reason, "event", ev.ID)
	s.deliverAsync(ev)
	return next, nil
}
