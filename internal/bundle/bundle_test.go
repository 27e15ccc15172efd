package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/manifest"
)

func baseManifest() manifest.Manifest {
	return manifest.Manifest{
		Schema:        manifest.Schema,
		Generator:     "countyreport test",
		CountyCode:    "430423",
		CountyName:    "衡山县",
		Period:        "2023-01",
		Title:         "测试",
		DatasetSHA256: strings.Repeat("0", 64),
		Options:       manifest.Options{Language: "zh-CN", Paper: "A4", Template: "standard"},
		Pages:         3,
		// Build must replace these, not keep them.
		Files:     []manifest.File{{Name: "stale", Size: 1, SHA256: strings.Repeat("1", 64)}},
		Artifacts: []manifest.File{{Name: "report.pdf", Size: 1, SHA256: strings.Repeat("2", 64)}},
	}
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

type readEntry struct {
	hdr  zip.FileHeader
	data []byte
}

func readZip(t *testing.T, z []byte) []readEntry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var out []readEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc) // checks the CRC-32 too
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out = append(out, readEntry{hdr: f.FileHeader, data: data})
	}
	return out
}

func TestBuild(t *testing.T) {
	big := bytes.Repeat([]byte("衡山县地区生产总值 "), 5000)
	cases := map[string]struct {
		entries []Entry
		stored  []string // entries kept uncompressed
	}{
		"one entry": {entries: []Entry{{Name: "dataset.json", Data: []byte(`{"a":1}`)}}},
		"report-like, unsorted": {entries: []Entry{
			{Name: "report.pdf", Data: []byte("%PDF-1.7\n...")},
			{Name: "dataset.json", Data: []byte(`{}`)},
			{Name: "report.html", Data: big},
			{Name: "charts/chart-2-amounts.svg", Data: []byte("<svg/>")},
			{Name: "charts/chart-1-growth.png", Data: []byte("\x89PNG...")},
			{Name: "charts/chart-1-growth.svg", Data: []byte("<svg></svg>")},
		}, stored: []string{"report.pdf", "charts/chart-1-growth.png"}},
		"empty file": {entries: []Entry{{Name: "empty.txt", Data: nil}, {Name: "a.txt", Data: []byte("a")}}},
		"names around manifest.json": {entries: []Entry{
			{Name: "manifest.jsonl", Data: []byte("x")}, {Name: "manifest", Data: []byte("y")}, {Name: "z/manifest.json", Data: []byte("z")},
		}},
		"Chinese names":                {entries: []Entry{{Name: "照片/衡山.jpg", Data: []byte{0xff, 0xd8}}, {Name: "说明.txt", Data: []byte("衡山")}}, stored: []string{"照片/衡山.jpg"}},
		"upper-case extensions stored": {entries: []Entry{{Name: "photo.JPG", Data: []byte{0xff, 0xd8}}, {Name: "a.ZIP", Data: []byte("PK")}}, stored: []string{"photo.JPG", "a.ZIP"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			z, inner, err := Build(tc.entries, baseManifest())
			if err != nil {
				t.Fatal(err)
			}
			// reproducible, whatever the order the entries come in
			rev := append([]Entry(nil), tc.entries...)
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			z2, _, err := Build(rev, baseManifest())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(z, z2) {
				t.Error("not byte-identical for the same entries in another order")
			}

			got := readZip(t, z)
			var names []string
			for _, e := range got {
				names = append(names, e.hdr.Name)
			}
			if !sort.StringsAreSorted(names) {
				t.Errorf("entries not sorted: %q", names)
			}
			if len(got) != len(tc.entries)+1 {
				t.Fatalf("%d entries, want %d and the manifest", len(got), len(tc.entries))
			}
			byName := map[string][]byte{}
			stored := map[string]bool{}
			for _, s := range tc.stored {
				stored[s] = true
			}
			for _, e := range got {
				byName[e.hdr.Name] = e.data
				if !e.hdr.Modified.Equal(Epoch) {
					t.Errorf("%s modified %v, want %v", e.hdr.Name, e.hdr.Modified, Epoch)
				}
				if e.hdr.Mode().Perm() != 0o644 {
					t.Errorf("%s mode %v, want 0644", e.hdr.Name, e.hdr.Mode())
				}
				want := zip.Deflate
				if stored[e.hdr.Name] {
					want = zip.Store
				}
				if e.hdr.Method != want {
					t.Errorf("%s method %d, want %d", e.hdr.Name, e.hdr.Method, want)
				}
				if e.hdr.NonUTF8 {
					t.Errorf("%s: name not flagged UTF-8", e.hdr.Name)
				}
				// the only extra field is the extended timestamp, at the epoch too
				if x := e.hdr.Extra; len(x) != 0 && (len(x) != 9 || binary.LittleEndian.Uint16(x) != 0x5455 || x[4] != 1 ||
					int64(binary.LittleEndian.Uint32(x[5:])) != Epoch.Unix()) {
					t.Errorf("%s has extra fields %x, want only an extended timestamp at %v", e.hdr.Name, x, Epoch)
				}
			}
			for _, e := range tc.entries {
				if !bytes.Equal(byName[e.Name], e.Data) {
					t.Errorf("%s content differs", e.Name)
				}
			}

			// the manifest inside lists every other entry, sorted, with size and SHA-256
			md, ok := byName[ManifestName]
			if !ok {
				t.Fatal("no manifest.json")
			}
			m, err := manifest.Parse(md)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Artifacts) != 0 {
				t.Errorf("manifest inside the zip has artifacts %+v", m.Artifacts)
			}
			if len(m.Files) != len(tc.entries) {
				t.Fatalf("manifest lists %d files, want %d: %+v", len(m.Files), len(tc.entries), m.Files)
			}
			for i, f := range m.Files {
				if i > 0 && m.Files[i-1].Name >= f.Name {
					t.Errorf("manifest files not sorted at %q", f.Name)
				}
				data, ok := byName[f.Name]
				if !ok || f.Name == ManifestName {
					t.Errorf("manifest lists %q, not an entry", f.Name)
					continue
				}
				if f.Size != int64(len(data)) || f.SHA256 != sum(data) {
					t.Errorf("%s: manifest says %d bytes %s, entry is %d bytes %s", f.Name, f.Size, f.SHA256, len(data), sum(data))
				}
			}
			if m.Period != "2023-01" || m.CountyName != "衡山县" || m.Pages != 3 {
				t.Errorf("manifest fields lost: %+v", m)
			}
			// the returned copy is the one inside
			mi, err := inner.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(mi, md) {
				t.Error("returned manifest differs from the one in the zip")
			}
		})
	}
}

func TestBuildRefuses(t *testing.T) {
	cases := map[string][]Entry{
		"empty name":        {{Name: ""}},
		"manifest itself":   {{Name: ManifestName}},
		"absolute":          {{Name: "/etc/passwd"}},
		"climbs out":        {{Name: "../x"}},
		"dot dot":           {{Name: ".."}},
		"not clean":         {{Name: "a//b"}},
		"dot segment":       {{Name: "a/./b"}},
		"trailing slash":    {{Name: "dir/"}},
		"duplicate":         {{Name: "a.txt"}, {Name: "a.txt"}},
		"duplicate, spread": {{Name: "a.txt"}, {Name: "b.txt"}, {Name: "a.txt"}},
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			if z, _, err := Build(entries, baseManifest()); err == nil {
				t.Errorf("accepted (%d bytes)", len(z))
			}
		})
	}
}
