package signing

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Verified is what Verify found in a signed PDF.
type Verified struct {
	// Cert is the signer's certificate; Code its tenant code (serialNumber).
	Cert *x509.Certificate
	Code string
	// SignedAt is the dictionary's /M (PAdES B-B has no trusted time).
	SignedAt  time.Time
	SubFilter string
	// UnsignedSize and UnsignedSHA256 describe the prefix the signature
	// was appended to: the reproducible rendering.
	UnsignedSize   int64
	UnsignedSHA256 string
	SignedSHA256   string
}

// ErrUnsigned: the PDF carries no signature.
var ErrUnsigned = errors.New("the PDF is not signed")

// MaxPDF bounds the files Verify reads.
const MaxPDF = 256 << 20

// Verify checks pdf's signature: the byte range covers the whole file but
// the signature's own /Contents, the signed digest matches, the CMS
// signature and signing-certificate-v2 hold, and the signer's certificate
// chains to roots at the signing time.
func Verify(pdf []byte, roots *x509.CertPool) (*Verified, error) {
	if roots == nil {
		return nil, errors.New("no trust anchor: give the installation CA")
	}
	if len(pdf) > MaxPDF {
		return nil, fmt.Errorf("the file is larger than %d bytes", MaxPDF)
	}
	d, err := readDocument(pdf)
	if err != nil {
		return nil, err
	}
	sig, err := d.signature()
	if err != nil {
		return nil, err
	}
	sub := mustGet(sig, "SubFilter").text
	if sub != SubFilter && sub != "adbe.pkcs7.detached" {
		return nil, fmt.Errorf("the signature's /SubFilter is %q, not %s", sub, SubFilter)
	}
	contents := mustGet(sig, "Contents")
	lo, hi, err := byteRange(sig, len(pdf))
	if err != nil {
		return nil, err
	}
	if contents.kind != kString || contents.start != lo || contents.end != hi {
		return nil, errors.New("the signature's /ByteRange does not leave out exactly its /Contents")
	}
	h := sha256.New()
	h.Write(pdf[:lo])
	h.Write(pdf[hi:])
	signer, err := checkCMS(contents.str, h.Sum(nil))
	if err != nil {
		return nil, err
	}
	m := mustGet(sig, "M")
	at, err := parsePDFDate(string(m.str))
	if m.kind != kString || err != nil {
		return nil, fmt.Errorf("the signature's /M is not a date: %v", err)
	}
	if err := checkChain(signer.cert, signer.certs, roots, at); err != nil {
		return nil, err
	}
	prefix, err := d.previousRevision()
	if err != nil {
		return nil, err
	}
	us, ss := sha256.Sum256(pdf[:prefix]), sha256.Sum256(pdf)
	return &Verified{Cert: signer.cert, Code: signer.cert.Subject.SerialNumber, SignedAt: at, SubFilter: sub,
		UnsignedSize: int64(prefix), UnsignedSHA256: hex.EncodeToString(us[:]), SignedSHA256: hex.EncodeToString(ss[:])}, nil
}

// signature finds the signature dictionary: the value of the AcroForm's
// first signature field.
func (d *document) signature() (value, error) {
	rootNum, ok := ref(d.trailer, "Root")
	if !ok {
		return value{}, errors.New("the trailer has no /Root")
	}
	catalog, err := d.object(rootNum)
	if err != nil {
		return value{}, err
	}
	form, err := d.resolve(mustGet(catalog, "AcroForm"))
	if err != nil || form.kind != kDict {
		return value{}, ErrUnsigned
	}
	fields, err := d.resolve(mustGet(form, "Fields"))
	if err != nil || fields.kind != kArray {
		return value{}, ErrUnsigned
	}
	for i, f := range fields.items {
		if i == 64 {
			break
		}
		field, err := d.resolve(f)
		if err != nil || mustGet(field, "FT").text != "Sig" {
			continue
		}
		if v, ok := field.get("V"); ok {
			sig, err := d.resolve(v)
			if err == nil && sig.kind == kDict {
				return sig, nil
			}
		}
	}
	return value{}, ErrUnsigned
}

// byteRange reads /ByteRange [0 lo hi n] and checks that it ends at the end
// of the file.
func byteRange(sig value, size int) (lo, hi int, err error) {
	br := mustGet(sig, "ByteRange")
	if br.kind != kArray || len(br.items) != 4 {
		return 0, 0, errors.New("the signature has no /ByteRange of four numbers")
	}
	var n [4]int
	for i, it := range br.items {
		v, ok := it.int()
		if !ok || v < 0 {
			return 0, 0, errors.New("the signature's /ByteRange holds a bad number")
		}
		n[i] = v
	}
	if n[0] != 0 || n[1] >= n[2] || n[2]+n[3] != size {
		return 0, 0, errors.New("the signature's /ByteRange does not cover the whole file: bytes were added or removed after signing")
	}
	return n[1], n[2], nil
}

// previousRevision is the length of the file before the newest update:
// up to and including the end-of-line after the %%EOF that follows the
// section /Prev names.
func (d *document) previousRevision() (int, error) {
	prev, ok := mustGet(d.trailer, "Prev").int()
	if !ok || prev <= 0 || prev >= len(d.b) {
		return 0, errors.New("the signature is not an incremental update (no /Prev)")
	}
	i := bytes.Index(d.b[prev:], []byte("%%EOF"))
	if i < 0 {
		return 0, errors.New("the revision before the signature has no %%EOF")
	}
	end := prev + i + len("%%EOF")
	for end < len(d.b) && (d.b[end] == '\r' || d.b[end] == '\n') {
		end++
	}
	if x, err := lastStartXref(d.b[:end]); err != nil || x != prev {
		return 0, errors.New("the revision before the signature does not end where its /Prev says")
	}
	return end, nil
}

var pdfDateRE = regexp.MustCompile(`^D:(\d{14})(Z|([+-])(\d{2})'(\d{2})'?)?$`)

func parsePDFDate(s string) (time.Time, error) {
	m := pdfDateRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not D:YYYYMMDDHHmmSS+HH'mm'", s)
	}
	loc := time.UTC
	if m[3] != "" {
		h, _ := strconv.Atoi(m[4])
		mi, _ := strconv.Atoi(m[5])
		off := h*3600 + mi*60
		if m[3] == "-" {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.ParseInLocation("20060102150405", m[1], loc)
}
