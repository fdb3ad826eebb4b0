package shop

// Viewer is who is looking at prices and products: a guest (zero value),
// a member, or a member whose practitioner licence the shop has approved.
// Member prices and practitioners-only products are for approved
// practitioners only.
type Viewer struct {
	MemberID     int64
	Practitioner bool
}
