package edge_test

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"kaede/internal/edge"
)

func TestClientAddr(t *testing.T) {
	proxies, err := edge.ParseProxies("10.0.0.0/8, 127.0.0.1, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		proxies edge.Proxies
		remote  string
		xff     []string // header lines
		want    string
	}{
		{"no proxies: the peer", nil, "203.0.113.9:4000", nil, "203.0.113.9"},
		{"no proxies: the header is ignored", nil, "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer: forged header ignored", proxies, "203.0.113.9:4000", []string{"198.51.100.1, 10.0.0.2"}, "203.0.113.9"},
		{"trusted peer without header", proxies, "10.0.0.1:4000", nil, "10.0.0.1"},
		{"one proxy", proxies, "127.0.0.1:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client's own forgery on the left", proxies, "127.0.0.1:4000", []string{"192.0.2.66, 198.51.100.1"}, "198.51.100.1"},
		{"two proxies", proxies, "127.0.0.1:4000", []string{"192.0.2.66, 198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"header lines joined in order", proxies, "127.0.0.1:4000", []string{"192.0.2.66", "198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"only trusted hops: the farthest", proxies, "127.0.0.1:4000", []string{"10.9.9.9, 10.1.2.3"}, "10.9.9.9"},
		{"malformed hop: nearest trusted", proxies, "127.0.0.1:4000", []string{"198.51.100.1, unknown"}, "127.0.0.1"},
		{"malformed behind trusted hop", proxies, "127.0.0.1:4000", []string{"garbage, 10.1.2.3"}, "10.1.2.3"},
		{"malformed left of the client does not matter", proxies, "127.0.0.1:4000", []string{"garbage, 198.51.100.1"}, "198.51.100.1"},
		{"empty hop stops", proxies, "127.0.0.1:4000", []string{"198.51.100.1,"}, "127.0.0.1"},
		{"empty header", proxies, "127.0.0.1:4000", []string{""}, "127.0.0.1"},
		{"hop with port", proxies, "127.0.0.1:4000", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		{"IPv6 hop", proxies, "127.0.0.1:4000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"bracketed IPv6 hop", proxies, "127.0.0.1:4000", []string{"[2001:db8::7]"}, "2001:db8::7"},
		{"bracketed IPv6 hop with port", proxies, "127.0.0.1:4000", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"IPv4-mapped hop unmapped", proxies, "127.0.0.1:4000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"IPv4-mapped peer is trusted", proxies, "[::ffff:127.0.0.1]:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"IPv4-mapped untrusted peer unmapped", proxies, "[::ffff:203.0.113.9]:4000", nil, "203.0.113.9"},
		{"IPv6 proxy", proxies, "[2001:db8:ffff::1]:4000", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"trusted IPv6 hop skipped", proxies, "127.0.0.1:4000", []string{"198.51.100.1, 2001:db8:ffff::9"}, "198.51.100.1"},
		{"zone dropped", proxies, "127.0.0.1:4000", []string{"fe80::1%eth0"}, "fe80::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tt.proxies.ClientAddr(r); got != tt.want {
				t.Fatalf("ClientAddr=%q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseProxies(t *testing.T) {
	p, err := edge.ParseProxies(" 10.0.0.0/8,192.0.2.7 2001:db8::/32\t::ffff:127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "127.0.0.1/32"}
	if len(p) != len(want) {
		t.Fatalf("proxies=%v, want %v", p, want)
	}
	for i, w := range want {
		if p[i].String() != w {
			t.Fatalf("proxies[%d]=%s, want %s", i, p[i], w)
		}
	}
	if p, err := edge.ParseProxies(""); err != nil || len(p) != 0 {
		t.Fatalf("empty: %v, %v", p, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "::ffff:10.0.0.0/104", "10.0.0.1-10.0.0.9"} {
		if _, err := edge.ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
}

// FuzzClientAddr checks that whatever a client writes in X-Forwarded-For,
// the answer is its own address unless its peer is trusted, and otherwise
// one of the addresses in the request, in canonical form.
func FuzzClientAddr(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "a, 10.0.0.1", "[::1]:80, ::ffff:1.2.3.4", ",,", "1.2.3.4:99999", "[fe80::1%25eth0]"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	proxies := edge.Proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	f.Fuzz(func(t *testing.T, xff string, trustedPeer bool) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "203.0.113.9:4000"
		if trustedPeer {
			r.RemoteAddr = "127.0.0.1:4000"
		}
		r.Header.Set("X-Forwarded-For", xff)
		got := proxies.ClientAddr(r)
		a, err := netip.ParseAddr(got)
		if err != nil || a.Is4In6() || a.Zone() != "" || a.String() != got {
			t.Fatalf("ClientAddr=%q: not a canonical address", got)
		}
		if !trustedPeer && got != "203.0.113.9" {
			t.Fatalf("untrusted peer: ClientAddr=%q, want the peer", got)
		}
		if trustedPeer && got != "127.0.0.1" && !isHop(xff, a) {
			t.Fatalf("ClientAddr=%q is neither the peer nor a hop of %q", got, xff)
		}
	})
}

func isHop(xff string, a netip.Addr) bool {
	for _, h := range strings.Split(xff, ",") {
		if b, ok := edge.ParseHop(h); ok && b == a {
			return true
		}
	}
	return false
}

func FuzzParseHop(f *testing.F) {
	for _, s := range []string{"1.2.3.4", " [2001:db8::1]:443 ", "::ffff:1.2.3.4", "fe80::1%eth0", "[1.2.3.4]", "1.2.3.4:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := edge.ParseHop(s)
		if !ok {
			return
		}
		if !a.IsValid() || a.Is4In6() || a.Zone() != "" {
			t.Fatalf("ParseHop(%q)=%v: not canonical", s, a)
		}
		if b, ok := edge.ParseHop(a.String()); !ok || b != a {
			t.Fatalf("ParseHop(%q)=%v does not read back: %v %v", s, a, b, ok)
		}
	})
}
