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
