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
	// A dataset as the server describes it: its version id, and the SHA-256
	// its county stored as metadata (which the county may forge).
	ds := func(version, claimed string, at time.Time) *storage.DatasetInfo {
		return &storage.DatasetInfo{Object: storage.Object{VersionID: version, SHA256: claimed}, Modified: at}
	}
	// The same on a server that keeps no versions: the reader hashed the bytes.
	unversioned := func(content string) *storage.DatasetInfo {
		return &storage.DatasetInfo{Object: storage.Object{VersionID: "null", SHA256: content}, Modified: before, ContentSHA256: content}
	}
	verdict := func(v, version, sum string) Entry {
		return Entry{Verdict: v, By: "city", At: before, DatasetSHA256: sum, DatasetVersion: version, Comment: "x", Binding: BindingCityRead}
	}
	legacy := func(v, version, sum string) Entry {
		e := verdict(v, version, sum)
		e.Binding = ""
		return e
	}
	log := func(es ...Entry) Log { return Log{Entries: es} }
	cases := map[string]struct {
		ds    *storage.DatasetInfo
		log   Log
		now   time.Time
		state string
		late  bool
	}{
		"nothing before the deadline":        {nil, log(), before, NotSubmitted, false},
		"nothing at the deadline is overdue": {nil, log(), deadline, Overdue, false},
		"submitted":                          {ds("a", v1, before), log(), after, Submitted, false},
		"submitted late":                     {ds("a", v1, after), log(), after, Submitted, true},
		"accepted":                           {ds("a", v1, before), log(verdict(Accepted, "a", v1)), after, Accepted, false},
		"returned":                           {ds("a", v1, before), log(verdict(Returned, "a", v1)), after, Returned, false},
		"resubmitted after a return":         {ds("b", v2, before), log(verdict(Returned, "a", v1)), after, Resubmitted, false},
		"changed after acceptance":           {ds("b", v2, before), log(verdict(Accepted, "a", v1)), after, Resubmitted, false},
		"accepted on resubmission":           {ds("b", v2, before), log(verdict(Returned, "a", v1), verdict(Accepted, "b", v2)), after, Accepted, false},
		"verdicts but the dataset went away": {nil, log(verdict(Accepted, "a", v1)), after, Overdue, false},
		// The attack: new figures with the accepted dataset's metadata copied.
		"new figures, metadata copied":         {ds("b", v1, before), log(verdict(Accepted, "a", v1)), after, Resubmitted, false},
		"entry from before the binding":        {ds("a", v1, before), log(legacy(Accepted, "a", v1)), after, Resubmitted, false},
		"no versions: the same bytes":          {unversioned(v1), log(verdict(Accepted, "null", v1)), after, Accepted, false},
		"no versions: other bytes":             {unversioned(v2), log(verdict(Accepted, "null", v1)), after, Resubmitted, false},
		"no versions, no hash: nothing binds":  {ds("null", v1, before), log(verdict(Accepted, "null", v1)), after, Resubmitted, false},
		"a version id the city did not see":    {ds("", v1, before), log(verdict(Accepted, "", v1)), after, Resubmitted, false},
		"accepted version, bytes read matched": {&storage.DatasetInfo{Object: storage.Object{VersionID: "a"}, ContentSHA256: v1}, log(verdict(Accepted, "a", v1)), after, Accepted, false},
		"accepted version, bytes read differ":  {&storage.DatasetInfo{Object: storage.Object{VersionID: "a"}, ContentSHA256: v2}, log(verdict(Accepted, "a", v1)), after, Resubmitted, false},
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

// Recheck: the bytes a reader got must be those the city hashed.
func TestRecheck(t *testing.T) {
	v1, v2 := strings.Repeat("1", 64), strings.Repeat("2", 64)
	e := Entry{Verdict: Accepted, By: "city", DatasetSHA256: v1, DatasetVersion: "a", Binding: BindingCityRead}
	accepted := Status{State: Accepted, Last: &e}
	read := func(version, sum string) storage.DatasetInfo {
		return storage.DatasetInfo{Object: storage.Object{VersionID: version}, ContentSHA256: sum}
	}
	cases := map[string]struct {
		s    Status
		read storage.DatasetInfo
		want string
	}{
		"the bytes the city saw":        {accepted, read("a", v1), Accepted},
		"other bytes under its version": {accepted, read("a", v2), Resubmitted},
		"another version":               {accepted, read("b", v1), Resubmitted},
		"submitted stays submitted":     {Status{State: Submitted}, read("b", v2), Submitted},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Recheck(tc.s, tc.read).State; got != tc.want {
				t.Fatalf("state %s, want %s", got, tc.want)
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
