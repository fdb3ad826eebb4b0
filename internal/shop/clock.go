package shop

import "time"

// Clock tells the current time. Production uses SystemClock; tests pass a
// function that returns whatever time the test needs.
type Clock func() time.Time

// SystemClock returns the wall-clock time in UTC, truncated to microseconds
// so that a time survives a round trip through either database unchanged.
func SystemClock() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}
