package notify

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// BlockedError is a webhook target refused by the SSRF policy.
type BlockedError struct{ Reason string }

func (e *BlockedError) Error() string { return "target refused: " + e.Reason }

// TargetPolicy says where webhook and robot requests may go. The default
// (zero) allows only https to public addresses: a tenant who can name a
// webhook URL must not be able to make the operator call the API server,
// the cloud metadata service or another tenant's portal. Tests and the local
// platform set AllowPrivate, whose receivers are on loopback.
type TargetPolicy struct {
	AllowPrivate bool // loopback, private, link-local and plain http allowed
}

// CheckURL refuses a target URL before any request: https only, no user
// info, and when the host is a literal address, a public one.
func (p TargetPolicy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Host == "" || u.User != nil {
		return fmt.Errorf("%q: give scheme://host/path, without user or password", redactURL(u))
	}
	if u.Scheme != "https" && !(p.AllowPrivate && u.Scheme == "http") {
		return fmt.Errorf("%q: only https is allowed", redactURL(u))
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil {
		return p.checkAddr(a)
	}
	return nil
}

func (p TargetPolicy) checkAddr(a netip.Addr) error {
	if p.AllowPrivate {
		return nil
	}
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() || cgnat.Contains(a) {
		return &BlockedError{Reason: a.String() + " is a loopback, private or cluster-internal address"}
	}
	return nil
}

// cgnat is 100.64.0.0/10, used by some clusters for pod and service ranges.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Client gives an HTTP client whose every connection is checked after name
// resolution, so a public name resolving to a private address (DNS
// rebinding) is refused too. Redirects are not followed: a vendor does not
// redirect, and a redirect is a way around the check.
func (p TargetPolicy) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: dialControl(p)}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a proxy would dial for us, past the check
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// dialControl checks the address a connection is about to be made to.
func dialControl(p TargetPolicy) func(_, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &BlockedError{Reason: "unparsable address " + address}
		}
		return p.checkAddr(ap.Addr())
	}
}

// redactURL drops the query (robot keys live there) for messages.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}
