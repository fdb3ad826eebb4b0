package staff_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

const adminOrigin = "https://admin.example.jp"

var b64 = base64.RawURLEncoding

// softKey is a software authenticator: one P-256 credential, "none"
// attestation, user present and verified.
type softKey struct {
	t      *testing.T
	key    *ecdsa.PrivateKey
	id     []byte
	count  uint32
	rpID   string
	origin string
}

func newSoftKey(t *testing.T) *softKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &softKey{t: t, key: key, id: id, rpID: "admin.example.jp", origin: adminOrigin}
}

// challenge reads the challenge out of the server's options.
func (k *softKey) challenge(options []byte) string {
	k.t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil || o.PublicKey.Challenge == "" {
		k.t.Fatalf("options %s: %v", options, err)
	}
	return o.PublicKey.Challenge
}

func (k *softKey) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]string{"type": typ, "challenge": challenge, "origin": k.origin})
	return b
}

func (k *softKey) authData(flags byte) []byte {
	rp := sha256.Sum256([]byte(k.rpID))
	b := append(rp[:], flags)
	return binary.BigEndian.AppendUint32(b, k.count)
}

// create answers navigator.credentials.create.
func (k *softKey) create(options []byte) []byte {
	k.t.Helper()
	cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         1, // P-256
		XCoord:        k.key.X.FillBytes(make([]byte, 32)),
		YCoord:        k.key.Y.FillBytes(make([]byte, 32)),
	})
	if err != nil {
		k.t.Fatal(err)
	}
	auth := k.authData(0x01 | 0x04 | 0x40) // UP, UV, attested credential data
	auth = append(auth, make([]byte, 16)...)
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(k.id)))
	auth = append(append(auth, k.id...), cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		k.t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": map[string]string{
			"clientDataJSON":    b64.EncodeToString(k.clientData("webauthn.create", k.challenge(options))),
			"attestationObject": b64.EncodeToString(att),
		}})
	return out
}

// get answers navigator.credentials.get, counting the use.
func (k *softKey) get(options []byte) []byte {
	k.t.Helper()
	k.count++
	auth := k.authData(0x01 | 0x04)
	cd := k.clientData("webauthn.get", k.challenge(options))
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(slices.Clone(auth), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": map[string]string{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
		}})
	return out
}

// enrolWithPasskey adds a member of staff and enrols them with key only.
func (h *harness) enrolWithPasskey(p *staff.Passkeys, email string, key *softKey) (secret string, recovery []string) {
	h.t.Helper()
	token, err := h.s.Add(h.ctx, email, staff.Owner, staff.CLI)
	if err != nil {
		h.t.Fatal(err)
	}
	e, err := h.s.Enrol(h.ctx, token, password)
	if err != nil {
		h.t.Fatal(err)
	}
	options, err := p.BeginPasskeyRegistration(h.ctx, token)
	if err != nil {
		h.t.Fatalf("begin registration: %v", err)
	}
	codes, err := p.FinishPasskeyRegistration(h.ctx, token, "laptop", key.create(options))
	if err != nil {
		h.t.Fatalf("finish registration: %v", err)
	}
	return e.Secret, codes
}

// passkeyLogin logs in with the password and the key.
func (h *harness) passkeyLogin(p *staff.Passkeys, email string, key *softKey) (*staff.Session, error) {
	h.t.Helper()
	pending, err := h.s.Authenticate(h.ctx, email, password, ipHome)
	if err != nil {
		h.t.Fatalf("authenticate: %v", err)
	}
	options, err := p.BeginPasskeyLogin(h.ctx, pending)
	if err != nil {
		h.t.Fatalf("begin passkey login: %v", err)
	}
	return p.FinishPasskeyLogin(h.ctx, pending, key.get(options), ipHome, browser)
}

func newPasskeys(t *testing.T, h *harness) *staff.Passkeys {
	t.Helper()
	p, err := h.s.Passkeys(adminOrigin)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPasskeyEnrolAndLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		p := newPasskeys(t, h)
		key := newSoftKey(t)
		secret, recovery := h.enrolWithPasskey(p, "owner@example.jp", key)
		if len(recovery) != 10 {
			t.Fatalf("recovery codes=%d, want 10", len(recovery))
		}
		if m := h.list()[0]; !m.Active() {
			t.Fatalf("after the passkey the account is not active: %+v", m)
		}
		sess, err := h.passkeyLogin(p, "owner@example.jp", key)
		if err != nil || sess.ID == "" {
			t.Fatalf("passkey login: %v", err)
		}
		// The TOTP secret shown during enrolment was never confirmed: its
		// codes open nothing.
		pending, err := h.s.Authenticate(h.ctx, "owner@example.jp", password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.s.VerifySecondFactor(h.ctx, pending, h.code(secret), ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		// A recovery code still works.
		if _, err := h.s.VerifySecondFactor(h.ctx, pending, recovery[0], ipHome, browser); err != nil {
			t.Fatalf("recovery code after a passkey enrolment: %v", err)
		}
		h.wantActions("owner@example.jp", "staff.enrol_password", "staff.passkey_register", "staff.enrol",
			"staff.login_password", "staff.passkey_use", "staff.login", "staff.login_failed", "staff.login")
		h.verifyChain()
	})
}

func TestPasskeyRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		p := newPasskeys(t, h)
		key := newSoftKey(t)
		h.enrolWithPasskey(p, "owner@example.jp", key)
		if _, err := h.passkeyLogin(p, "owner@example.jp", key); err != nil {
			t.Fatal(err)
		}

		// A challenge answers once: a refused answer spends it.
		pending, err := h.s.Authenticate(h.ctx, "owner@example.jp", password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		options, err := p.BeginPasskeyLogin(h.ctx, pending)
		if err != nil {
			t.Fatal(err)
		}
		good := key.get(options)
		_, err = p.FinishPasskeyLogin(h.ctx, pending, []byte(`{"id":"x"}`), ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		_, err = p.FinishPasskeyLogin(h.ctx, pending, good, ipHome, browser)
		wantCode(t, err, shop.Unauthorized)
		h.wantActions("owner@example.jp", "staff.passkey_failed", "staff.login_failed", "staff.passkey_failed", "staff.login_failed")

		// A signature counter that goes backwards: a cloned key.
		key.count = 0 // the next use signs 1, which the server has seen
		_, err = h.passkeyLogin(p, "owner@example.jp", key)
		wantCode(t, err, shop.Unauthorized)
		h.wantActions("owner@example.jp", "staff.passkey_clone_warning", "staff.login_failed")

		// Another site's origin.
		evil := *key
		evil.count += 10
		evil.origin = "https://admin.example.jp.evil.example"
		_, err = h.passkeyLogin(p, "owner@example.jp", &evil)
		wantCode(t, err, shop.Unauthorized)

		// Another key than the one registered: the fifth failure in a
		// row locks the address, as wrong codes do.
		_, err = h.passkeyLogin(p, "owner@example.jp", newSoftKey(t))
		wantCode(t, err, shop.TooMany)

		h.wantActions("owner@example.jp", "staff.locked")
		h.verifyChain()
	})
}

func TestPasskeyReauthenticate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		p := newPasskeys(t, h)
		key := newSoftKey(t)
		h.enrolWithPasskey(p, "owner@example.jp", key)
		sess, err := h.passkeyLogin(p, "owner@example.jp", key)
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(10 * time.Minute)
		// A challenge older than five minutes is refused.
		options, err := p.BeginPasskeyReauth(h.ctx, sess.ID, ipHome, browser)
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(5*time.Minute + time.Second)
		_, err = p.FinishPasskeyReauth(h.ctx, sess.ID, key.get(options), ipHome, browser)
		wantCode(t, err, shop.Unauthorized)

		options, err = p.BeginPasskeyReauth(h.ctx, sess.ID, ipHome, browser)
		if err != nil {
			t.Fatal(err)
		}
		renewed, err := p.FinishPasskeyReauth(h.ctx, sess.ID, key.get(options), ipHome, browser)
		if err != nil {
			t.Fatalf("reauthenticate with the passkey: %v", err)
		}
		if !renewed.FreshSecondFactor(h.clock.Now()) {
			t.Fatal("the second factor is not fresh after the passkey")
		}
		h.wantActions("owner@example.jp", "staff.passkey_failed", "staff.passkey_use", "staff.reauthenticate")
	})
}

func TestPasskeyRegistrationRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		p := newPasskeys(t, h)
		token, err := h.s.Add(h.ctx, "owner@example.jp", staff.Owner, staff.CLI)
		if err != nil {
			t.Fatal(err)
		}
		// No password yet: no passkey either.
		_, err = p.BeginPasskeyRegistration(h.ctx, token)
		wantCode(t, err, shop.Conflict)
		if _, err := h.s.Enrol(h.ctx, token, password); err != nil {
			t.Fatal(err)
		}
		options, err := p.BeginPasskeyRegistration(h.ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		key := newSoftKey(t)
		key.origin = "https://evil.example"
		_, err = p.FinishPasskeyRegistration(h.ctx, token, "", key.create(options))
		wantCode(t, err, shop.Invalid)
		if h.list()[0].Enrolled() {
			t.Fatal("a refused passkey enrolled the account")
		}
		// The challenge went with the refused answer.
		key.origin = adminOrigin
		_, err = p.FinishPasskeyRegistration(h.ctx, token, "", key.create(options))
		wantCode(t, err, shop.Unauthorized)
		h.wantActions("owner@example.jp", "staff.passkey_register_failed", "staff.passkey_register_failed")
	})
}

// TestPasskeyLoginCompletesAsTheCodeLogin holds the two second factors to
// one completion: the same binding to the password's IP address, the same
// notice of a new address and the same audit entry.
func TestPasskeyLoginCompletesAsTheCodeLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		p := newPasskeys(t, h)
		key := newSoftKey(t)
		const email, away = "owner@example.jp", "203.0.113.5"
		_, recovery := h.enrolWithPasskey(p, email, key)

		// The password typed at home, the passkey answered from elsewhere:
		// refused, and the pending login is over.
		pending, err := h.s.Authenticate(h.ctx, email, password, ipHome)
		if err != nil {
			t.Fatal(err)
		}
		options, err := p.BeginPasskeyLogin(h.ctx, pending)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.FinishPasskeyLogin(h.ctx, pending, key.get(options), away, browser)
		wantCode(t, err, shop.Unauthorized)
		_, err = p.BeginPasskeyLogin(h.ctx, pending)
		wantCode(t, err, shop.Unauthorized)
		h.wantActions(email, "staff.login_password", "staff.login_failed")

		// From a new address, both ways: a passkey, then a recovery code.
		pending, err = h.s.Authenticate(h.ctx, email, password, away)
		if err != nil {
			t.Fatal(err)
		}
		if options, err = p.BeginPasskeyLogin(h.ctx, pending); err != nil {
			t.Fatal(err)
		}
		if _, err := p.FinishPasskeyLogin(h.ctx, pending, key.get(options), away, browser); err != nil {
			t.Fatalf("passkey login: %v", err)
		}
		if n := h.mailCount(email, "staff_new_ip_login"); n != 1 {
			t.Fatalf("%d new-address notices after the passkey login, want 1", n)
		}
		if pending, err = h.s.Authenticate(h.ctx, email, password, away); err != nil {
			t.Fatal(err)
		}
		if _, err := h.s.VerifySecondFactor(h.ctx, pending, recovery[0], away, browser); err != nil {
			t.Fatalf("recovery code login: %v", err)
		}
		es, err := audit.List(h.ctx, d, audit.Filter{Actor: email, Action: "staff.login"})
		if err != nil || len(es) != 2 {
			t.Fatalf("staff.login entries=%d, %v; want 2", len(es), err)
		}
		want := map[string][]string{ // newest first
			"recovery": {"method", "session", "user_agent"},
			"passkey":  {"method", "passkey", "session", "user_agent"},
		}
		for i, method := range []string{"recovery", "passkey"} {
			var after map[string]any
			if err := json.Unmarshal([]byte(es[i].After), &after); err != nil {
				t.Fatal(err)
			}
			keys := make([]string, 0, len(after))
			for k := range after {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if after["method"] != method || !slices.Equal(keys, want[method]) || es[i].IP != away {
				t.Errorf("%s login entry: %s from %s, want keys %v from %s", method, es[i].After, es[i].IP, want[method], away)
			}
		}
		h.verifyChain()
	})
}
