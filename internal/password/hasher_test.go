package password_test

import (
	"context"
	"testing"

	"kaede/internal/password"
)

func TestHasher(t *testing.T) {
	ctx := context.Background()
	h := password.NewHasher(2)
	if err := h.SetParams(fastHash); err != nil {
		t.Fatal(err)
	}
	if err := h.SetParams(password.Params{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}); err == nil {
		t.Fatal("SetParams accepted t=0")
	}
	stored, err := h.Hash(ctx, "パスワード")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := password.Parse(stored); err != nil || p.Params != fastHash {
		t.Fatalf("hash %q: params %+v, %v; want %+v (a refused SetParams changes nothing)", stored, p.Params, err, fastHash)
	}
	for pw, want := range map[string]bool{"パスワード": true, "パスワー": false} {
		if ok, err := h.Check(ctx, stored, pw); err != nil || ok != want {
			t.Errorf("Check(%q)=%v, %v; want %v", pw, ok, err, want)
		}
	}
	if _, err := h.Check(ctx, "plaintext", "plaintext"); err == nil {
		t.Error("Check accepted a stored value that is not a hash")
	}
	if err := h.Waste(ctx, "no such account"); err != nil {
		t.Errorf("Waste: %v", err)
	}
	if h.NeedsRehash(stored) {
		t.Error("NeedsRehash for a hash at the current cost")
	}
	if !h.NeedsRehash("plaintext") {
		t.Error("no NeedsRehash for a value that is not a hash")
	}
	stronger := fastHash
	stronger.Time++
	if err := h.SetParams(stronger); err != nil {
		t.Fatal(err)
	}
	if !h.NeedsRehash(stored) {
		t.Error("no NeedsRehash after the cost went up")
	}
	if ok, err := h.Check(ctx, stored, "パスワード"); err != nil || !ok {
		t.Errorf("an older hash no longer checks: %v, %v", ok, err)
	}
}
