package submission

import (
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/dataset"
)

func TestNamedPeriod(t *testing.T) {
	broken := workbook2023_02(t, func(f *excelize.File) {
		// A word in a number cell: the workbook fails its checks, and
		// still names its period.
		appendIndicator(t, f)
	})
	cases := map[string]struct {
		up   Upload
		want string
	}{
		"workbook":             {Upload{Name: "a.xlsx", Data: workbook2023_02(t, nil)}, "2023-02"},
		"workbook with errors": {Upload{Name: "a.xlsx", Data: broken}, "2023-02"},
		"json":                 {Upload{Name: "a.json", Data: []byte(`{"meta":{"countyCode":"999001","period":"2023-04"}}`)}, "2023-04"},
		"json bad period":      {Upload{Name: "a.json", Data: []byte(`{"meta":{"period":"2023-13"}}`)}, ""},
		"yaml failing checks":  {Upload{Name: "a.yaml", Data: []byte("meta:\n  countyCode: \"999001\"\n  period: \"2023-05\"\n")}, ""},
		"csv":                  {Upload{Name: "a.csv", Data: []byte("a,b\n")}, ""},
		"empty":                {Upload{Name: "a.xlsx"}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := NamedPeriod(tc.up); got != tc.want {
				t.Fatalf("NamedPeriod = %q, want %q", got, tc.want)
			}
		})
	}
}

// NamedPeriod never fails: whatever the bytes, a valid period or "".
func FuzzNamedPeriod(f *testing.F) {
	f.Add("a.json", []byte(`{"meta":{"period":"2023-04"}}`))
	f.Add("a.yaml", []byte("meta:\n  period: 2023-05\n"))
	f.Add("a.xlsx", []byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		p := NamedPeriod(Upload{Name: name, Data: data})
		if p != "" && !dataset.ValidPeriod(p) {
			t.Fatalf("NamedPeriod gave %q", p)
		}
	})
}
