// Package password hashes passwords with Argon2id, for the customers'
// accounts (member) and the staff's (staff) alike: the PHC string format
// that both store, its parameters, and a Hasher that runs a few hashes at a
// time, so that a flood of logins cannot take all the server's memory.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the cost parameters of Argon2id. They are written into
// every stored hash, so that raising them later only affects new hashes and
// old ones are upgraded when their owner next logs in.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// Default is what production uses: 64 MiB, 3 passes, 2 lanes,
// RFC 9106's second recommended option with fewer lanes (the shop's server
// has few cores), well above OWASP's minimum of 19 MiB and 2 passes.
var Default = Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}

// Limits on parameters read back from a stored hash. They stop a damaged or
// planted hash from making one login take minutes or gigabytes.
const (
	maxMemory  = 1 << 21 // 2 GiB in KiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

func (p Params) validate() error {
	switch {
	case p.Threads < 1:
		return errors.New("argon2id: p must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("argon2id: m=%d out of range", p.Memory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id: t=%d out of range", p.Time)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2id: salt of %d bytes out of range", p.SaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id: hash of %d bytes out of range", p.KeyLen)
	}
	return nil
}

// PHC is a parsed Argon2id hash in the PHC string format:
// $argon2id$v=19$m=65536,t=3,p=2$SALT$HASH, salt and hash in unpadded
// standard base64.
type PHC struct {
	Params Params
	Salt   []byte
	Key    []byte
}

var phcB64 = base64.RawStdEncoding.Strict()

// String formats h as a PHC string.
func (h PHC) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.Params.Memory, h.Params.Time, h.Params.Threads,
		phcB64.EncodeToString(h.Salt), phcB64.EncodeToString(h.Key))
}

// Parse parses a PHC string written by String. It accepts only
// Argon2id version 19 with parameters inside sane limits.
func Parse(s string) (PHC, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return PHC{}, errors.New("argon2id: not a PHC string")
	}
	if parts[1] != "argon2id" {
		return PHC{}, fmt.Errorf("argon2id: unsupported algorithm %q", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return PHC{}, fmt.Errorf("argon2id: unsupported version %q", parts[2])
	}
	var h PHC
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return PHC{}, errors.New("argon2id: want m, t and p")
	}
	for i, name := range []string{"m", "t", "p"} {
		k, v, ok := strings.Cut(fields[i], "=")
		if !ok || k != name {
			return PHC{}, fmt.Errorf("argon2id: want %s= in %q", name, fields[i])
		}
		// Leading zeros or signs would let two strings mean the same hash.
		if v == "" || (len(v) > 1 && v[0] == '0') || strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return PHC{}, fmt.Errorf("argon2id: bad number %q", v)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return PHC{}, fmt.Errorf("argon2id: bad number %q: %w", v, err)
		}
		switch name {
		case "m":
			h.Params.Memory = uint32(n)
		case "t":
			h.Params.Time = uint32(n)
		case "p":
			if n > 255 {
				return PHC{}, fmt.Errorf("argon2id: p=%d out of range", n)
			}
			h.Params.Threads = uint8(n)
		}
	}
	var err error
	if h.Salt, err = phcB64.DecodeString(parts[4]); err != nil {
		return PHC{}, fmt.Errorf("argon2id: salt: %w", err)
	}
	if h.Key, err = phcB64.DecodeString(parts[5]); err != nil {
		return PHC{}, fmt.Errorf("argon2id: hash: %w", err)
	}
	h.Params.SaltLen, h.Params.KeyLen = uint32(len(h.Salt)), uint32(len(h.Key))
	if err := h.Params.validate(); err != nil {
		return PHC{}, err
	}
	return h, nil
}

// Hash returns a new Argon2id hash of password with a random salt,
// as a PHC string.
func Hash(password string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2id salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return PHC{Params: p, Salt: salt, Key: key}.String(), nil
}

// Check reports whether password matches the PHC string encoded,
// comparing in constant time. The error is for a hash that cannot be read.
func Check(encoded, password string) (bool, error) {
	h, err := Parse(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.Salt, h.Params.Time, h.Params.Memory, h.Params.Threads, h.Params.KeyLen)
	return subtle.ConstantTimeCompare(key, h.Key) == 1, nil
}

// needsRehash reports whether encoded was made with parameters other than
// p, so that a successful login can store a hash at today's cost.
func needsRehash(encoded string, p Params) bool {
	h, err := Parse(encoded)
	return err != nil || h.Params != p
}
