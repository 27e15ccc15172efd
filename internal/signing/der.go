package signing

import (
	"bytes"
	"encoding/asn1"
	"sort"
)

// DER building: CMS structures are assembled from encoded pieces, which
// keeps the signed attributes' bytes exactly as signed.

// tlv encodes one DER element with tag (a full identifier octet) and content.
func tlv(tag byte, content ...[]byte) []byte {
	n := 0
	for _, c := range content {
		n += len(c)
	}
	out := make([]byte, 0, n+6)
	out = append(out, tag)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

const (
	tagSequence = 0x30
	tagSet      = 0x31
	tagOctets   = 0x04
	tagCtx0     = 0xA0 // [0] constructed
	tagCtx4     = 0xA4 // [4] constructed
)

func seq(content ...[]byte) []byte { return tlv(tagSequence, content...) }

// setOf encodes a DER SET OF: the elements sorted by their encodings.
func setOf(elems ...[]byte) []byte {
	s := append([][]byte(nil), elems...)
	sort.Slice(s, func(i, j int) bool { return bytes.Compare(s[i], s[j]) < 0 })
	return tlv(tagSet, s...)
}

func mustDER(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err) // only fixed OIDs and integers are marshalled
	}
	return b
}

// algorithm is an AlgorithmIdentifier with no parameters.
func algorithm(oid asn1.ObjectIdentifier) []byte { return seq(mustDER(oid)) }

var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidRSAEncryption        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
)
