package password_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"kaede/internal/password"
)

// fastHash keeps tests quick; production uses password.Default.
var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashRoundTrip(t *testing.T) {
	for _, p := range []password.Params{fastHash, {Memory: 256, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 64}} {
		h, err := password.Hash("パスワード password", p)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := password.Parse(h)
		if err != nil {
			t.Fatalf("parse %q: %v", h, err)
		}
		if parsed.Params != p || parsed.String() != h {
			t.Fatalf("parsed %+v from %q, want %+v", parsed.Params, h, p)
		}
		for pw, want := range map[string]bool{"パスワード password": true, "パスワード passwore": false, "": false} {
			if ok, err := password.Check(h, pw); err != nil || ok != want {
				t.Errorf("CheckPassword(%q)=%v, %v; want %v", pw, ok, err, want)
			}
		}
		again, _ := password.Hash("パスワード password", p)
		if again == h {
			t.Fatal("two hashes of one password are equal: the salt is not random")
		}
	}
}

func TestDefault(t *testing.T) {
	p := password.Default
	// OWASP's floor for Argon2id is 19 MiB with 2 passes; ours is 64 MiB.
	if p.Memory < 64*1024 || p.Time < 3 || p.Threads < 1 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Fatalf("default params %+v are weaker than intended", p)
	}
}

// TestCheckReadsParams builds a PHC string by hand, so that the
// parser's use of m, t and p is checked against the library directly.
func TestCheckReadsParams(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("secret"), salt, 2, 96, 3, 24)
	enc := base64.RawStdEncoding
	phc := fmt.Sprintf("$argon2id$v=19$m=96,t=2,p=3$%s$%s", enc.EncodeToString(salt), enc.EncodeToString(key))
	ok, err := password.Check(phc, "secret")
	if err != nil || !ok {
		t.Fatalf("CheckPassword=%v, %v; want true", ok, err)
	}
	h, _ := password.Parse(phc)
	want := password.Params{Memory: 96, Time: 2, Threads: 3, SaltLen: 16, KeyLen: 24}
	if h.Params != want {
		t.Fatalf("params %+v, want %+v", h.Params, want)
	}
}

func TestParseRejects(t *testing.T) {
	salt, key := "MDEyMzQ1Njc4OWFiY2RlZg", strings.Repeat("A", 43)
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	if _, err := password.Parse(good); err != nil {
		t.Fatalf("good hash rejected: %v", err)
	}
	for _, s := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,     // 4-byte salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA", // 3-byte hash
	} {
		if _, err := password.Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$" + strings.Repeat("A", 43))
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := password.Parse(s)
		if err != nil {
			return
		}
		// Whatever parses is canonical: it formats back to the same text,
		// so a stored hash has exactly one spelling.
		if got := h.String(); got != s {
			t.Fatalf("Parse(%q).String()=%q", s, got)
		}
		if int(h.Params.SaltLen) != len(h.Salt) || int(h.Params.KeyLen) != len(h.Key) {
			t.Fatalf("lengths %+v disagree with salt %d and key %d", h.Params, len(h.Salt), len(h.Key))
		}
	})
}
