package gateway_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"kaede/internal/payment/gateway"
)

func TestLuhn(t *testing.T) {
	for _, tc := range gateway.TestCards {
		if !gateway.LuhnValid(strings.ReplaceAll(tc.Number, " ", "")) {
			t.Errorf("test card %s fails Luhn", tc.Number)
		}
	}
	for _, s := range []string{"4242424242424241", "", "0", "4242 4242 4242 4242", "42424242424242x2"} {
		if gateway.LuhnValid(s) {
			t.Errorf("LuhnValid(%q)=true", s)
		}
	}
}

// FuzzLuhn checks the defining property instead of a second copy of the
// algorithm: for any digits, exactly one check digit makes them valid, and
// anything that is not all digits is never valid.
func FuzzLuhn(f *testing.F) {
	for _, s := range []string{"424242424242424", "400000000000322", "7", "", "12a4", "0000000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		digits := len(prefix) > 0 && strings.Trim(prefix, "0123456789") == ""
		valid := 0
		for d := '0'; d <= '9'; d++ {
			if gateway.LuhnValid(prefix + string(d)) {
				valid++
			}
		}
		switch {
		case digits && valid != 1:
			t.Fatalf("%q: %d valid check digits, want exactly 1", prefix, valid)
		case !digits && len(prefix) > 0 && valid != 0:
			t.Fatalf("%q is not digits but passes", prefix)
		}
	})
}

// FuzzParseSignature feeds the header parser anything: it must not panic,
// and what it accepts must be a positive time and 32-byte signatures. A
// header made by Sign always parses back to its time.
func FuzzParseSignature(f *testing.F) {
	for _, s := range []string{
		gateway.Sign("secret", time.Unix(1773104400, 0), []byte("{}")),
		"t=1,v1=" + strings.Repeat("ab", 32) + ",v1=" + strings.Repeat("cd", 32),
		"t=1,v0=zz,v1=" + strings.Repeat("00", 32),
		"", "t=", "v1=", ",,,", "t=1,t=2", "t=-1,v1=00", "t=99999999999999999999,v1=00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		ts, sigs, err := gateway.ParseSignature(h)
		if err != nil {
			return
		}
		if ts <= 0 || len(sigs) == 0 {
			t.Fatalf("%q accepted with t=%d and %d signatures", h, ts, len(sigs))
		}
		for _, s := range sigs {
			if len(s) != 32 {
				t.Fatalf("%q: signature of %d bytes", h, len(s))
			}
		}
	})
}

func TestSignRoundTrip(t *testing.T) {
	for _, unix := range []int64{1, 1773104400, 1 << 40} {
		ts, sigs, err := gateway.ParseSignature(gateway.Sign("s", time.Unix(unix, 0), []byte("body")))
		if err != nil || ts != unix || len(sigs) != 1 {
			t.Fatalf("t=%d: parsed %d %d %v", unix, ts, len(sigs), err)
		}
	}
	if got := gateway.Sign("s", time.Unix(5, 0), nil); !strings.HasPrefix(got, "t="+strconv.Itoa(5)+",v1=") {
		t.Fatalf("Sign=%q", got)
	}
}
