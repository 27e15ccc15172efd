package city

import (
	"strings"
	"testing"
	"unicode"

	"github.com/countyreport/countyreport/internal/render/pdftest"
)

// Both editions of the city's report are tagged PDFs, as poppler (pdfinfo
// -struct-text) and qpdf read them: the cover's title and the chapters as
// H1 in order, each indicator an H2, every table's first row column
// headers and each later row headed by its county's name, every chart a
// captioned figure whose alternative text gives its figures.
func TestTaggedEditions(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			in := sampleEdition(t, lang)
			out, err := Render(in, fonts(t))
			if err != nil {
				t.Fatal(err)
			}
			nodes := pdftest.Struct(t, out.PDF)
			pdftest.QPDFCheck(t, out.PDF)
			pdftest.CheckReadingOrder(t, out.PDF)
			l, err := labelsFor(lang)
			if err != nil {
				t.Fatal(err)
			}
			chapters := l.Chapters
			if in.process() {
				chapters = l.ChaptersProcess
			}
			var h1, h2 []string
			for _, n := range nodes {
				switch n.Role {
				case "H1":
					h1 = append(h1, n.Text)
				case "H2":
					h2 = append(h2, n.Text)
				case "H3", "H4":
					t.Errorf("%s %q: the city's report has two levels", n.Role, n.Text)
				}
			}
			if len(h1) != len(chapters)+1 || strings.Join(h1[1:], "|") != strings.Join(chapters, "|") {
				t.Errorf("H1 headings %q, want the cover's title and %q", h1, chapters)
			}
			if len(h2) == 0 {
				t.Error("no indicator is an H2")
			}
			checkTables(t, nodes)
			checkFigures(t, nodes, pdftest.FigureAlts(out.PDF), len(out.Charts), lang)
		})
	}
}

func checkTables(t *testing.T, nodes []pdftest.Node) {
	t.Helper()
	tables := 0
	for i, n := range nodes {
		if n.Role != "Table" {
			continue
		}
		tables++
		// the cover's particulars have no header row: a row header each
		keyed := i+3 < len(nodes) && nodes[i+2].Role == "TH" && nodes[i+2].Attrs == "/Scope /Row"
		row, rowHeaded := 0, false
		if keyed {
			row = 1
		}
		end := func() {
			if row > 1 && !rowHeaded {
				t.Errorf("table %d row %d has no row header", tables, row)
			}
		}
		for k := i + 1; k < len(nodes) && nodes[k].Depth > n.Depth; k++ {
			switch m := nodes[k]; m.Role {
			case "TR":
				end()
				row, rowHeaded = row+1, false
			case "TD":
				if row == 1 {
					t.Errorf("table %d: a data cell %q in the header row", tables, m.Text)
				}
			case "TH":
				want := "/Scope /Column"
				if row > 1 {
					want = "/Scope /Row"
					rowHeaded = rowHeaded || m.Text != ""
				}
				if m.Attrs != want {
					t.Errorf("table %d row %d: header %q has %q, want %s", tables, row, m.Text, m.Attrs, want)
				}
			}
		}
		end()
	}
	if tables < 4 {
		t.Errorf("%d tables", tables)
	}
}

func checkFigures(t *testing.T, nodes []pdftest.Node, alts []string, charts int, lang string) {
	t.Helper()
	kind := "条形图。"
	if lang == "en" {
		kind = "Bar chart. "
	}
	k := 0
	for i, n := range nodes {
		if n.Role != "Figure" {
			continue
		}
		if i == 0 || nodes[i-1].Role != "Caption" {
			t.Errorf("figure %d has no caption before it", k+1)
			continue
		}
		digits := strings.IndexFunc(alts[k], unicode.IsDigit) >= 0
		if k >= len(alts) || !strings.HasPrefix(alts[k], kind+strings.TrimSpace(nodes[i-1].Text)) || !digits {
			t.Errorf("figure %d's alternative text %q does not give its caption %q and figures", k+1, alts[min(k, len(alts)-1)], nodes[i-1].Text)
		}
		k++
	}
	if k != charts || charts == 0 {
		t.Errorf("%d figures for %d charts", k, charts)
	}
}
