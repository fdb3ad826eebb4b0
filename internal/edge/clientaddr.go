package edge

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the networks of the reverse proxies whose X-Forwarded-For
// header is believed (--trusted-proxies). Empty trusts no proxy: the
// client is the TCP peer.
type Proxies []netip.Prefix

// ParsePrefixes reads networks in CIDR form or single addresses,
// separated by commas or spaces ("203.0.113.0/24, 2001:db8::1"). Empty
// gives an empty list. Used for the trusted proxies and the admin's
// allow-list.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			if p.Addr().Is4In6() {
				// ::ffff:10.0.0.0/104 would never match an unmapped address.
				return nil, fmt.Errorf("%q: write IPv4 networks in IPv4 form", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a network (CIDR) nor an address", f)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ParseProxies reads the trusted proxies setting; see ParsePrefixes.
func ParseProxies(s string) (Proxies, error) {
	p, err := ParsePrefixes(s)
	return Proxies(p), err
}

// Contains reports whether a is the address of a trusted proxy.
func (p Proxies) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr is the address a request came from, the one every limit,
// allow-list, log and audit entry uses.
//
// When the TCP peer is not a trusted proxy, it is the client and
// X-Forwarded-For is ignored entirely: a client cannot choose its address
// by writing the header. Behind trusted proxies, X-Forwarded-For (all its
// lines, in order) is read from the right: each proxy appends the address
// it received the request from, so the hops on the right were written by
// our proxies and those further left by whoever the first of them heard
// from. Trusted hops are skipped; the first untrusted hop is the client.
// A malformed hop ends the walk at the nearest trusted hop, which is the
// most that can be known; so does a header made only of trusted hops.
func (p Proxies) ClientAddr(r *http.Request) string {
	peer, ok := peerAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !p.Contains(peer) {
		return peer.String()
	}
	client := peer
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := ParseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !p.Contains(a) {
			break
		}
	}
	return client.String()
}

// peerAddr reads http.Request.RemoteAddr ("192.0.2.1:40000", "[::1]:80").
func peerAddr(remote string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// ParseHop reads one X-Forwarded-For element: an address, optionally in
// brackets or with a port ("192.0.2.1", "2001:db8::1", "[2001:db8::1]",
// "192.0.2.1:5000", "[2001:db8::1]:5000"). IPv4-mapped IPv6 addresses are
// unmapped and zones dropped, so that one client has one spelling.
func ParseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if inner, ok := strings.CutPrefix(s, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			if a, err := netip.ParseAddr(inner); err == nil && a.Is6() {
				return a.Unmap().WithZone(""), true
			}
		}
	}
	return netip.Addr{}, false
}
