// Package signing signs published PDFs (PAdES baseline B-B) and checks them.
//
// A report is rendered unsigned and reproducible; Signer.SignPDF appends an
// incremental update to it (a signature dictionary, an AcroForm with one
// invisible signature field, the updated catalog and first page, a new xref
// section whose trailer names the old one with /Prev), so the signed file's
// prefix is the reproducible file, byte for byte. The signature is a
// detached CMS SignedData (SubFilter ETSI.CAdES.detached, SHA-256, ECDSA
// P-256) whose signed attributes are content-type, message-digest and
// signing-certificate-v2; the signing time is the dictionary's /M, as
// PAdES wants, not a CMS attribute.
//
// Keys: an installation CA, held only by the operator (CA, made on first
// start or supplied by the administrator), issues each tenant a signing
// certificate naming the tenant and its code (IssueTenant), kept in a
// Secret of the tenant's namespace (TenantSecret) and renewed before it
// expires (NeedsRenewal).
//
// Verify checks a signed PDF offline: the byte range covers the whole file
// but the signature, the digest, the CMS signature, signing-certificate-v2,
// and the chain to the given roots. The same files verify with poppler's
// pdfsig against an NSS database that trusts the CA (docs/signing.md).
package signing
