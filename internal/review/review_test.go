package review

import (
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/storage"
)

func TestDeadline(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		period string
		day    int
		want   string
	}{
		"January by the 5th":      {"2023-01", 5, "2023-02-06T00:00:00+08:00"},
		"December into next year": {"2023-12", 5, "2024-01-06T00:00:00+08:00"},
		"the 28th of February":    {"2024-01", 28, "2024-02-29T00:00:00+08:00"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := period.Parse(tc.period)
			if err != nil {
				t.Fatal(err)
			}
			if got := Deadline(p, tc.day, sh).Format(time.RFC3339); got != tc.want {
				t.Fatalf("deadline %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDerive(t *testing.T) {
	deadline := time.Date(2023, 2, 6, 0, 0, 0, 0, time.UTC)
	before, after := deadline.Add(-time.Hour), deadline.Add(time.Hour)
	v1, v2 := strings.Repeat("1", 64), strings.Repeat("2", 64)
	ds := func(sum string, at time.Time) *storage.DatasetInfo {
		return &storage.DatasetInfo{Object: storage.Object{SHA256: sum}, Modified: at}
	}
	verdict := func(v, sum string) storage.ReviewEntry {
		return storage.ReviewEntry{Verdict: v, By: "city", At: before, DatasetSHA256: sum, Comment: "x"}
	}
	log := func(es ...storage.ReviewEntry) storage.ReviewLog { return storage.ReviewLog{Entries: es} }
	cases := map[string]struct {
		ds    *storage.DatasetInfo
		log   storage.ReviewLog
		now   time.Time
		state string
		late  bool
	}{
		"nothing before the deadline":        {nil, log(), before, NotSubmitted, false},
		"nothing at the deadline is overdue": {nil, log(), deadline, Overdue, false},
		"submitted":                          {ds(v1, before), log(), after, Submitted, false},
		"submitted late":                     {ds(v1, after), log(), after, Submitted, true},
		"accepted":                           {ds(v1, before), log(verdict(Accepted, v1)), after, Accepted, false},
		"returned":                           {ds(v1, before), log(verdict(Returned, v1)), after, Returned, false},
		"resubmitted after a return":         {ds(v2, before), log(verdict(Returned, v1)), after, Resubmitted, false},
		"changed after acceptance":           {ds(v2, before), log(verdict(Accepted, v1)), after, Resubmitted, false},
		"accepted on resubmission":           {ds(v2, before), log(verdict(Returned, v1), verdict(Accepted, v2)), after, Accepted, false},
		"verdicts but the dataset went away": {nil, log(verdict(Accepted, v1)), after, Overdue, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Derive(tc.ds, tc.log, deadline, tc.now)
			if got.State != tc.state || got.Late != tc.late {
				t.Fatalf("state %s late %v, want %s late %v", got.State, got.Late, tc.state, tc.late)
			}
		})
	}
}

func TestCountHasEveryState(t *testing.T) {
	got := Count([]Status{{State: Accepted}, {State: Accepted}, {State: Overdue}})
	if len(got) != len(States) || got[Accepted] != 2 || got[Overdue] != 1 || got[Submitted] != 0 {
		t.Fatalf("count %v", got)
	}
}
