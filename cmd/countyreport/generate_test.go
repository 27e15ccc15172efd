package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateOffline(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("meta:\n  countyCode: \"12\"\n  period: 2023-13\nindicators: []\nsections:\n  - kind: summary\n    items: [x]\n"), 0o644)
	tests := map[string]struct {
		dataset   string
		lang      string
		wantErr   bool
		wantFiles []string
		stderr    []string
	}{
		"hengshan":        {"../../config/samples/datasets/hengshan-2023-01.yaml", "zh-CN", false, []string{"bundle.zip", "manifest.json", "report.pdf"}, []string{"13 pages"}},
		"english":         {"../../config/samples/datasets/hengshan-2023-01.yaml", "en", false, []string{"bundle.zip", "manifest.json", "report.pdf"}, nil},
		"invalid dataset": {bad, "zh-CN", true, nil, []string{"meta.countyCode", "meta.period", "meta.countyName", "meta.title", "indicators:", "sections[0].kind"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var stderr bytes.Buffer
			g, err := parseGenerateFlags([]string{"--dataset", tc.dataset, "--out", out, "--lang", tc.lang}, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			err = generateOffline(g, &stderr)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v\n%s", err, stderr.String())
			}
			ents, _ := os.ReadDir(out)
			var got []string
			for _, e := range ents {
				got = append(got, e.Name())
			}
			if strings.Join(got, ",") != strings.Join(tc.wantFiles, ",") {
				t.Errorf("out holds %v, want %v", got, tc.wantFiles)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

func TestGenerateFlags(t *testing.T) {
	tests := map[string][]string{
		"no dataset":   {"--out", "x"},
		"no out":       {"--dataset", "x"},
		"bad language": {"--dataset", "x", "--out", "y", "--lang", "fr"},
		"stray args":   {"--dataset", "x", "--out", "y", "z"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseGenerateFlags(args, &bytes.Buffer{}); err == nil {
				t.Error("accepted")
			}
		})
	}
}
