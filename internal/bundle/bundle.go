// Package bundle assembles bundle.zip: a reproducible zip (entries sorted by
// name, fixed modification time, fixed compression) with a manifest.json that
// lists every other entry with its size and SHA-256.
package bundle

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
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
	m.Files = nil
	m.Artifacts = nil
	for _, e := range sorted {
		m.Files = append(m.Files, manifest.FileOf(e.Name, e.Data))
	}
	mdata, err := m.Marshal()
	if err != nil {
		return nil, nil, err
	}
	all := append(sorted, Entry{Name: ManifestName, Data: mdata})
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		fw := flatePool.Get().(*flate.Writer)
		fw.Reset(w)
		return &pooledFlate{fw}, nil
	})
	for _, e := range all {
		method := zip.Deflate
		if stored(e.Name) {
			method = zip.Store
		}
		h := &zip.FileHeader{Name: e.Name, Method: method, Modified: Epoch}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, nil, err
		}
		if _, err := w.Write(e.Data); err != nil {
			return nil, nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), &m, nil
}

// flate writers cost about 1 MB each to create: reuse them across entries
// and bundles. Reset gives the same output as a new writer.
var flatePool = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
	return w
}}

type pooledFlate struct{ *flate.Writer }

func (p *pooledFlate) Close() error {
	if p.Writer == nil {
		return nil
	}
	err := p.Writer.Close()
	flatePool.Put(p.Writer)
	p.Writer = nil
	return err
}

// stored are formats already compressed: deflating them again costs time for nothing.
func stored(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf", ".png", ".jpg", ".jpeg", ".zip":
		return true
	}
	return false
}
