package catalog

// CachedResults is how many results s's cache holds, expired or not.
func CachedResults(s *Service) int {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return len(s.cache.entries)
}
