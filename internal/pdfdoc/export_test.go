package pdfdoc

// SetPartPages makes a Writer's parts n pages long until restore is
// called, so that a test runs several parts without thousands of pages.
func SetPartPages(n int) (restore func()) {
	old := partPages
	partPages = n
	return func() { partPages = old }
}
