package dataset

// Attacks on the dataset parser with documents at its limits and far past
// them: each is refused with a message naming what was too large, and the
// memory it cost (TotalAlloc, everything allocated while parsing, not only
// what is left) stays within the stated budget.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/limits"
)

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// jsonValues is a made-up document {"x": [0, 0, …]} with n numbers.
func jsonValues(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"x": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteByte('0')
	}
	b.WriteString("]}")
	return b.Bytes()
}

// Every value's place is found in one pass over the document: the bytes the
// line counter looks at grow with the document, not with its square (a
// rescan per value made 200 KB take 24.5 s).
func TestJSONPositionsAreLinear(t *testing.T) {
	for _, n := range []int{1000, 10000, 100000} {
		data := jsonValues(n)
		at := map[string]pos{}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		j := &jsonPos{data: data, at: at, lines: newLines(data)}
		if _, err := j.value(dec, 0, ""); err != nil {
			t.Fatal(err)
		}
		if j.lines.scanned > len(data) {
			t.Errorf("%d values (%d bytes): the line counter looked at %d bytes", n, len(data), j.lines.scanned)
		}
		if got := at["x[99]"]; got != (pos{100, 1}) {
			t.Errorf("x[99] at %v, want line 100 column 1", got)
		}
	}
}

// A document with a problem in every value lists DatasetProblems of them
// and counts the rest.
func TestProblemsListedAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 5000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"unknown%d": 0`, i)
	}
	b.WriteString("}")
	_, err := Parse([]byte(b.String()), "d.json")
	es, ok := AsErrors(err)
	if !ok || len(es) != limits.DatasetProblems+1 || !strings.Contains(es[len(es)-1].Msg, "另有") {
		t.Fatalf("%d problems listed, want %d and a count of the rest", len(es), limits.DatasetProblems+1)
	}
}

func TestDatasetLimits(t *testing.T) {
	const mib = 1 << 20
	yamlList := func(n int) []byte { return []byte("indicators:\n" + strings.Repeat("- 0\n", n)) }
	aliases := "a: &a [0,0,0,0,0,0,0,0,0,0]\n"
	for i, prev := 0, "a"; i < 8; i++ {
		name := string(rune('b' + i))
		aliases += name + ": &" + name + " [" + strings.Repeat("*"+prev+",", 9) + "*" + prev + "]\n"
		prev = name
	}
	for name, tc := range map[string]struct {
		data   []byte
		file   string
		want   string
		budget uint64 // bytes allocated while parsing
	}{
		"JSON over the size cap": {
			data: bytes.Repeat([]byte(" "), limits.DatasetBytes+1), file: "d.json",
			want: "文件过大", budget: mib,
		},
		"JSON with too many values": {
			data: jsonValues(limits.DatasetNodes + 10), file: "d.json",
			want: "值过多", budget: 96 * mib,
		},
		"JSON nested past the depth limit": {
			data: []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)), file: "d.json",
			want: "嵌套超过", budget: mib,
		},
		"YAML with too many values (refused before decoding)": {
			data: yamlList(limits.DatasetNodes), file: "d.yaml",
			want: "YAML 过于复杂", budget: mib,
		},
		"YAML flow list with too many values": {
			data: []byte("x: [" + strings.Repeat("0,", limits.DatasetNodes) + "0]"), file: "d.yaml",
			want: "YAML 过于复杂", budget: mib,
		},
		"YAML just under the estimate": {
			data: yamlList(limits.DatasetNodes/2 - 10), file: "d.yaml",
			want: "条目过多", budget: 128 * mib,
		},
		"a long key over many values": {
			data: []byte(`{"` + strings.Repeat("k", 1<<20) + `": [` + strings.Repeat("0,", 100000) + `0]}`), file: "d.json",
			want: "键过长", budget: 8 * mib,
		},
		"a long YAML key": {
			data: []byte("? " + strings.Repeat("k", 1<<20) + "\n: [" + strings.Repeat("0,", 50000) + "0]"), file: "d.yaml",
			want: "键过长", budget: 64 * mib,
		},
		"YAML billion laughs": {
			data: []byte(aliases), file: "d.yaml",
			want: "YAML 过于复杂", budget: 64 * mib,
		},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			used := allocated(func() { _, err = Parse(tc.data, tc.file) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %.300v, want one saying %q", err, tc.want)
			}
			if used > tc.budget {
				t.Errorf("parsing %d bytes allocated %d MiB, budget %d MiB", len(tc.data), used>>20, tc.budget>>20)
			}
			t.Logf("%d bytes: %d KiB allocated", len(tc.data), used>>10)
		})
	}
}
