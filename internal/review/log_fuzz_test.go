package review_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/review"
)

// FuzzParseLog: any input either parses into a log whose every entry
// passes Check and which round-trips, or is refused; it never panics.
func FuzzParseLog(f *testing.F) {
	good := review.Log{Schema: review.Schema, Period: "2023-01", Entries: []review.Entry{{
		Verdict: review.VerdictReturned, By: "市统计局", At: time.Date(2023, 2, 3, 4, 5, 6, 0, time.UTC),
		Comment: "请核实", DatasetSHA256: strings.Repeat("a", 64),
	}}}
	raw, _ := json.Marshal(good)
	f.Add(raw)
	f.Add([]byte(`{"schema":"countyreport.review/v1","period":"2023-01","entries":[]}`))
	f.Add([]byte(`{"schema":"countyreport.review/v1","period":"2023-01","entries":[{"verdict":"accepted"}]}`))
	f.Add([]byte(`{"schema":"x"}{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		log, err := review.ParseLog(data, "2023-01")
		if err != nil {
			return
		}
		for _, e := range log.Entries {
			if e.Check() != nil {
				t.Fatalf("parsed an invalid entry %+v", e)
			}
		}
		again, err := json.Marshal(log)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := review.ParseLog(again, "2023-01"); err != nil {
			t.Fatalf("a parsed log does not parse again: %v\n%s", err, again)
		}
	})
}

func TestParseLogRefuses(t *testing.T) {
	cases := map[string]string{
		"other period":    `{"schema":"countyreport.review/v1","period":"2023-02","entries":[]}`,
		"other schema":    `{"schema":"v0","period":"2023-01","entries":[]}`,
		"unknown field":   `{"schema":"countyreport.review/v1","period":"2023-01","entries":[],"accepted":true}`,
		"trailing data":   `{"schema":"countyreport.review/v1","period":"2023-01","entries":[]} {}`,
		"invalid entry":   `{"schema":"countyreport.review/v1","period":"2023-01","entries":[{"verdict":"accepted","by":"x"}]}`,
		"not JSON at all": `review`,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := review.ParseLog([]byte(data), "2023-01"); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
