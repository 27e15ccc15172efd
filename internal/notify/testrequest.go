package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// TestRequest is a city editor's request, from the city portal's
// notifications page, for a test message through one channel (Grafana's
// "Test" button). The portal cannot write the outbox; it stores this in
// the city's bucket (storage.PutNotifyTest) and the notifier turns it into
// an EventTest record, so the test is delivered, retried and logged like
// any message.
type TestRequest struct {
	Channel string    `json:"channel"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

var channelNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$`)

// maxTestRequest bounds a stored request.
const maxTestRequest = 1 << 10

// ValidChannelName says whether s is a channel name the API accepts.
func ValidChannelName(s string) bool { return channelNameRE.MatchString(s) }

// TestRequestID is the request's object name: one per channel and second,
// so a double click is one request.
func TestRequestID(channel string, at time.Time) string {
	return channel + "." + at.UTC().Format("20060102t150405z")
}

// ParseTestRequest reads a stored request: bounded, strict, a valid
// channel name and a time.
func ParseTestRequest(data []byte) (TestRequest, error) {
	var r TestRequest
	if len(data) > maxTestRequest {
		return r, fmt.Errorf("test request is %d bytes, more than %d", len(data), maxTestRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return TestRequest{}, fmt.Errorf("test request: %w", err)
	}
	if dec.More() {
		return TestRequest{}, errors.New("test request: more than one JSON value")
	}
	switch {
	case !ValidChannelName(r.Channel):
		return TestRequest{}, fmt.Errorf("test request: channel %q is not a channel name", r.Channel)
	case r.At.IsZero():
		return TestRequest{}, errors.New("test request: no time")
	case len(r.By) > 200:
		return TestRequest{}, errors.New("test request: by is longer than 200 bytes")
	}
	return r, nil
}
