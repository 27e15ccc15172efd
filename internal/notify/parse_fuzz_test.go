package notify

import (
	"testing"
	"time"
)

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-5", "Fri, 03 Feb 2023 01:31:00 GMT", "99999999999999999999", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := retryAfter(s, fixedNow)
		if d < 0 || d > 24*time.Hour {
			t.Fatalf("retryAfter(%q) = %v, outside [0, 24h]", s, d)
		}
	})
}

func FuzzWebhookKey(f *testing.F) {
	for _, s := range []string{testWebhookSecret, "whsec_", "whsec_====", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := webhookKey(s)
		if err == nil && (len(k) < 24 || len(k) > 64) {
			t.Fatalf("webhookKey(%q) accepted a %d-byte key", s, len(k))
		}
	})
}
