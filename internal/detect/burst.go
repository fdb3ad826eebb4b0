// Package detect holds the security detectors that are not part of another
// capability: a burst of server errors, staff, role and settings changes
// outside business hours (read from the audit log), and the audit chain's
// hourly verification. Each raises a security event (internal/secevent).
package detect

import (
	"sync/atomic"
	"time"
)

// Burst counts server errors in fixed windows and calls fire once per
// window, the moment the count reaches the threshold. Observe is two
// atomic operations on the common path, so every response can pass
// through it.
type Burst struct {
	threshold int64
	window    int64 // nanoseconds
	now       func() time.Time
	fire      func(count int64, window time.Duration)

	start atomic.Int64 // the current window's start, Unix nanoseconds
	count atomic.Int64
}

// NewBurst returns a counter that fires when threshold server errors fall
// in one window. fire runs on the goroutine of the response that crossed
// the threshold: it must not block (start a goroutine for I/O).
func NewBurst(threshold int, window time.Duration, now func() time.Time, fire func(count int64, window time.Duration)) *Burst {
	return &Burst{threshold: int64(threshold), window: int64(window), now: now, fire: fire}
}

// Observe counts status when it is a server error (5xx).
func (b *Burst) Observe(status int) {
	if status < 500 || status > 599 {
		return
	}
	now := b.now().UnixNano()
	ws := now - now%b.window
	if old := b.start.Load(); old != ws && b.start.CompareAndSwap(old, ws) {
		// The first error of a new window resets the count; a racing error
		// counted in the old window is lost, which a threshold of tens
		// does not notice.
		b.count.Store(0)
	}
	if b.count.Add(1) == b.threshold {
		b.fire(b.threshold, time.Duration(b.window))
	}
}
