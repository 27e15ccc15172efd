package main

import (
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

func TestManagerFlags(t *testing.T) {
	for _, k := range []string{storage.EnvEndpoint, storage.EnvAccessKey, storage.EnvSecretKey} {
		t.Setenv(k, "")
	}
	defaults, err := parseManagerFlags(nil)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if defaults.executor != "job" || defaults.runMaxAttempts != 5 || defaults.runRetryBackoff != 30*time.Second ||
		defaults.jobBackoffLimit != 2 || defaults.jobDeadline != 30*time.Minute || defaults.jobTTL != 24*time.Hour {
		t.Errorf("defaults: %+v", defaults)
	}
	custom, err := parseManagerFlags([]string{"--executor=inprocess", "--run-max-attempts=3", "--run-retry-backoff=1m",
		"--job-backoff-limit=0", "--job-active-deadline=2h", "--job-ttl-after-finished=0s",
		"--county-hosts={code}.reports.example.gov.cn,*.portal.example.org"})
	if err != nil {
		t.Fatalf("custom: %v", err)
	}
	if custom.executor != "inprocess" || custom.runMaxAttempts != 3 || custom.runRetryBackoff != time.Minute ||
		custom.jobBackoffLimit != 0 || custom.jobDeadline != 2*time.Hour || custom.jobTTL != 0 ||
		custom.countyHosts != "{code}.reports.example.gov.cn,*.portal.example.org" {
		t.Errorf("custom: %+v", custom)
	}
	proxies, err := parseManagerFlags([]string{"--trusted-proxies=10.244.0.0/16, 192.0.2.7"})
	if err != nil || len(proxies.trustedProxies) != 2 || proxies.trustedProxies[1] != "192.0.2.7" {
		t.Errorf("--trusted-proxies: %v %+v", err, proxies)
	}
	egress, err := parseManagerFlags([]string{"--portal-apiserver-ports=6443", "--portal-apiserver-cidrs=10.241.0.1, 192.0.2.0/24,2001:db8::7,10.1.2.3/16"})
	if err != nil || len(egress.portalAPIServerPorts) != 1 || egress.portalAPIServerPorts[0] != 6443 ||
		strings.Join(egress.portalAPIServerCIDRs, ",") != "10.241.0.1/32,192.0.2.0/24,2001:db8::7/128,10.1.0.0/16" {
		t.Errorf("--portal-apiserver-*: %v %+v", err, egress)
	}

	bad := []struct{ arg, flag string }{
		{"--executor=cron", "--executor"},
		{"--run-concurrency=0", "--run-concurrency"},
		{"--run-max-attempts=0", "--run-max-attempts"},
		{"--run-max-attempts=101", "--run-max-attempts"},
		{"--run-retry-backoff=100ms", "--run-retry-backoff"},
		{"--job-backoff-limit=-1", "--job-backoff-limit"},
		{"--job-active-deadline=10s", "--job-active-deadline"},
		{"--job-ttl-after-finished=-1s", "--job-ttl-after-finished"},
		{"--portal-image=", "--portal-image"},
		{"--trusted-proxies=10.0.0.0/8,ingress-nginx", "--trusted-proxies"},
		{"--trusted-proxies=" + strings.Repeat("10.0.0.1,", 65), "--trusted-proxies"},
		{"--county-hosts={code}", "--county-hosts"},
		{"--portal-apiserver-ports=0", "--portal-apiserver-ports"},
		{"--portal-apiserver-ports=65536", "--portal-apiserver-ports"},
		{"--portal-apiserver-ports=https", "--portal-apiserver-ports"},
		{"--portal-apiserver-ports=" + strings.Repeat("443,", 17), "--portal-apiserver-ports"},
		{"--portal-apiserver-cidrs=kubernetes.default", "--portal-apiserver-cidrs"},
		{"--portal-apiserver-cidrs=10.0.0.0/33", "--portal-apiserver-cidrs"},
		{"--portal-apiserver-cidrs=" + strings.Repeat("10.0.0.1,", 17), "--portal-apiserver-cidrs"},
		{"--county-hosts=reports_{code}.example.org", "--county-hosts"},
		{"--county-hosts=*.*.example.org", "--county-hosts"},
	}
	for _, tc := range bad {
		_, err := parseManagerFlags([]string{tc.arg})
		if err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%s: error %v, want one naming %s", tc.arg, err, tc.flag)
		}
	}
}

// FuzzPortalEgressFlags: whatever the flags say, the parsers either refuse
// or return canonical entries that parse again to themselves.
func FuzzPortalEgressFlags(f *testing.F) {
	for _, s := range []string{"443,6443", "10.241.0.1", "192.0.2.0/24,2001:db8::7", "0", "a/b", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if ports, err := parsePorts(splitList(v)); err == nil {
			for _, p := range ports {
				if p < 1 || p > 65535 {
					t.Fatalf("%q: port %d", v, p)
				}
			}
		}
		cidrs, err := parseCIDRs(splitList(v))
		if err != nil {
			return
		}
		again, err := parseCIDRs(cidrs)
		if err != nil || strings.Join(again, ",") != strings.Join(cidrs, ",") {
			t.Fatalf("%q: %v does not parse to itself: %v %v", v, cidrs, again, err)
		}
	})
}
