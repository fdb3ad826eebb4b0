package member

import "kaede/internal/readcache"

// CacheFor is how long a process trusts a cached session or member
// without hearing of a change (cache.go), for the tests of its backstop.
const CacheFor = readcache.For
