package submission

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Which months may be submitted, and which prepared, at the turning
// instants in Asia/Shanghai (00:30 there is the previous UTC date).
func TestPeriodChecks(t *testing.T) {
	at := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, shanghai).UTC()
	}
	cases := []struct {
		period          string
		now             time.Time
		ended, prepared bool
	}{
		{"2026-11", at(2026, 12, 7, 10, 0), true, true},
		{"2026-12", at(2026, 12, 7, 10, 0), false, true}, // the month in progress
		{"2027-03", at(2026, 12, 7, 10, 0), false, false},
		{"2030-01", at(2026, 12, 7, 10, 0), false, false},
		{"2023-01", at(2026, 12, 7, 10, 0), true, true},
		{"2026-11", at(2026, 12, 1, 0, 30), true, true},    // 30 November 16:30 UTC
		{"2026-11", at(2026, 11, 30, 23, 30), false, true}, // the last half hour of it
		{"2026-12", at(2026, 11, 30, 23, 30), false, false},
		{"2026-12", at(2027, 1, 1, 0, 30), true, true}, // a year's turn
		{"2028-02", at(2028, 2, 29, 23, 30), false, true},
		{"2028-02", at(2028, 3, 1, 0, 30), true, true},
		{"2023-13", at(2026, 12, 7, 10, 0), false, false},
		{"2023-1", at(2026, 12, 7, 10, 0), false, false},
	}
	for _, c := range cases {
		if got := CheckEnded(c.period, c.now, shanghai) == nil; got != c.ended {
			t.Errorf("CheckEnded(%s at %v) = %v, want %v", c.period, c.now.In(shanghai), got, c.ended)
		}
		if got := CheckPreparable(c.period, c.now, shanghai) == nil; got != c.prepared {
			t.Errorf("CheckPreparable(%s at %v) = %v, want %v", c.period, c.now.In(shanghai), got, c.prepared)
		}
	}
	p := CheckEnded("2027-03", at(2026, 12, 7, 10, 0), shanghai)
	if p.Zh() != "报告期 2027-03 尚未结束，不能报送：只能报送已结束月份的数据（目前最近可报 2026-11）" ||
		!strings.Contains(p.En(), "period 2027-03 has not ended yet") {
		t.Errorf("wording: %s", p)
	}
}

// Preview refuses a month still running, and Confirm does again, even for
// a preview made when it had ended (a clock set back).
func TestPreviewConfirmRefuseOpenMonth(t *testing.T) {
	c := newCounty(t, minioServer(t))
	clock := &fakeClock{t: time.Date(2023, 2, 20, 2, 0, 0, 0, time.UTC)}
	svc := c.service(clock)
	ctx := context.Background()
	_, err := svc.Preview(ctx, "2023-02", Upload{Name: "feb.yaml", Data: []byte(februaryYAML)})
	if ps, ok := AsProblems(err); !ok || len(ps) != 1 || !strings.Contains(ps[0].Zh(), "2023-02 尚未结束") {
		t.Fatalf("preview of a running month: %v", err)
	}
	clock.t = time.Date(2023, 3, 2, 2, 0, 0, 0, time.UTC)
	p, err := svc.Preview(ctx, "2023-02", Upload{Name: "feb.yaml", Data: []byte(februaryYAML)})
	if err != nil {
		t.Fatal(err)
	}
	clock.t = time.Date(2023, 2, 27, 2, 0, 0, 0, time.UTC)
	if _, err := svc.Confirm(ctx, p, Confirmation{By: "wang"}); err == nil || !strings.Contains(err.Error(), "尚未结束") {
		t.Fatalf("confirm of a running month: %v", err)
	}
	if h, err := svc.History(ctx, "2023-02"); err != nil || len(h) != 0 {
		t.Fatalf("a refused confirm stored something: %v %v", h, err)
	}
}
