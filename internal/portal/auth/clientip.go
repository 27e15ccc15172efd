package auth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// maxForwardedHops bounds the X-Forwarded-For entries read from the right:
// a client may send a header of a megabyte, and only the hops the trusted
// proxies appended matter.
const maxForwardedHops = 16

// Proxies are the installation's trusted proxies (the Ingress controller's
// pods), named by the operator's --trusted-proxies and carried into each
// portal's configuration.
type Proxies []netip.Prefix

// trusts reports whether addr is one of the proxies.
func (ps Proxies) trusts(addr netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ClientAddr is the address a request came from. It is the connection's
// peer unless that peer is a trusted proxy: then X-Forwarded-For is read
// from the right, skipping the hops that are trusted proxies too, and the
// first hop that is not one is the client (the right-most untrusted
// address). Every hop to its left was written by the client and is never
// believed, so a client cannot pick the address it is throttled under.
// A malformed hop stops the walk at the last trusted address.
func (ps Proxies) ClientAddr(r *http.Request) netip.Addr {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() || !ps.trusts(peer) {
		return peer
	}
	last := peer
	hops := r.Header.Values("X-Forwarded-For")
	for h := len(hops) - 1; h >= 0; h-- {
		v, read := hops[h], 0
		for v != "" {
			if read++; read > maxForwardedHops {
				return last
			}
			hop := v
			if i := strings.LastIndexByte(v, ','); i >= 0 {
				hop, v = v[i+1:], v[:i]
			} else {
				v = ""
			}
			addr, err := netip.ParseAddr(strings.TrimSpace(hop))
			if err != nil {
				return last
			}
			addr = addr.Unmap().WithZone("")
			if !ps.trusts(addr) {
				return addr
			}
			last = addr
		}
	}
	return last // every hop a trusted proxy: the left-most of them
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap().WithZone("")
}

// ParseProxies reads CIDRs (or single addresses) as trusted proxies.
func ParseProxies(list []string) (Proxies, error) {
	out := make(Proxies, 0, len(list))
	for _, s := range list {
		p, err := ParseProxy(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParseProxy reads one trusted proxy: a CIDR such as 10.0.0.0/8, or one
// address (a /32 or /128).
func ParseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, &proxyError{s}
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

type proxyError struct{ s string }

func (e *proxyError) Error() string {
	return "trusted proxy " + quote(e.s) + ": want a CIDR such as 10.0.0.0/8 or one address"
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + s + `"`
}

// throttleAddr is the part of a client address the throttles key on: an
// IPv4 address whole, an IPv6 address by its /64 (one subscriber's network;
// a host picks any address inside it at no cost).
func throttleAddr(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
