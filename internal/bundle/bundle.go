// Package bundle assembles bundle.zip: a reproducible zip (entries sorted by
// name, fixed modification time, fixed compression) with a manifest.json that
// lists every other entry with its size and SHA-256.
package bundle

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/countyreport/countyreport/internal/manifest"
)

// Epoch is the modification time of every entry (zip cannot store earlier than 1980).
var Epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// ManifestName is the manifest's entry name.
const ManifestName = "manifest.json"

// Entry is one file in the bundle.
type Entry struct {
	Name string // slash-separated, relative, clean
	Data []byte
}

// Build writes the zip. m is completed with Files (every entry but the
// manifest, sorted) and added as manifest.json; m.Artifacts is left empty in
// the copy inside the zip. It returns the zip and the manifest copy it holds.
func Build(entries []Entry, m manifest.Manifest) (zipData []byte, inner *manifest.Manifest, err error) {
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Name == "" || e.Name == ManifestName || path.Clean(e.Name) != e.Name || strings.HasPrefix(e.Name, "/") || strings.HasPrefix(e.Name, "../") || e.Name == ".." {
			return nil, nil, fmt.Errorf("bundle: bad entry name %q", e.Name)
		}
		if seen[e.Name] {
			return nil, nil, fmt.Errorf("bundle: duplicate entry %q", e.Name)
		}
		seen[e.Name] = true
	}
	sorted := append([]Entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	// Every entry is hashed and compressed on its own goroutine; the zip is
	// then written in name order from the results, so the bytes do not
	// depend on the scheduling.
	m.Files = make([]manifest.File, len(sorted))
	m.Artifacts = nil
	packs := make([]packed, len(sorted))
	// As many workers as cores: each holds a flate writer of about 1 MB.
	var wg sync.WaitGroup
	var next atomic.Int32
	for range min(runtime.GOMAXPROCS(0), len(sorted)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(sorted); i = int(next.Add(1)) - 1 {
				m.Files[i] = manifest.FileOf(sorted[i].Name, sorted[i].Data)
				packs[i] = pack(sorted[i])
			}
		})
	}
	wg.Wait()
	mdata, err := m.Marshal()
	if err != nil {
		return nil, nil, err
	}
	mentry := Entry{Name: ManifestName, Data: mdata}
	at := sort.Search(len(sorted), func(i int) bool { return sorted[i].Name > ManifestName })
	all := append(append(append([]Entry(nil), sorted[:at]...), mentry), sorted[at:]...)
	packs = append(append(append([]packed(nil), packs[:at]...), pack(mentry)), packs[at:]...)

	size := 22
	for i, e := range all {
		size += 2*(46+len(e.Name)) + len(packs[i].data)
	}
	var buf bytes.Buffer
	buf.Grow(size)
	zw := zip.NewWriter(&buf)
	for i, e := range all {
		p := packs[i]
		h := &zip.FileHeader{
			Name:               e.Name,
			Method:             p.method,
			CRC32:              p.crc,
			CompressedSize64:   uint64(len(p.data)),
			UncompressedSize64: uint64(len(e.Data)),
			// CreateRaw writes the MS-DOS fields as given and never reads
			// Modified: they are the entry's fixed time in the bytes.
			ModifiedDate: dosDate, //lint:ignore SA1019 CreateRaw writes this field as given; it is the entry's time
			ModifiedTime: 0,       //lint:ignore SA1019 as ModifiedDate
			Modified:     Epoch,
		}
		h.SetMode(0o644)
		h.CreatorVersion |= 20
		h.ReaderVersion = 20
		if !isASCII(e.Name) {
			h.Flags |= 0x800 // the name is UTF-8
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			return nil, nil, err
		}
		if _, err := w.Write(p.data); err != nil {
			return nil, nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), &m, nil
}

// dosDate is Epoch, 1980-01-01, as an MS-DOS date (the time is 00:00:00, 0).
const dosDate = 0<<9 | 1<<5 | 1

// packed is an entry's data as stored in the zip.
type packed struct {
	method uint16
	crc    uint32
	data   []byte
}

func pack(e Entry) packed {
	p := packed{method: zip.Store, crc: crc32.ChecksumIEEE(e.Data), data: e.Data}
	if stored(e.Name) {
		return p
	}
	var buf bytes.Buffer
	buf.Grow(len(e.Data)/3 + 64)
	fw := flatePool.Get().(*flate.Writer)
	fw.Reset(&buf)
	fw.Write(e.Data) // a bytes.Buffer does not fail
	fw.Close()
	flatePool.Put(fw)
	p.method, p.data = zip.Deflate, buf.Bytes()
	return p
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// flate writers cost about 1 MB each to create: reuse them across entries
// and bundles. Reset gives the same output as a new writer.
var flatePool = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
	return w
}}

// stored are formats already compressed: deflating them again costs time for nothing.
func stored(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf", ".png", ".jpg", ".jpeg", ".zip":
		return true
	}
	return false
}
