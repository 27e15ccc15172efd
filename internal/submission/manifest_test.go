package submission

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/manifest"
)

func manifestFor(t *testing.T, ds *dataset.Dataset, norm []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(norm)
	m := manifest.Manifest{
		Schema: manifest.Schema, Generator: "test", CountyCode: ds.Meta.CountyCode, CountyName: ds.Meta.CountyName,
		Period: ds.Meta.Period, Title: ds.Meta.Title, Pages: 1, DatasetSHA256: hex.EncodeToString(sum[:]),
	}
	raw, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
