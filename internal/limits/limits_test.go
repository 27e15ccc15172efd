package limits

import (
	"os"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

// The estimate is an upper bound on the nodes yaml.v3 builds, for every
// document it accepts.
func FuzzEstimateYAMLNodes(f *testing.F) {
	sample, err := os.ReadFile("../../config/samples/datasets/hengshan-2023-01.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(sample), "", "a", "a: b", "[a, b, c]", "{a, b}", "- a\n- b\n", "? a\n: b\n",
		"a: &x [1, 2]\nb: *x\n", "--- a\n--- b\n", "a: |\n  x: y\n  - z\n", "!!str a", "[[[[]]]]", "{{{}}}", "a:\n  b:\n    c: d\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var n yaml.Node
		if yaml.Unmarshal([]byte(doc), &n) != nil {
			return
		}
		if got, est := countNodes(&n), EstimateYAMLNodes([]byte(doc)); got > est {
			t.Fatalf("%d nodes, estimated %d, for %q", got, est, doc)
		}
	})
}
