package testenv

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// NowEnv names the environment variable that sets the instant the suites
// take for "now" (RFC 3339, for example 2028-02-29T23:30:00+08:00).
// hack/clock-matrix.sh runs the date-dependent tests under the instants
// that matter to a monthly deadline: the 1st, the 5th, the 6th and the last
// day of a month, at 00:30 and 23:30 Asia/Shanghai (different UTC dates),
// and in a February of a leap year.
const NowEnv = "COUNTYREPORT_TEST_NOW"

// DefaultNow is "now" when NowEnv is unset: a fixed instant (10:00 in
// Asia/Shanghai, the controllers suite's fake clock), so that no test's
// outcome depends on the day it runs.
var DefaultNow = time.Date(2026, 10, 15, 2, 0, 0, 0, time.UTC)

// Now is the instant the tests take for now: NowEnv, or DefaultNow. A
// malformed NowEnv panics, naming the variable: a matrix run that silently
// fell back to the default would prove nothing.
func Now() time.Time {
	v := os.Getenv(NowEnv)
	if v == "" {
		return DefaultNow
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		panic(fmt.Sprintf("%s=%q: not an RFC 3339 time (e.g. 2028-02-29T23:30:00+08:00): %v", NowEnv, v, err))
	}
	return t
}

var processClock = sync.OnceValue(func() ShiftedClock { return ShiftTo(Now()) })

// Clock is the clock servers under test run on: it read Now() when the
// process first asked and runs in real time from there, so caches, idle
// timeouts and polls still move while the date is the test's. Every test
// of a process shares it, so the servers and the test agree on the month.
func Clock() ShiftedClock { return processClock() }
