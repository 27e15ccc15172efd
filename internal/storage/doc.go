// Package storage is the county archive in S3-compatible object storage,
// spoken through minio-go (plain S3 only, except CredentialIssuer).
//
// # Layout (one bucket per county, versioning on)
//
//	data/<period>/dataset.json        PutDataset, GetDataset
//	uploads/<period>/<time>-<name>    PutUpload
//	assets/<sha256>.<ext>             PutAsset, GetAsset
//	reports/<period>/report.pdf       Publish ...
//	reports/<period>/bundle.zip
//	reports/<period>/manifest.json    ... written last
//	audit/<period>/<name>.json        PutAuditEntry, AuditEntries (internal/audit's log)
//
// Every object carries its SHA-256 as user metadata (x-amz-meta-countyreport-sha256).
//
// # When a period exists
//
// For readers (List, Report, Get, Open, PresignGet) a period exists only when
// its manifest exists, parses (internal/manifest) and names the period, and
// every artifact it lists is present with the listed size and SHA-256:
// List/Report compare the size from Stat and the SHA-256 stored as metadata;
// Get, Open and Verify re-hash the downloaded bytes. Anything else is
// ErrNotFound (no manifest), ErrIncomplete (a listed object missing) or
// ErrCorrupt (a mismatch), and List leaves the period out (Scan says why).
//
// # Re-publishing is one step: version-pinned manifests
//
// The keys are fixed by the layout, so a new rendering of a period
// overwrites report.pdf and bundle.zip before the new manifest exists. To keep
// that invisible, Publish records the object version ID of each artifact it
// uploaded in the manifest object's metadata (x-amz-meta-countyreport-versions),
// and readers fetch exactly those versions. Until the manifest write, readers
// get the previous manifest and the previous versions; after it, the new
// ones. A publish that fails half-way leaves new artifact versions nobody
// points at and the previous report intact; a retry starts over. Presigned
// links name the version too, so a link handed out stays valid for what it
// showed. The replaced versions remain in the bucket's history, recoverable,
// until Retain removes the period.
//
// On a bucket without versioning (any S3 server, bucket made by hand) there
// are no version IDs: readers check the current objects against the manifest
// and, on a mismatch, read the manifest once more in case a publish was
// switching it; a period caught half-replaced reads as incomplete rather than
// as wrong bytes.
//
// # Errors
//
// Failures are *Error values naming the operation, endpoint, bucket and key,
// with a Kind testable by errors.Is: ErrUnavailable (see IsUnavailable: the
// operator's StorageUnavailable), ErrBadCredentials, ErrAccessDenied,
// ErrNoSuchBucket, ErrTLS, ErrNotFound, ErrIncomplete, ErrCorrupt, ErrInvalid.
//
// # Credentials
//
// Client with the admin credentials provisions (EnsureBucket,
// DeleteBucketAll); CredentialIssuer mints per-bucket credentials. The one
// implementation, STSIssuer, uses MinIO's STS AssumeRole with an inline
// session policy (always sent) limited to the bucket; see SessionPolicy.
package storage
