package readcache

import (
	"testing"
	"time"
)

// An entry is trusted until For after its read; Forget drops the keys it
// names, or all; a read that began before a Forget is not stored after it.
func TestCache(t *testing.T) {
	var c Cache[string, int]
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	get := func(key string, at time.Time) (int, bool) {
		v, _, ok := c.Get(key, at)
		return v, ok
	}
	_, gen, _ := c.Get("a", now)
	c.Put("a", gen, 1, now)
	c.Put("b", gen, 2, now)
	if v, ok := get("a", now.Add(For-time.Millisecond)); !ok || v != 1 {
		t.Fatalf("a just before For: %d %v, want 1", v, ok)
	}
	if _, ok := get("a", now.Add(For)); ok {
		t.Fatal("a trusted at For")
	}
	c.Forget("a")
	if _, ok := get("a", now); ok {
		t.Fatal("a after Forget(a)")
	}
	if v, ok := get("b", now); !ok || v != 2 {
		t.Fatalf("b after Forget(a): %d %v, want 2", v, ok)
	}
	c.Put("b", gen, 3, now) // read before the Forget
	if v, _ := get("b", now); v != 2 {
		t.Fatalf("b = %d after a stale Put, want 2", v)
	}
	c.Forget()
	if _, ok := get("b", now); ok {
		t.Fatal("b after Forget()")
	}
}
