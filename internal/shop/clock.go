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

// JST is Japan Standard Time, the shop's own time: order numbers, delivery
// dates, due dates and the times staff and customers read are in it. Japan
// keeps no daylight saving, so a fixed zone is exact and needs no tzdata.
var JST = time.FixedZone("JST", 9*60*60)
