package submission

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/limits"
)

// withRows is the template with extra XML put at the end of the sheet
// data of 指标 (rows written by hand, as a hostile workbook would be).
func withRows(t testing.TB, rows string) []byte {
	t.Helper()
	tmpl, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02"})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(tmpl), int64(len(tmpl)))
	if err != nil {
		t.Fatal(err)
	}
	part := ""
	for p, name := range sheetPartNames(zr) {
		if name == "指标" {
			part = p
		}
	}
	if part == "" {
		t.Fatal("the template has no sheet 指标")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.ToLower(f.Name) == part {
			s := string(b)
			if strings.Contains(s, "<sheetData/>") {
				s = strings.Replace(s, "<sheetData/>", "<sheetData>"+rows+"</sheetData>", 1)
			} else {
				s = strings.Replace(s, "</sheetData>", rows+"</sheetData>", 1)
			}
			b = []byte(s)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A workbook with cells far outside the sheet (column XFD, row 1,048,576)
// is refused by the streaming scan, naming the sheet and the cell, before
// excelize fills the rows and columns up to them (a 35 KB workbook with
// cells in column XFD peaked at +2 GiB).
func TestSheetOutsideLimits(t *testing.T) {
	var xfd strings.Builder
	for r := 10; r < 1010; r++ {
		fmt.Fprintf(&xfd, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, r, r)
	}
	var styled strings.Builder
	for r := 10; r < 10+limits.XLSXRows; r++ {
		fmt.Fprintf(&styled, `<row r="%d"><c r="A%d" s="0"/></row>`, r, r)
	}
	var noRefs strings.Builder
	noRefs.WriteString(`<row r="9">`)
	for range limits.XLSXColumns + 1 {
		noRefs.WriteString(`<c t="inlineStr"><is><t>x</t></is></c>`)
	}
	noRefs.WriteString(`</row>`)
	for name, tc := range map[string]struct {
		rows, where string
	}{
		"a thousand cells in column XFD": {xfd.String(), "指标!XFD10"},
		"the last row of Excel":          {`<row r="1048576"><c r="A1048576" s="0"/></row>`, "指标!第1048576行"},
		"styled rows past the limit":     {styled.String(), fmt.Sprintf("指标!第%d行", limits.XLSXRows+1)},
		"cells without references":       {noRefs.String(), "指标!BM9"},
	} {
		t.Run(name, func(t *testing.T) {
			data := withRows(t, tc.rows)
			var err error
			var a, b runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&a)
			_, err = Parse(Upload{Name: "hostile.xlsx", Data: data}, Expect{})
			runtime.ReadMemStats(&b)
			ps, ok := AsProblems(err)
			if !ok || len(ps) != 1 || ps[0].Where != tc.where || !strings.HasPrefix(ps[0].Msg, "超出工作表范围") || !strings.Contains(ps[0].WhereEn, "Indicators!") {
				t.Fatalf("a %d-byte workbook: %v, want one problem at %s", len(data), err, tc.where)
			}
			if used := b.TotalAlloc - a.TotalAlloc; used > 64<<20 {
				t.Errorf("refusing a %d-byte workbook allocated %d MiB, budget 64 MiB", len(data), used>>20)
			}
		})
	}
}

// A workbook at the limits is read.
func TestSheetAtLimits(t *testing.T) {
	last := fmt.Sprintf(`<row r="%d"><c r="BL%d" s="0"/></row>`, limits.XLSXRows, limits.XLSXRows)
	_, err := Parse(Upload{Name: "edge.xlsx", Data: withRows(t, last)}, Expect{})
	if ps, ok := AsProblems(err); ok {
		for _, p := range ps {
			if strings.HasPrefix(p.Msg, "超出工作表范围") {
				t.Fatalf("a styled cell at the last cell allowed was refused: %v", p)
			}
		}
	}
}

// The scan reads any bytes without panicking and names what it refuses.
func FuzzScanSheet(f *testing.F) {
	f.Add(`<row r="1"><c r="A1"/></row>`)
	f.Add(`<row r="99999999999999999999"><c r="XFD1"/></row>`)
	f.Add(`<row><c/><c r="ZZZZ9"/></row>`)
	f.Add(`<row r="-1"><c r="A0"/></row>`)
	f.Fuzz(func(t *testing.T, rows string) {
		p := scanSheet(xmlDecoder(rows), "指标")
		if p != nil && (p.Where == "" || p.Msg == "" || p.MsgEn == "") {
			t.Fatalf("unnamed refusal %+v", p)
		}
	})
}

func xmlDecoder(s string) *xml.Decoder {
	return xml.NewDecoder(strings.NewReader("<worksheet><sheetData>" + s + "</sheetData></worksheet>"))
}
