package testenv

import (
	"os"
	"testing"
	"time"
)

// The matrix run (hack/clock-matrix.sh) proves nothing unless the suites'
// clock is the instant it sets: this test, run under each, checks that.
func TestNowFollowsTheEnvironment(t *testing.T) {
	v, set := os.LookupEnv(NowEnv)
	want := DefaultNow
	if set {
		var err error
		if want, err = time.Parse(time.RFC3339, v); err != nil {
			t.Fatalf("%s=%q: %v", NowEnv, v, err)
		}
	}
	if got := Now(); !got.Equal(want) {
		t.Fatalf("Now() = %s, want %s", got, want)
	}
	// The servers' clock starts there and runs on: within the test's own
	// lifetime it cannot have moved by a day.
	if d := Clock().Now().Sub(want); d < 0 || d > 24*time.Hour {
		t.Fatalf("Clock() reads %s, %s from %s", Clock().Now(), d, want)
	}
}
