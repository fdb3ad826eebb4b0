package db

import (
	"testing"
	"time"
)

// LongBatches lets a batch take writers for as long as they wait, for the
// test's duration, so that a test knows which writers share one.
func LongBatches(t *testing.T) {
	old := batchTime
	batchTime = time.Hour
	t.Cleanup(func() { batchTime = old })
}

// WriterCacheKiB is the writing connection's page cache.
const WriterCacheKiB = writerCacheKiB

// SQLiteCacheKiB is a pool connection's page cache.
const SQLiteCacheKiB = sqliteCacheKiB
