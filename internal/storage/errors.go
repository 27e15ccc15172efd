package storage

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Kinds of failure. Every error this package returns for a storage operation
// is an *Error whose Kind is one of these (test with errors.Is), and which
// also unwraps to the underlying cause (minio.ErrorResponse, *net.OpError...).
var (
	// ErrUnavailable: the endpoint could not be reached or answered 5xx
	// (connection refused, DNS, timeout, server starting or overloaded).
	// Retrying later may succeed. See IsUnavailable.
	ErrUnavailable = errors.New("storage unavailable")
	// ErrBadCredentials: the access key is unknown, the secret key or the
	// session token is wrong, or the temporary credentials expired.
	ErrBadCredentials = errors.New("credentials rejected")
	// ErrAccessDenied: the credentials are valid but not allowed to do this
	// (for scoped credentials: another county's bucket).
	ErrAccessDenied = errors.New("access denied")
	// ErrNoSuchBucket: the bucket does not exist.
	ErrNoSuchBucket = errors.New("bucket does not exist")
	// ErrNotFound: the period, object or version does not exist.
	ErrNotFound = errors.New("not found")
	// ErrIncomplete: a manifest exists but a file it lists is missing, or
	// has another size or SHA-256 than the manifest says (checked by Stat).
	ErrIncomplete = errors.New("period incomplete")
	// ErrCorrupt: downloaded bytes do not match the manifest's size or SHA-256,
	// or the manifest itself does not parse or match its stored checksum.
	ErrCorrupt = errors.New("checksum mismatch")
	// ErrTLS: the TLS handshake failed (plain HTTP server, unknown CA, wrong
	// host name).
	ErrTLS = errors.New("TLS handshake failed")
	// ErrInvalid: the caller passed something this package refuses
	// (bad period, name, manifest, configuration).
	ErrInvalid = errors.New("invalid argument")
)

// Error is what failed, where, and why.
type Error struct {
	Op       string // what was attempted, e.g. "put object"
	Endpoint string
	Bucket   string
	Key      string
	Kind     error // one of the Err* values above, or nil
	Err      error // the cause
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("storage: ")
	b.WriteString(e.Op)
	if e.Key != "" {
		b.WriteString(" " + e.Key)
	}
	if e.Bucket != "" {
		b.WriteString(" in bucket " + e.Bucket)
	}
	if e.Endpoint != "" {
		b.WriteString(" at " + e.Endpoint)
	}
	if e.Kind != nil {
		b.WriteString(": " + e.Kind.Error())
		if hint := hints[e.Kind]; hint != "" {
			b.WriteString(" (" + hint + ")")
		}
	}
	if e.Err != nil && (e.Kind == nil || e.Err.Error() != e.Kind.Error()) {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

var hints = map[error]string{
	ErrUnavailable:    "is the endpoint right and the server up?",
	ErrBadCredentials: "check the access key, secret key and session token",
	ErrAccessDenied:   "these credentials do not reach this bucket",
	ErrNoSuchBucket:   "has the operator provisioned it?",
	ErrTLS:            "check --storage-insecure and the CA bundle",
	ErrNotOwned:       "a bucket belongs to the one CountyReport it was created for; choose another spec.storage.bucket",
}

// Unwrap gives both the kind and the cause.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// IsUnavailable reports whether err means the storage endpoint could not be
// reached or is not serving (the operator's reason StorageUnavailable), as
// opposed to a refusal (credentials, permissions) or a missing object.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	return classify(err) == ErrUnavailable
}

// classify maps a minio-go, STS or network error to a kind.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	for _, k := range []error{ErrUnavailable, ErrTLS, ErrBadCredentials, ErrAccessDenied, ErrNoSuchBucket, ErrNotFound, ErrIncomplete, ErrCorrupt, ErrInvalid, ErrNotOwned} {
		if errors.Is(err, k) {
			return k
		}
	}
	// MinIO's STS answers InvalidParameterValue "Server not initialized,
	// please try again" while its IAM subsystem starts (after a restart,
	// for seconds after the object layer answers): a wait, not a bad request.
	if strings.Contains(err.Error(), "Server not initialized") {
		return ErrUnavailable
	}
	var sts credentials.ErrorResponse
	if errors.As(err, &sts) {
		return classifyCode(sts.STSError.Code, 0)
	}
	var stsErr credentials.Error
	if errors.As(err, &stsErr) {
		return classifyCode(stsErr.Code, stsErr.StatusCode)
	}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && (resp.Code != "" || resp.StatusCode != 0) {
		return classifyCode(resp.Code, resp.StatusCode)
	}
	var recErr tls.RecordHeaderError
	var verErr *tls.CertificateVerificationError
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invErr x509.CertificateInvalidError
	if errors.As(err, &recErr) || errors.As(err, &verErr) || errors.As(err, &uaErr) ||
		errors.As(err, &hostErr) || errors.As(err, &invErr) ||
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return ErrTLS
	}
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &opErr), errors.As(err, &dnsErr), errors.As(err, &netErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded):
		return ErrUnavailable
	}
	// minio-go flattens some transport failures into strings.
	msg := err.Error()
	for _, s := range []string{"connection refused", "connection reset", "no such host", "i/o timeout", "EOF", "server closed"} {
		if strings.Contains(msg, s) {
			return ErrUnavailable
		}
	}
	return nil
}

func classifyCode(code string, status int) error {
	switch code {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
		"InvalidTokenId", "InvalidClientTokenId", "AccessKeyDisabled":
		return ErrBadCredentials
	case "AccessDenied", "AllAccessDisabled":
		return ErrAccessDenied
	case "NoSuchBucket":
		return ErrNoSuchBucket
	case "NoSuchKey", "NoSuchVersion", "NoSuchObject", "MethodNotAllowed":
		return ErrNotFound
	case "ServiceUnavailable", "SlowDown", "SlowDownRead", "SlowDownWrite", "InternalError",
		"XMinioServerNotInitialized", "XMinioStorageFull", "RequestTimeout", "ServerNotInitialized":
		return ErrUnavailable
	case "InvalidBucketName", "InvalidArgument", "InvalidParameterValue", "MalformedPolicyDocument",
		"InvalidRequest", "MalformedXML":
		return ErrInvalid
	}
	switch {
	case status >= 500:
		return ErrUnavailable
	case status == 401:
		return ErrBadCredentials
	case status == 403:
		return ErrAccessDenied
	case status == 404:
		return ErrNotFound
	}
	return nil
}

func (c *Client) wrap(op, bucket, key string, err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	return &Error{Op: op, Endpoint: c.cfg.Endpoint, Bucket: bucket, Key: key, Kind: classify(err), Err: err}
}
