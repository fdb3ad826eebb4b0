package cart

// Every page a visitor with a cart opens shows the cart's count in its
// header; under load that query was the largest part of a logged-in
// member's category page. So each process keeps the counts it read for
// readcache.For. A write this process makes to a cart drops that cart's count
// when it commits (the cart service's own writes, and checkout emptying
// the cart through Forget), so that the page after adding an item or
// placing an order shows the new count; what another instance wrote, or a
// product withdrawn from sale, shows within readcache.For. The count is kept
// with the cart's owner, and Count checks the owner on every call as it
// did on every query: a count is only ever shown for the cart the
// visitor's own session names.
type cachedCount struct {
	owner int64
	n     int
}

// Forget drops what this process keeps of the carts' contents (their
// counts), for a write to them made outside this service once it has
// committed: checkout emptying the cart it ordered.
func (s *Service) Forget(ids ...string) { s.counts.Forget(ids...) }
