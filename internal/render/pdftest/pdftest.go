// Package pdftest reads rendered PDFs back with poppler-utils for tests:
// document information, every word with its page and box. A missing
// poppler program fails the test with the package that provides it.
package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Tool returns the path of a poppler-utils program, failing when it is missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install the Debian package poppler-utils (make deps)", name)
	}
	return p
}

// Write writes pdf to a temporary file and returns its path.
func Write(t testing.TB, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Info runs pdfinfo (with args, e.g. "-meta") and returns its fields,
// failing on any syntax complaint.
func Info(t testing.TB, pdf []byte, args ...string) map[string]string {
	t.Helper()
	out, err := exec.Command(Tool(t, "pdfinfo"), append(args, Write(t, pdf))...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("Syntax Error")) || bytes.Contains(out, []byte("Syntax Warning")) {
		t.Fatalf("pdfinfo complains:\n%s", out)
	}
	info := map[string]string{}
	for _, ln := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(ln, ":"); ok {
			info[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return info
}

// Word is one word of a page with its box (points, y down).
type Word struct {
	Page                   int
	Text                   string
	XMin, YMin, XMax, YMax float64
}

// PageSize is one page's size, in points.
type PageSize struct{ W, H float64 }

var (
	rePage = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	reWord = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// Words runs pdftotext -bbox: every word with its page, and each page's size.
func Words(t testing.TB, pdf []byte) ([]Word, []PageSize) {
	t.Helper()
	out, err := exec.Command(Tool(t, "pdftotext"), "-bbox", Write(t, pdf), "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	var ws []Word
	var sizes []PageSize
	for _, ln := range strings.Split(string(out), "\n") {
		if m := rePage.FindStringSubmatch(ln); m != nil {
			w, _ := strconv.ParseFloat(m[1], 64)
			h, _ := strconv.ParseFloat(m[2], 64)
			sizes = append(sizes, PageSize{w, h})
			continue
		}
		if m := reWord.FindStringSubmatch(ln); m != nil {
			f := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
			ws = append(ws, Word{Page: len(sizes), Text: m[5], XMin: f(1), YMin: f(2), XMax: f(3), YMax: f(4)})
		}
	}
	return ws, sizes
}

// Text runs pdftotext on pages first..last (0 = all) in layout order.
func Text(t testing.TB, pdf []byte, first, last int) string {
	t.Helper()
	args := []string{}
	if first > 0 {
		args = append(args, "-f", strconv.Itoa(first), "-l", strconv.Itoa(last))
	}
	out, err := exec.Command(Tool(t, "pdftotext"), append(args, Write(t, pdf), "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// Fonts runs pdffonts and returns its output.
func Fonts(t testing.TB, pdf []byte) string {
	t.Helper()
	out, err := exec.Command(Tool(t, "pdffonts"), Write(t, pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, out)
	}
	return string(out)
}
