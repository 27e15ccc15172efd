package pdftest

import (
	"encoding/hex"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// Node is one element of a tagged PDF's structure as pdfinfo -struct-text
// prints it: its role, its depth, its text (the lines of its own content,
// joined) and its attributes (e.g. "/Scope /Row").
type Node struct {
	Role  string
	Depth int
	Text  string
	Attrs string
}

var reNode = regexp.MustCompile(`^( *)([A-Za-z][A-Za-z0-9]*)(:| \((?:block|inline)\))?$`)

// Struct runs pdfinfo (poppler-utils): it fails unless the PDF is tagged,
// and returns the structure tree from pdfinfo -struct-text, element by
// element in the tree's (the reading) order.
func Struct(t testing.TB, pdf []byte) []Node {
	t.Helper()
	if info := Info(t, pdf); info["Tagged"] != "yes" {
		t.Fatalf("pdfinfo says Tagged: %q, want yes", info["Tagged"])
	}
	out, err := exec.Command(Tool(t, "pdfinfo"), "-struct-text", Write(t, pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo -struct-text: %v\n%s", err, out)
	}
	var nodes []Node
	for _, ln := range strings.Split(string(out), "\n") {
		trimmed := strings.TrimSpace(ln)
		switch {
		case trimmed == "":
		case strings.HasPrefix(trimmed, `"`) && len(nodes) > 0:
			nodes[len(nodes)-1].Text += strings.TrimSuffix(strings.TrimPrefix(trimmed, `"`), `"`)
		case strings.HasPrefix(trimmed, "/") && len(nodes) > 0:
			nodes[len(nodes)-1].Attrs = strings.TrimSpace(nodes[len(nodes)-1].Attrs + " " + trimmed)
		default:
			if m := reNode.FindStringSubmatch(ln); m != nil {
				nodes = append(nodes, Node{Role: m[2], Depth: len(m[1]) / 2})
			}
		}
	}
	if len(nodes) == 0 || nodes[0].Role != "Document" {
		t.Fatalf("pdfinfo -struct-text shows no Document:\n%s", out)
	}
	return nodes
}

// QPDFCheck runs qpdf --check (Debian package qpdf): the file's syntax,
// cross-reference table and streams.
func QPDFCheck(t testing.TB, pdf []byte) {
	t.Helper()
	out, err := exec.Command(qpdf(t), "--check", Write(t, pdf)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

// QDF is the PDF rewritten by qpdf --qdf: every stream uncompressed, each
// page's content stream headed by "%% Contents for page N".
func QDF(t testing.TB, pdf []byte) string {
	t.Helper()
	out, err := exec.Command(qpdf(t), "--qdf", "--object-streams=disable", Write(t, pdf), "-").Output()
	if err != nil {
		t.Fatalf("qpdf --qdf: %v", err)
	}
	return string(out)
}

func qpdf(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("qpdf")
	if err != nil {
		t.Fatalf("qpdf not found: install the Debian package qpdf (make deps)")
	}
	return p
}

var reAlt = regexp.MustCompile(`/S /Figure [^\n]*?/Alt <FEFF([0-9A-F]*)>`)

// FigureAlts are the alternative texts of the PDF's Figure elements, in
// the order they are written (the tree's order, for countyreport's
// writer, which writes each element as one uncompressed object).
func FigureAlts(pdf []byte) []string {
	var alts []string
	for _, m := range reAlt.FindAllSubmatch(pdf, -1) {
		b, err := hex.DecodeString(string(m[1]))
		if err != nil {
			continue
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		alts = append(alts, string(utf16.Decode(u)))
	}
	return alts
}

// MCR is a piece of marked content: the MCID on a page (0-based).
type MCR struct{ Page, MCID int }

var (
	reObj      = regexp.MustCompile(`(?s)(\d+) 0 obj\n(<< /Type /(?:StructElem|StructTreeRoot|Pages) .*?)\nendobj`)
	reKids     = regexp.MustCompile(`/Kids \[([^\]]*)\]`)
	reRef      = regexp.MustCompile(`(\d+) 0 R`)
	rePg       = regexp.MustCompile(`/Pg (\d+) 0 R`)
	reKidToken = regexp.MustCompile(`<< /Type /MCR /Pg (\d+) 0 R /MCID (\d+) >>|<< /Type /OBJR /Obj \d+ 0 R >>|(\d+) 0 R|(\d+)`)
)

// ReadingOrder walks the structure tree of a PDF written by countyreport's
// writer (each element one uncompressed object, its kids in /K) from the
// StructTreeRoot, depth first, and returns the marked content in the
// order the tree reads it.
func ReadingOrder(t testing.TB, pdf []byte) []MCR {
	t.Helper()
	objs := map[string]string{}
	var root, pages string
	for _, m := range reObj.FindAllSubmatch(pdf, -1) {
		body := string(m[2])
		objs[string(m[1])] = body
		switch {
		case strings.HasPrefix(body, "<< /Type /StructTreeRoot"):
			root = body
		case strings.HasPrefix(body, "<< /Type /Pages"):
			pages = body
		}
	}
	if root == "" || pages == "" {
		t.Fatal("no StructTreeRoot or no page tree")
	}
	pageIndex := map[string]int{}
	if k := reKids.FindStringSubmatch(pages); k != nil {
		for i, r := range reRef.FindAllStringSubmatch(k[1], -1) {
			pageIndex[r[1]] = i
		}
	}
	var order []MCR
	var walk func(num string, depth int)
	walk = func(num string, depth int) {
		body, ok := objs[num]
		if !ok || depth > 100 {
			t.Fatalf("structure element %s missing", num)
		}
		head, kids, _ := strings.Cut(body, " /K [")
		pg := ""
		if m := rePg.FindStringSubmatch(head); m != nil {
			pg = m[1]
		}
		for _, m := range reKidToken.FindAllStringSubmatch(kids, -1) {
			switch {
			case m[1] != "":
				mcid, _ := strconv.Atoi(m[2])
				order = append(order, MCR{pageIndex[m[1]], mcid})
			case m[3] != "":
				walk(m[3], depth+1)
			case m[4] != "":
				mcid, _ := strconv.Atoi(m[4])
				order = append(order, MCR{pageIndex[pg], mcid})
			}
		}
	}
	_, k, _ := strings.Cut(root, "/K [")
	for _, r := range reRef.FindAllStringSubmatch(k[:strings.Index(k, "]")], -1) {
		walk(r[1], 0)
	}
	return order
}

// CheckReadingOrder fails unless the structure tree reads the pages'
// marked content in the order it is drawn: page by page, each page's
// MCIDs from 0 up, every one once.
func CheckReadingOrder(t testing.TB, pdf []byte) {
	t.Helper()
	order := ReadingOrder(t, pdf)
	next := map[int]int{}
	prev := MCR{0, -1}
	for _, m := range order {
		if m.Page < prev.Page || m.MCID != next[m.Page] {
			t.Fatalf("the structure reads page %d MCID %d after page %d MCID %d; drawn next is MCID %d of page %d: not the drawing order",
				m.Page+1, m.MCID, prev.Page+1, prev.MCID, next[prev.Page], prev.Page+1)
		}
		prev = m
		next[m.Page]++
	}
	if len(order) == 0 {
		t.Fatal("no marked content in the structure")
	}
}
