package county

import (
	"fmt"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/render/layout"
	"github.com/countyreport/countyreport/internal/render/pdftest"
)

// Both editions are tagged PDFs a screen reader can follow, as poppler
// (pdfinfo -struct-text) and qpdf read them: the title, the contents and
// every chapter and section heading in order, the contents listing those
// headings, the tables numbered in reading order with their header cells
// and scopes, each chart a captioned figure whose alternative text is its
// data, and the runs in the other language marked.
func TestTaggedEditions(t *testing.T) {
	fonts, err := layout.LoadFonts([3]string{})
	if err != nil {
		t.Fatalf("fonts (make deps installs them): %v", err)
	}
	ds := parseHengshan(t)
	for _, c := range []struct {
		lang, contents, table, figure, otherLang string
	}{
		{"zh-CN", "目　录", "表%d", "图%d", "/Lang (en)"},
		{"en", "Contents", "Table %d.", "Figure %d.", "/Lang (zh-CN)"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			out, err := Render(ds, fonts, Options{Lang: c.lang})
			if err != nil {
				t.Fatal(err)
			}
			nodes := pdftest.Struct(t, out.PDF)
			pdftest.QPDFCheck(t, out.PDF)
			pdftest.CheckReadingOrder(t, out.PDF)
			ed := edition(ds, c.lang == "en")
			checkHeadings(t, nodes, ed.Meta.Title, c.contents)
			checkTables(t, nodes, c.table)
			charts, err := Charts(ds, fonts[layout.Sans], c.lang, layout.ContentW)
			if err != nil {
				t.Fatal(err)
			}
			checkFigures(t, nodes, pdftest.FigureAlts(out.PDF), charts, c.figure)
			if qdf := pdftest.QDF(t, out.PDF); !strings.Contains(qdf, c.otherLang) {
				t.Errorf("no run in the other language is marked %s", c.otherLang)
			}
		})
	}
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

// checkHeadings: the first heading is the report's title, the second the
// contents; the contents list, in order, the chapters (every H1 after
// them) and the sections (H2; a subheading left out of the contents is an
// H2 too when it is under a chapter).
func checkHeadings(t *testing.T, nodes []pdftest.Node, title, contents string) {
	t.Helper()
	var heads []pdftest.Node
	var entries []string
	for _, n := range nodes {
		switch n.Role {
		case "H1", "H2":
			heads = append(heads, n)
		case "TOCI":
			entries = append(entries, squeeze(n.Text))
		}
	}
	if len(heads) < 3 || squeeze(heads[0].Text) != squeeze(title) || squeeze(heads[1].Text) != squeeze(contents) {
		t.Fatalf("headings begin %v, want the title %q and %q", heads[:min(3, len(heads))], title, contents)
	}
	j := 0
	for _, h := range heads[2:] {
		// an entry is its heading and its page number
		if j < len(entries) && strings.HasPrefix(entries[j], squeeze(h.Text)) && strings.Trim(entries[j][len(squeeze(h.Text)):], "0123456789") == "" {
			j++
			continue
		}
		if h.Role == "H1" {
			t.Errorf("chapter %q is not the next entry of the contents (%d)", h.Text, j+1)
		}
	}
	if j != len(entries) {
		t.Errorf("%d of %d contents entries are headings, in order", j, len(entries))
	}
}

// checkTables: tables are numbered in reading order; each has a caption,
// a first row of column headers, then rows each headed by a row header.
func checkTables(t *testing.T, nodes []pdftest.Node, numbering string) {
	t.Helper()
	tables := 0
	for i, n := range nodes {
		if n.Role != "Table" || i+1 < len(nodes) && nodes[i+1].Role != "Caption" {
			continue // the cover's particulars: no caption
		}
		tables++
		if want := fmt.Sprintf(numbering, tables); !strings.HasPrefix(nodes[i+1].Text, want) {
			t.Errorf("table %d's caption is %q, want %s…", tables, nodes[i+1].Text, want)
		}
		row := 0
		for k := i + 2; k < len(nodes) && nodes[k].Depth > n.Depth; k++ {
			m := nodes[k]
			switch {
			case m.Role == "TR":
				row++
				if k+1 >= len(nodes) || nodes[k+1].Role != "TH" {
					t.Errorf("table %d row %d does not begin with a header cell", tables, row)
				}
			case m.Role == "TH" && row == 1 && m.Attrs != "/Scope /Column",
				m.Role == "TH" && row > 1 && m.Attrs != "/Scope /Row":
				t.Errorf("table %d row %d: header %q has %q", tables, row, m.Text, m.Attrs)
			}
		}
		if row < 2 {
			t.Errorf("table %d has %d rows", tables, row)
		}
	}
	if tables < 2 {
		t.Errorf("%d numbered tables", tables)
	}
}

// checkFigures: each chart is a Figure after its caption, in the order the
// charts are numbered, and its alternative text is the chart's data.
func checkFigures(t *testing.T, nodes []pdftest.Node, alts []string, charts []*layout.Chart, numbering string) {
	t.Helper()
	k := 0
	for i, n := range nodes {
		if n.Role != "Figure" {
			continue
		}
		if k >= len(charts) {
			t.Fatalf("more figures than the %d charts", len(charts))
		}
		if i == 0 || nodes[i-1].Role != "Caption" || squeeze(nodes[i-1].Text) != squeeze(charts[k].Title) {
			t.Errorf("figure %d is not after its caption %q", k+1, charts[k].Title)
		}
		if want := fmt.Sprintf(numbering, k+1); !strings.HasPrefix(charts[k].Title, want) {
			t.Errorf("figure %d is titled %q", k+1, charts[k].Title)
		}
		if k >= len(alts) || alts[k] != charts[k].Alt || !strings.Contains(alts[k], strings.TrimSpace(charts[k].Title)) {
			t.Errorf("figure %d's alternative text is not its chart's data", k+1)
		}
		k++
	}
	if k != len(charts) || len(charts) == 0 {
		t.Errorf("%d figures for %d charts", k, len(charts))
	}
}
