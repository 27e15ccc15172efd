package portal_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// hostileWorkbook is a made-up .xlsx whose sheet 指标 has a thousand cells
// in column XFD (35 KB that peaked at +2 GiB when excelize filled the rows).
func hostileWorkbook(t *testing.T) []byte {
	t.Helper()
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r := 1; r <= 1000; r++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, r, r)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="指标" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": sheet.String(),
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, err := zw.Create(name)
		mustDo(t, err)
		_, err = w.Write([]byte(body))
		mustDo(t, err)
	}
	mustDo(t, zw.Close())
	return buf.Bytes()
}

// The workbook is refused through the real portal, naming the sheet and
// the cell, and the portal's memory stays within budget.
func TestHostileWorkbookUpload(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	data := hostileWorkbook(t)
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	resp, body := u.uploadFile("2023-02", "hostile.xlsx", data)
	runtime.ReadMemStats(&b)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "指标!XFD1") || !strings.Contains(body, "超出工作表范围") {
		t.Fatalf("a %d-byte workbook with cells in column XFD: %d\n%s", len(data), resp.StatusCode, problemsOf(body))
	}
	if used := b.TotalAlloc - a.TotalAlloc; used > 128<<20 {
		t.Errorf("refusing it allocated %d MiB in the process, budget 128 MiB", used>>20)
	}
}
