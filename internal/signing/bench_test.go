package signing_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/signing"
)

// The cost of signing one report beside the cost of rendering it (the
// baseline): hack/bench.sh prints their ratio.

func BenchmarkRenderBaseline(b *testing.B) {
	const path = "../../config/samples/datasets/hengshan-2023-01.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	ds, err := dataset.Parse(data, path)
	if err != nil {
		b.Fatal(err)
	}
	opts := report.Options{Assets: os.DirFS(filepath.Dir(path))}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Render(ds, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignReport is what a run adds: sign, verify the result, record
// it in the manifest (SignReport).
func BenchmarkSignReport(b *testing.B) {
	res := sampleResult(b)
	s := signer(b, newCA(b), hengshan)
	b.ReportAllocs()
	b.SetBytes(int64(len(res.PDF)))
	for b.Loop() {
		if _, _, err := signing.SignReport(s, res.PDF, res.Manifest, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	ca := newCA(b)
	signed, err := signer(b, ca, hengshan).SignPDF(sample(b))
	if err != nil {
		b.Fatal(err)
	}
	roots := ca.Roots()
	b.ReportAllocs()
	b.SetBytes(int64(len(signed)))
	for b.Loop() {
		if _, err := signing.Verify(signed, roots); err != nil {
			b.Fatal(err)
		}
	}
}
