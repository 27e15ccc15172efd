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

func FuzzParseTestRequest(f *testing.F) {
	f.Add([]byte(`{"channel":"office","by":"shenhe","at":"2023-02-03T09:00:00Z"}`))
	f.Add([]byte(`{"channel":"-x","at":"2023-02-03T09:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseTestRequest(data)
		if err != nil {
			return
		}
		if !ValidChannelName(r.Channel) || r.At.IsZero() {
			t.Fatalf("accepted %+v", r)
		}
		id := TestRequestID(r.Channel, r.At)
		if !refRE.MatchString("test-" + id) {
			t.Fatalf("request id %q cannot be an event ref", id)
		}
	})
}
