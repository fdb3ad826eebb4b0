package incident

// SetBatch sets how many recipients one transaction of Send queues, and a
// function run after each committed batch with the number queued so far:
// an error from it stops the run there, as a crash would.
func (c *Campaigns) SetBatch(n int, after func(queued int) error) {
	c.batch, c.afterBatch = n, after
}

// CardLike exposes the card-number guard to the tests.
var CardLike = cardLike
