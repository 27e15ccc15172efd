package submission

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/dataset"
)

// Whatever bytes arrive, Parse refuses them with problems or gives a
// dataset that dataset.Parse accepts as stored; it never panics.
func FuzzParse(f *testing.F) {
	ds := hengshan(f)
	tmpl, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02", Base: ds})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tmpl, "t.xlsx")
	f.Add(tmpl[:len(tmpl)/2], "half.xlsx")
	f.Add([]byte(februaryYAML), "f.yaml")
	f.Add([]byte(`{"meta":{"countyCode":"430423"}}`), "f.json")
	f.Add([]byte("PK\x03\x04"), "")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		p, err := Parse(Upload{Name: name, Data: data}, Expect{CountyCode: "430423", Period: "2023-02", Base: ds})
		if err != nil {
			ps, ok := AsProblems(err)
			if !ok || len(ps) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, pr := range ps {
				if pr.Msg == "" || pr.MsgEn == "" {
					t.Fatalf("a problem without its message in both languages: %+v", pr)
				}
			}
			return
		}
		if _, err := dataset.Parse(p.Normalized, "dataset.json"); err != nil {
			t.Fatalf("accepted, but the stored form is refused: %v", err)
		}
		if p.Dataset.Meta.CountyCode != "430423" || p.Dataset.Meta.Period != "2023-02" {
			t.Fatalf("accepted for %s %s", p.Dataset.Meta.CountyCode, p.Dataset.Meta.Period)
		}
	})
}

// A number read from a cell is a valid literal of the value Excel holds
// (to its 15 significant digits).
func FuzzNumberLiteral(f *testing.F) {
	for _, s := range []string{"7", "6.31", "6.3099999999999996", "-0", "1e300", "1E-7", "0.1", "nan", "Inf", ""} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, raw string, dec int) {
		lit, ok := numberLiteral(raw, dec)
		if !ok {
			return
		}
		n, valid := dataset.NewNumber(lit)
		if !valid {
			t.Fatalf("numberLiteral(%q, %d) = %q: not a JSON number", raw, dec, lit)
		}
		want, _ := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		want, _ = strconv.ParseFloat(strconv.FormatFloat(want, 'g', 15, 64), 64)
		if n.Float() != want {
			t.Fatalf("numberLiteral(%q, %d) = %q = %v, want %v", raw, dec, lit, n.Float(), want)
		}
	})
}

// Number format codes of any shape give a decimal count from -1 to the
// code's length.
func FuzzFormatDecimals(f *testing.F) {
	for _, s := range []string{"0", "0.00", "#,##0.0_);(#,##0.0)", `0.0"亿元"`, "0.00%", "yyyy-mm-dd", `[Red]0.0;\-0.0`, "[", `"`, `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		d, _ := formatDecimals(code)
		if d < -1 || d > len(code) {
			t.Fatalf("formatDecimals(%q) = %d", code, d)
		}
	})
}

// Any path dataset may report is located without a panic, and a path the
// workbook holds a cell for is located at that cell.
func FuzzWhere(f *testing.F) {
	data := workbook2023_02Fuzz(f)
	_, loc, _, _ := readWorkbook(data)
	for _, s := range []string{"indicators[3].unit", "indicators[3]", "sections[2].items[1]", "meta.event.date", "meta.lead[9]", "", "[", "a[", "]", "x.y[1].z", "indicators[99999999999999999999]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		zh, en := loc.where(path)
		if (zh == "") != (en == "") {
			t.Fatalf("where(%q) = %q, %q", path, zh, en)
		}
		if c, ok := loc.cells[path]; ok {
			if want, _ := c.names(); zh != want {
				t.Fatalf("where(%q) = %q, want its cell %q", path, zh, want)
			}
		}
	})
}

func workbook2023_02Fuzz(f *testing.F) []byte {
	x, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02", Base: hengshan(f)})
	if err != nil {
		f.Fatal(err)
	}
	return x
}

// A number typed as text is accepted only as a literal dataset takes, and
// one already plain is kept exactly.
func FuzzTextNumber(f *testing.F) {
	for _, s := range []string{"7.0", " +7.0 ", "1,234.5", "1,23", "-0", "1e5", "七", "", "+-1", "1,234,567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, ok := textNumber(raw)
		if !ok {
			return
		}
		if _, valid := dataset.NewNumber(s); !valid {
			t.Fatalf("textNumber(%q) = %q: not a number literal", raw, s)
		}
		if _, valid := dataset.NewNumber(raw); valid && s != raw {
			t.Fatalf("textNumber(%q) = %q: a plain literal changed", raw, s)
		}
	})
}

// Records read back from storage are checked, never trusted: any bytes give
// a record of the period and id asked for, or an error.
func FuzzParseRecord(f *testing.F) {
	good, _ := json.Marshal(Record{Schema: RecordSchema, ID: "x", Period: "2023-02"})
	f.Add(good, "2023-02", "x")
	f.Add([]byte(`{"schema":1}`), "2023-02", "x")
	f.Add([]byte(`null`), "", "")
	f.Fuzz(func(t *testing.T, data []byte, period, id string) {
		r, err := parseRecord(data, period, id)
		if err == nil && (r.ID != id || r.Period != period || r.Schema != RecordSchema) {
			t.Fatalf("parseRecord accepted %+v for %s %s", r, period, id)
		}
	})
}

// Whatever a user types into any cell of the template, Parse gives
// problems in both languages or a dataset for this county and period.
func FuzzWorkbookCell(f *testing.F) {
	base := hengshan(f)
	tmpl, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02", Base: base})
	if err != nil {
		f.Fatal(err)
	}
	sheets := append([]string{sheetMeta}, indicatorSheet.name, sectionSheet.name, projectSheet.name, photoSheet.name)
	f.Add(uint8(1), uint8(3), uint16(6), "六点三", false)
	f.Add(uint8(1), uint8(5), uint16(5), "250", true)
	f.Add(uint8(0), uint8(4), uint16(7), "2023-03", false)
	f.Add(uint8(2), uint8(1), uint16(7), "计划", false)
	f.Add(uint8(1), uint8(1), uint16(3), "remark", false)
	f.Fuzz(func(t *testing.T, sheet uint8, col uint8, row uint16, text string, number bool) {
		s := sheets[int(sheet)%len(sheets)]
		ref, err := excelize.CoordinatesToCellName(int(col)%16+1, int(row)%300+1)
		if err != nil {
			return // not a cell the template has: nothing to test
		}
		data := fill(t, tmpl, func(x *excelize.File) {
			if number {
				if err := x.SetCellDefault(s, ref, text); err != nil {
					return // excelize refuses the value: the cell stays empty
				}
			} else if err := x.SetCellStr(s, ref, text); err != nil {
				return // excelize refuses the text: the cell stays empty
			}
		})
		p, err := Parse(Upload{Name: "f.xlsx", Data: data}, Expect{CountyCode: "430423", Period: "2023-02", Base: base})
		if err != nil {
			ps, ok := AsProblems(err)
			if !ok || len(ps) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, pr := range ps {
				if pr.Msg == "" || pr.MsgEn == "" || pr.Where == "" {
					t.Fatalf("problem without a place or a message: %+v", pr)
				}
			}
			return
		}
		if p.Dataset.Meta.CountyCode != "430423" || p.Dataset.Meta.Period != "2023-02" {
			t.Fatalf("accepted for %s %s", p.Dataset.Meta.CountyCode, p.Dataset.Meta.Period)
		}
	})
}
