package signing

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
	"unicode/utf16"
)

// Signer signs PDFs with a tenant's key.
type Signer struct {
	Key  crypto.Signer
	Cert *x509.Certificate
	// Chain are the issuers of Cert, up to the installation CA.
	Chain []*x509.Certificate
	// Now is the signing time written as the dictionary's /M.
	Now func() time.Time
	// Reason is the /Reason entry (who publishes, for readers).
	Reason string
}

// SubFilter is the signature's format: CAdES-based PAdES.
const SubFilter = "ETSI.CAdES.detached"

// contentsSize is the room reserved for the CMS (bytes; twice as many hex
// digits are written): the certificates of a CA chain of RSA-4096
// certificates fit.
const contentsSize = 8192

// byteRangeWidth is the fixed width of the /ByteRange array's numbers,
// written before they are known.
const byteRangeWidth = 3*11 + 2

// SignPDF returns pdf with a signature appended as an incremental update;
// pdf itself is the signed file's prefix.
func (s *Signer) SignPDF(pdf []byte) ([]byte, error) {
	if s == nil || s.Key == nil || s.Cert == nil {
		return nil, errors.New("signing: no key or certificate")
	}
	d, err := readDocument(pdf)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	rootNum, ok := ref(d.trailer, "Root")
	if !ok {
		return nil, errors.New("signing: the trailer has no /Root")
	}
	catalog, err := d.object(rootNum)
	if err != nil || catalog.kind != kDict {
		return nil, fmt.Errorf("signing: the catalog: %v", err)
	}
	if _, has := catalog.get("AcroForm"); has {
		return nil, errors.New("signing: the document has a form already (signed before?)")
	}
	pageNum, page, err := d.firstPage(catalog)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	sigNum, fieldNum, formNum := d.size, d.size+1, d.size+2

	var out bytes.Buffer
	out.Grow(len(pdf) + 2*contentsSize + 4096)
	out.Write(pdf)
	if pdf[len(pdf)-1] != '\n' {
		out.WriteByte('\n')
	}
	offsets := map[int]int{}
	begin := func(num int) {
		offsets[num] = out.Len()
		fmt.Fprintf(&out, "%d %d obj\n", num, d.gens[num])
	}
	end := func() { out.WriteString("\nendobj\n") }

	// The signature dictionary, with room for /ByteRange and /Contents.
	begin(sigNum)
	out.WriteString("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /" + SubFilter + " /ByteRange [")
	rangeAt := out.Len()
	out.Write(bytes.Repeat([]byte{' '}, byteRangeWidth))
	out.WriteString("] /Contents ")
	contentsAt := out.Len()
	out.WriteByte('<')
	out.Write(bytes.Repeat([]byte{'0'}, 2*contentsSize))
	out.WriteByte('>')
	contentsEnd := out.Len()
	fmt.Fprintf(&out, " /M %s /Name %s", pdfDate(s.now()), textString(s.Cert.Subject.CommonName))
	if s.Reason != "" {
		fmt.Fprintf(&out, " /Reason %s", textString(s.Reason))
	}
	out.WriteString(" >>")
	end()

	// The invisible signature field, merged with its widget on page 1.
	begin(fieldNum)
	fmt.Fprintf(&out, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V %d 0 R /F 132 /Rect [0 0 0 0] /P %d %d R >>", sigNum, pageNum, d.gens[pageNum])
	end()
	begin(formNum)
	fmt.Fprintf(&out, "<< /Fields [%d 0 R] /SigFlags 3 >>", fieldNum)
	end()

	begin(rootNum)
	out.Write(withEntry(pdf, catalog, fmt.Sprintf("/AcroForm %d 0 R", formNum)))
	end()
	if err := s.writePage(&out, d, pageNum, page, fieldNum, begin, end); err != nil {
		return nil, err
	}
	writeXref(&out, d, offsets, formNum+1)

	b := out.Bytes()
	br := fmt.Sprintf("0 %d %d %d", contentsAt, contentsEnd, len(b)-contentsEnd)
	if len(br) > byteRangeWidth {
		return nil, errors.New("signing: the file is too large for the byte range")
	}
	copy(b[rangeAt:], br)
	h := sha256.New()
	h.Write(b[:contentsAt])
	h.Write(b[contentsEnd:])
	cms, err := signCMS(h.Sum(nil), s.Key, s.Cert, s.Chain)
	if err != nil {
		return nil, err
	}
	if len(cms) > contentsSize {
		return nil, fmt.Errorf("signing: the signature is %d bytes, more than the %d reserved", len(cms), contentsSize)
	}
	hex.Encode(b[contentsAt+1:], cms)
	return b, nil
}

func (s *Signer) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// writePage writes the first page again with the field among its /Annots.
func (s *Signer) writePage(out *bytes.Buffer, d *document, num int, page value, field int, begin func(int), end func()) error {
	annot := fmt.Sprintf("%d 0 R", field)
	annots, has := page.get("Annots")
	switch {
	case !has:
		begin(num)
		out.Write(withEntry(d.b, page, "/Annots ["+annot+"]"))
		end()
	case annots.kind == kArray:
		begin(num)
		out.Write(d.b[page.start : annots.end-1])
		out.WriteString(" " + annot)
		out.Write(d.b[annots.end-1 : page.end])
		end()
	case annots.kind == kRef:
		arr, err := d.object(annots.num)
		if err != nil || arr.kind != kArray {
			return fmt.Errorf("signing: the first page's /Annots: %v", err)
		}
		begin(annots.num)
		out.Write(d.b[arr.start : arr.end-1])
		out.WriteString(" " + annot + "]")
		end()
	default:
		return errors.New("signing: the first page's /Annots is not an array")
	}
	return nil
}

// withEntry is dict as written in b with entry added before its ">>".
func withEntry(b []byte, dict value, entry string) []byte {
	out := append([]byte(nil), b[dict.start:dict.end-2]...)
	if len(out) > 0 && !isSpace(out[len(out)-1]) {
		out = append(out, ' ')
	}
	return append(append(out, entry...), " >>"...)
}

// writeXref writes the update's cross-reference section and trailer: the
// objects written, in runs of consecutive numbers, and /Prev.
func writeXref(out *bytes.Buffer, d *document, offsets map[int]int, size int) {
	nums := make([]int, 0, len(offsets))
	for n := range offsets {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	xref := out.Len()
	out.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for i := 0; i < len(nums); {
		j := i + 1
		for j < len(nums) && nums[j] == nums[j-1]+1 {
			j++
		}
		fmt.Fprintf(out, "%d %d\n", nums[i], j-i)
		for _, n := range nums[i:j] {
			fmt.Fprintf(out, "%010d %05d n \n", offsets[n], d.gens[n])
		}
		i = j
	}
	out.WriteString("trailer\n<< /Size " + strconv.Itoa(max(size, d.size)))
	for _, k := range []string{"Root", "Info", "ID"} {
		if v, ok := d.trailer.get(k); ok {
			out.WriteString(" /" + k + " ")
			out.Write(d.b[v.start:v.end])
		}
	}
	fmt.Fprintf(out, " /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", d.startx, xref)
}

// pdfDate is a PDF date: D:YYYYMMDDHHmmSS+HH'mm'.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("(D:%s%c%02d'%02d')", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// textString is a PDF text string in UTF-16BE (Chinese names).
func textString(s string) string {
	var b bytes.Buffer
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteByte('>')
	return b.String()
}
