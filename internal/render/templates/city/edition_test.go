package city

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/render/lang"
	"github.com/countyreport/countyreport/internal/render/pdftest"
)

// The English edition is English: its fixed words, periods and names, and
// a Chinese text only where there is no English form, marked as the
// original.
func TestEnglishEdition(t *testing.T) {
	f := fonts(t)
	out, err := Render(sampleEdition(t, "en"), f)
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("CITY_REPORT_OUT"); dir != "" { // to look at it
		if err := os.WriteFile(filepath.Join(dir, "report-en.pdf"), out.PDF, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := strings.Join(strings.Fields(pdftest.Text(t, out.PDF, 1, out.Pages)), " ")
	for _, want := range []string{"1. Where the figures come from", "2. Composite ranking", "3. Rankings by indicator", "4. Method", "5. Sources", "January 2023"} {
		if !strings.Contains(text, want) {
			t.Errorf("the English report's text lacks %q", want)
		}
	}
	// the rows, in drawing order (pdftotext's layout order reads a table by columns)
	raw := rawText(t, out.PDF)
	flat := strings.Join(strings.Fields(raw), " ")
	for _, want := range []string{
		"Comparison of the counties and cities", "Hengyang City", "January 2023", "(figures for 2022)", "Figures for 2022",
		"were compiled from published sources", "No published figures were found for",
		"1 Hengnan County 84.84", "5 Changning City 76.48", "Hengshan County Incomplete", "No published figures found",
		"efficacy coefficient method", "Page 2 of", "GDP growth", "Value (billion yuan)", "44.525", "42.077 (preliminary)",
		"Growth (%)", "Preliminary", "Estimate", "Bars: red for a rise, green for a fall", "No figure",
		"Indicators not ranked: too few figures", "Hengyang Daily", "Hengyang municipal government portal, English edition",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the English report lacks %q", want)
		}
	}
	for _, not := range []string{"Monthly", "Deadline", "Submitted", "Compiled by", "100 million yuan", "Of these", "24:00", "Local tax revenue value"} {
		if strings.Contains(flat, not) {
			t.Errorf("the English report says %q", not)
		}
	}
	// Chinese only where the input has no English form, marked: in the
	// text in drawing order (a wrapped cell's lines one after the other),
	// each such original after the mark, and no Chinese besides.
	in := sampleEdition(t, "en")
	originals := []string{"衡东县"} // no dataset, no English name
	for _, s := range in.Sources {
		if s.PublicationEn == "" {
			originals = append(originals, s.Publication)
		}
	}
	rest := raw
	for _, o := range originals {
		re := regexp.MustCompile(markPattern(lang.OriginalMark + o))
		if !re.MatchString(raw) {
			t.Errorf("%q is not in the English report after the mark", o)
		}
		rest = re.ReplaceAllString(rest, " ")
	}
	for i, r := range rest {
		if lang.IsCJK(r) {
			t.Fatalf("unmarked Chinese %q in the English report: …%s…", string(r), rest[max(0, i-80):min(len(rest), i+80)])
		}
	}
	info := pdftest.Info(t, out.PDF)
	if !strings.HasPrefix(info["Title"], "Hengyang City, ") || lang.HasHan(info["Title"]) {
		t.Errorf("PDF title %q", info["Title"])
	}
	again, err := Render(sampleEdition(t, "en"), f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.PDF, again.PDF) {
		t.Fatal("two renderings of the English edition differ")
	}
}

func TestUnknownLanguage(t *testing.T) {
	if _, err := Render(sampleEdition(t, "fr"), fonts(t)); err == nil {
		t.Fatal("rendered an edition in fr")
	}
}

// rawText is the PDF's text in the order it is drawn (pdftotext -raw).
func rawText(t *testing.T, pdf []byte) string {
	t.Helper()
	out, err := exec.Command(pdftest.Tool(t, "pdftotext"), "-raw", pdftest.Write(t, pdf), "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// markPattern matches s as the PDF's text shows it: a line may break at
// any space, and between any two Chinese characters.
func markPattern(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == ' ' {
			b.WriteString(`\s+`)
			continue
		}
		b.WriteString(regexp.QuoteMeta(string(r)) + `\s*`)
	}
	return b.String()
}
