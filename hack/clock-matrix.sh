#!/usr/bin/env bash
# Runs the tests whose outcome depends on the date under the instants where
# a monthly deadline turns, so that `make test` proves the suite passes on
# any day: the 1st, the 5th (the default review deadline), the 6th and the
# last day of a month, each at 00:30 and 23:30 Asia/Shanghai (the previous
# and the same UTC date), and the end of a leap February.
#
# Each test listed here takes "now" from testenv.Clock() or testenv.Now(),
# which read COUNTYREPORT_TEST_NOW (docs/development.md, "Tests and time").
# A test that derives a period, a deadline or a state from the date belongs
# in this list.
set -euo pipefail
cd "$(dirname "$0")/.."

instants=(
  2027-01-01T00:30:00+08:00 2027-01-01T23:30:00+08:00
  2026-12-05T00:30:00+08:00 2026-12-05T23:30:00+08:00
  2026-12-06T00:30:00+08:00 2026-12-06T23:30:00+08:00
  2026-12-31T00:30:00+08:00 2026-12-31T23:30:00+08:00
  2028-02-29T00:30:00+08:00 2028-02-29T23:30:00+08:00
)
# package and the tests (a -run pattern) that depend on the date
tests=(
  "./internal/testenv TestNowFollowsTheEnvironment"
  "./internal/portal TestDashboardShowsCityReview"
)

for now in "${instants[@]}"; do
  for entry in "${tests[@]}"; do
    pkg=${entry%% *} run=${entry#* }
    echo "clock-matrix: $now $pkg $run"
    COUNTYREPORT_TEST_NOW=$now go test ${GO_TEST_FLAGS:-} -run "^(${run})\$" "$pkg"
  done
done
