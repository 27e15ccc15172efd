package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/limits"
)

func TestCleanBoundsEveryField(t *testing.T) {
	long := strings.Repeat("长", 500)
	d := map[string]string{}
	for i := 0; i < 5; i++ {
		d[string(rune('a'+i))] = long
	}
	e := Entry{Time: time.Date(2023, 2, 3, 4, 5, 6, 0, time.UTC), Event: long, User: "bad\xffname", Details: d}.Clean()
	if n := len([]rune(e.Event)); n != fieldRunes+1 {
		t.Errorf("event kept %d runes, want %d and an ellipsis", n, fieldRunes)
	}
	if e.User != "bad\uFFFDname" {
		t.Errorf("user %q: want invalid UTF-8 replaced", e.User)
	}
	for k, v := range e.Details {
		if n := len([]rune(v)); n != limits.AuditDetailRunes+1 {
			t.Errorf("detail %s kept %d runes", k, n)
		}
	}
	if _, err := Encode(e); err != nil {
		t.Errorf("encode a cleaned entry: %v", err)
	}
}

func TestDetails(t *testing.T) {
	cases := map[string]struct {
		attrs []any
		skip  []string
		want  map[string]string
	}{
		"pairs":          {[]any{"period", "2023-01", "problems", 3}, nil, map[string]string{"period": "2023-01", "problems": "3"}},
		"skipped":        {[]any{"role", "editor", "err", "boom", "period", "2023-01"}, []string{"role", "err"}, map[string]string{"period": "2023-01"}},
		"odd length":     {[]any{"period", "2023-01", "dangling"}, nil, map[string]string{"period": "2023-01"}},
		"non-string key": {[]any{3, "x", "file", "a.xlsx"}, nil, map[string]string{"file": "a.xlsx"}},
		"none":           {nil, nil, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Details(tc.attrs, tc.skip...)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
	var many []any
	for i := 0; i < 40; i++ {
		many = append(many, strings.Repeat("k", i+1), i)
	}
	if n := len(Details(many)); n != limits.AuditDetails {
		t.Errorf("kept %d details, want %d", n, limits.AuditDetails)
	}
}

func TestDecodeRefuses(t *testing.T) {
	cases := map[string]string{
		"not JSON":      `nope`,
		"unknown field": `{"time":"2023-01-02T00:00:00Z","event":"signin","extra":1}`,
		"no time":       `{"event":"signin"}`,
		"no event":      `{"time":"2023-01-02T00:00:00Z"}`,
		"two values":    `{"time":"2023-01-02T00:00:00Z","event":"signin"} {}`,
		"too large":     `{"time":"2023-01-02T00:00:00Z","event":"` + strings.Repeat("x", limits.AuditEntryBytes) + `"}`,
	}
	for name, in := range cases {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	e, err := Decode([]byte(`{"time":"2023-01-02T00:00:00Z","event":"signin","result":"success","user":"张三"}`))
	if err != nil || e.User != "张三" {
		t.Fatalf("decode a good entry: %+v, %v", e, err)
	}
}

func TestNamesSortNewestFirst(t *testing.T) {
	t0 := time.Date(2023, 1, 31, 23, 59, 59, 999_999_999, time.UTC)
	older, newer := name(t0, [8]byte{9}), name(t0.Add(time.Nanosecond), [8]byte{1})
	if !(newer < older) {
		t.Errorf("newer %s does not sort before older %s", newer, older)
	}
	for _, n := range []string{older, newer} {
		if !validName(n) {
			t.Errorf("%s: not a valid name", n)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor{Period: "2023-01", Name: name(time.Date(2023, 1, 5, 0, 0, 0, 0, time.UTC), [8]byte{0xab})}
	got, err := ParseCursor(c.String())
	if err != nil || got != c {
		t.Fatalf("ParseCursor(%q) = %+v, %v; want %+v", c.String(), got, err, c)
	}
	for _, bad := range []string{"2023-01", "2023-13/1", "2023-01/../x", "2023-01/" + strings.Repeat("1", 19) + "-ABCDEF0123456789", strings.Repeat("9", 70)} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) accepted", bad)
		}
	}
}

func TestBudgetCountsFailuresBeyondTheHour(t *testing.T) {
	l := New(nil, nil, time.UTC)
	at := time.Date(2023, 2, 1, 9, 0, 0, 0, time.UTC)
	fail := Entry{Time: at, Event: "signin", Result: "failure"}
	for i := 0; i < limits.AuditFailuresPerHour; i++ {
		if ok, s := l.budget(fail); !ok || s != nil {
			t.Fatalf("failure %d not written", i)
		}
	}
	for i := 0; i < 3; i++ {
		if ok, _ := l.budget(fail); ok {
			t.Fatal("failure beyond the budget written")
		}
	}
	for _, e := range []Entry{{Time: at, Event: "submit", Result: "success"}, {Time: at, Event: "refused", Result: "forbidden", User: "viewer"}, {Time: at, Event: "preview", Result: "refused", User: "admin"}} {
		if ok, _ := l.budget(e); !ok {
			t.Fatalf("%s %s beyond the failed sign-ins' budget was not written", e.Event, e.Result)
		}
	}
	ok, s := l.budget(Entry{Time: at.Add(time.Hour), Event: "signin", Result: "failure"})
	if !ok || s == nil || s.Details["count"] != "3" || s.Event != "suppressed" {
		t.Fatalf("next hour: written %v, summary %+v; want the count of 3", ok, s)
	}
}
