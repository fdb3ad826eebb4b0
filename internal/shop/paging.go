package shop

// MaxOffset is the furthest into any list a page may start. A query
// asking for more is served from here (an empty page), not refused and
// never passed on to the database as a number that could overflow.
const MaxOffset = 1_000_000

// ClampOffset bounds an offset that validation has found not negative.
func ClampOffset(offset int) int { return min(offset, MaxOffset) }
