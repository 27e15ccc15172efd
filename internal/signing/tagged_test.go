package signing_test

import (
	"bytes"
	"testing"

	"github.com/countyreport/countyreport/internal/render/pdftest"
)

// A signed report is still the tagged report: the signature's update
// keeps the catalog's structure tree and the first page's /StructParents,
// and poppler reads the same structure from the signed file as from the
// unsigned one.
func TestSignedReportStaysTagged(t *testing.T) {
	unsigned := sample(t)
	signed, err := signer(t, newCA(t), hengshan).SignPDF(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, unsigned) {
		t.Fatal("the signed file does not begin with the unsigned one")
	}
	before, after := pdftest.Struct(t, unsigned), pdftest.Struct(t, signed)
	if len(after) != len(before) {
		t.Fatalf("the signed file's structure has %d elements, the unsigned %d", len(after), len(before))
	}
	for i := range before {
		if after[i] != before[i] {
			t.Fatalf("element %d: signed %+v, unsigned %+v", i, after[i], before[i])
		}
	}
	pdftest.QPDFCheck(t, signed)
}
