package main

import (
	"flag"
	"fmt"
	"net/netip"
	"strconv"
)

// maxAPIServerEntries bounds --portal-apiserver-ports and
// --portal-apiserver-cidrs: a control plane has a handful of addresses, and
// every entry goes into each county portal's NetworkPolicy.
const maxAPIServerEntries = 16

// registerPortalEgressFlags adds the flags that narrow the county portals'
// egress to the Kubernetes API. The chart sets them from
// networkPolicy.apiServerPorts and networkPolicy.apiServerCIDRs, the same
// values that narrow the manager's own policy.
func registerPortalEgressFlags(fs *flag.FlagSet, o *managerOptions) {
	fs.Func("portal-apiserver-ports", "comma-separated TCP ports the county portals may reach the API server on "+
		"(after the kubernetes Service's translation). Empty: 443 and 6443", func(v string) error {
		ports, err := parsePorts(splitList(v))
		if err != nil {
			return fmt.Errorf("--portal-apiserver-ports: %w", err)
		}
		o.portalAPIServerPorts = ports
		return nil
	})
	fs.Func("portal-apiserver-cidrs", "comma-separated CIDRs of the API server's own addresses (its endpoints, "+
		"not the kubernetes Service's ClusterIP); the county portals reach the API only there. Empty: any address", func(v string) error {
		cidrs, err := parseCIDRs(splitList(v))
		if err != nil {
			return fmt.Errorf("--portal-apiserver-cidrs: %w", err)
		}
		o.portalAPIServerCIDRs = cidrs
		return nil
	})
}

func parsePorts(list []string) ([]int32, error) {
	if len(list) > maxAPIServerEntries {
		return nil, fmt.Errorf("%d entries, more than the %d allowed", len(list), maxAPIServerEntries)
	}
	var ports []int32
	for _, p := range list {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q is not a TCP port (1-65535)", p)
		}
		ports = append(ports, int32(n))
	}
	return ports, nil
}

// parseCIDRs accepts CIDRs and bare addresses (written back as /32 or
// /128), in their canonical form, as a NetworkPolicy's ipBlock wants them.
func parseCIDRs(list []string) ([]string, error) {
	if len(list) > maxAPIServerEntries {
		return nil, fmt.Errorf("%d entries, more than the %d allowed", len(list), maxAPIServerEntries)
	}
	var cidrs []string
	for _, c := range list {
		prefix, err := netip.ParsePrefix(c)
		if err != nil {
			addr, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return nil, fmt.Errorf("%q is neither a CIDR nor an IP address", c)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		cidrs = append(cidrs, prefix.Masked().String())
	}
	return cidrs, nil
}
