package db

import (
	"encoding/binary"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLitePageCache reports the bytes SQLite's page caches hold in this
// process now and at most since it started: all its connections' caches,
// one budget (see sqliteCacheKiB), outside Go's heap. It is for an
// operator's or a benchmark's view of the store's memory (the profiling
// listener prints it); SQLite's other memory, its statements and schemas,
// is not counted, as the library is built without memory statistics.
func SQLitePageCache() (now, peak int64) {
	tls := libc.NewTLS()
	defer tls.Close()
	// The two counters are written to SQLite's memory, not Go's: Go may
	// move a goroutine's stack while SQLite writes.
	p := tls.Alloc(16)
	defer tls.Free(16)
	sqlite3.Xsqlite3_status64(tls, sqlite3.SQLITE_STATUS_PAGECACHE_OVERFLOW, p, p+8, 0)
	b := libc.GoBytes(p, 16)
	return int64(binary.NativeEndian.Uint64(b)), int64(binary.NativeEndian.Uint64(b[8:]))
}
