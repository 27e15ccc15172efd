// Package manifest is the record of one rendered report: what was rendered,
// from which dataset, with which options, and the size and SHA-256 of every
// file. The renderer writes it, the storage layer verifies against it, and the
// operator copies its figures into status. Its presence in the archive is what
// makes a period complete.
package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Schema names this layout; readers refuse any other.
const Schema = "countyreport.io/manifest/v1"

// File is one file with its size and SHA-256 (lower-case hex).
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// FileOf describes data under name.
func FileOf(name string, data []byte) File {
	sum := sha256.Sum256(data)
	return File{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

// Options are the rendering options that, with the dataset, determine the output.
type Options struct {
	Language string `json:"language"`
	Paper    string `json:"paper"`
	Template string `json:"template"`
}

// Manifest describes one report. Files lists the entries of bundle.zip (the
// copy inside the zip has only these). Artifacts lists the objects published
// beside the manifest (report.pdf, bundle.zip); it is filled only in the copy
// written beside the zip, which cannot list itself or the zip that holds it.
type Manifest struct {
	Schema        string  `json:"schema"`
	Generator     string  `json:"generator"`
	CountyCode    string  `json:"countyCode"`
	CountyName    string  `json:"countyName"`
	Period        string  `json:"period"`
	Title         string  `json:"title"`
	DatasetSHA256 string  `json:"datasetSha256"`
	Options       Options `json:"options"`
	Pages         int     `json:"pages"`
	Files         []File  `json:"files"`
	Artifacts     []File  `json:"artifacts,omitempty"`
	// Signature describes report.pdf's signature, when it is signed (only
	// in the copy beside the zip, whose report.pdf entry in Artifacts is
	// the signed file; the zip holds the unsigned one).
	Signature *Signature `json:"signature,omitempty"`
}

// Signature is the record of a signed report.pdf (internal/signing): the
// unsigned, reproducible rendering is the signed file's prefix.
type Signature struct {
	// UnsignedSize and UnsignedSHA256 are the rendering before signing.
	UnsignedSize   int64  `json:"unsignedSize"`
	UnsignedSHA256 string `json:"unsignedSha256"`
	// SignedSHA256 is report.pdf as published.
	SignedSHA256 string `json:"signedSha256"`
	SubFilter    string `json:"subFilter"`
	// Signer is the certificate's subject; SignerCode the tenant code in it.
	Signer     string `json:"signer"`
	SignerCode string `json:"signerCode"`
	Issuer     string `json:"issuer"`
	// CertificateSHA256 is the signer certificate's fingerprint.
	CertificateSHA256 string `json:"certificateSha256"`
	// SignedAt is the signature's /M, RFC 3339.
	SignedAt string `json:"signedAt"`
}

// Marshal encodes m deterministically (fixed field order, two-space indent, final newline).
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Parse decodes and checks a manifest.
func Parse(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Schema != Schema {
		return nil, fmt.Errorf("manifest: schema %q, want %q", m.Schema, Schema)
	}
	if m.Period == "" {
		return nil, fmt.Errorf("manifest: period is empty")
	}
	if s := m.Signature; s != nil && (len(s.UnsignedSHA256) != 64 || len(s.SignedSHA256) != 64 || s.UnsignedSize <= 0) {
		return nil, fmt.Errorf("manifest: bad signature entry")
	}
	for _, f := range append(append([]File{}, m.Files...), m.Artifacts...) {
		if f.Name == "" || len(f.SHA256) != 64 || f.Size < 0 {
			return nil, fmt.Errorf("manifest: bad file entry %+v", f)
		}
	}
	return &m, nil
}

// Artifact returns the artifact named name, if listed.
func (m *Manifest) Artifact(name string) (File, bool) {
	for _, f := range m.Artifacts {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}
