package auth

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies, err := ParseProxies([]string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		peer string
		xff  []string
		want string
	}{
		"direct client":                         {peer: "203.0.113.9:5000", want: "203.0.113.9"},
		"direct client's forged header ignored": {peer: "203.0.113.9:5000", xff: []string{"198.51.100.1"}, want: "203.0.113.9"},
		"through the Ingress":                   {peer: "10.1.2.3:80", xff: []string{"203.0.113.9"}, want: "203.0.113.9"},
		"client's own entries to the left are not believed": {
			peer: "10.1.2.3:80", xff: []string{"198.51.100.1, 203.0.113.9"}, want: "203.0.113.9"},
		"two proxies (a load balancer, then the Ingress)": {
			peer: "10.1.2.3:80", xff: []string{"198.51.100.1, 203.0.113.9, 192.0.2.1"}, want: "203.0.113.9"},
		"several headers read as one list": {
			peer: "10.1.2.3:80", xff: []string{"198.51.100.1", "203.0.113.9, 10.9.9.9"}, want: "203.0.113.9"},
		"malformed hop stops at the last trusted": {peer: "10.1.2.3:80", xff: []string{"203.0.113.9, bogus"}, want: "10.1.2.3"},
		"no header behind a proxy":                {peer: "10.1.2.3:80", want: "10.1.2.3"},
		"only proxies":                            {peer: "10.1.2.3:80", xff: []string{"10.0.0.7, 192.0.2.1"}, want: "10.0.0.7"},
		"IPv4-mapped peer":                        {peer: "[::ffff:10.1.2.3]:80", xff: []string{"203.0.113.9"}, want: "203.0.113.9"},
		"IPv6 client through an IPv6 proxy":       {peer: "[fd00::1]:80", xff: []string{"2001:db8::7"}, want: "2001:db8::7"},
		"zone dropped":                            {peer: "10.1.2.3:80", xff: []string{"fe80::1%eth0"}, want: "fe80::1"},
		"too many trusted hops":                   {peer: "10.1.2.3:80", xff: []string{"203.0.113.9" + strings.Repeat(", 10.0.0.1", 20)}, want: "10.0.0.1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := proxies.ClientAddr(r).String(); got != tc.want {
				t.Errorf("ClientAddr = %s, want %s", got, tc.want)
			}
		})
	}
	// No trusted proxies (the default): the header is never read.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr, r.Header["X-Forwarded-For"] = "10.1.2.3:80", []string{"203.0.113.9"}
	if got := Proxies(nil).ClientAddr(r).String(); got != "10.1.2.3" {
		t.Errorf("without trusted proxies: %s", got)
	}
}

func TestParseProxy(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.0/8": "10.0.0.0/8", "10.1.2.3/8": "10.0.0.0/8", "192.0.2.1": "192.0.2.1/32", "::ffff:192.0.2.1": "192.0.2.1/32", "fd00::/8": "fd00::/8"} {
		p, err := ParseProxy(in)
		if err != nil || p.String() != want {
			t.Errorf("ParseProxy(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "ingress-nginx", "10.0.0.0/33", strings.Repeat("9", 1000)} {
		if _, err := ParseProxy(bad); err == nil || len(err.Error()) > 200 {
			t.Errorf("ParseProxy(%.20q): %v", bad, err)
		}
	}
}

// FuzzClientAddr: whatever the header says, the address is the peer or one
// of the header's hops, and the walk reads at most maxForwardedHops of them.
func FuzzClientAddr(f *testing.F) {
	f.Add("10.1.2.3:80", "198.51.100.1, 203.0.113.9")
	f.Add("203.0.113.9:1", ",,,")
	f.Add("[fd00::1]:80", "2001:db8::1%x, ::ffff:1.2.3.4")
	proxies, _ := ParseProxies([]string{"10.0.0.0/8", "fd00::/8"})
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		got := proxies.ClientAddr(r)
		if !got.IsValid() {
			return // an unparseable peer: keyed as "unknown"
		}
		if got == peerAddr(peer) {
			return
		}
		if !proxies.trusts(peerAddr(peer)) {
			t.Fatalf("an untrusted peer %q got address %s from its own header", peer, got)
		}
		for _, hop := range strings.Split(xff, ",") {
			if a, err := netip.ParseAddr(strings.TrimSpace(hop)); err == nil && a.Unmap().WithZone("") == got {
				return
			}
		}
		t.Fatalf("address %s is neither the peer %q nor a hop of the header %q", got, peer, xff)
	})
}
