package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Credentials are temporary credentials for one bucket.
type Credentials struct {
	AccessKey    string
	SecretKey    string
	SessionToken string
	Expiration   time.Time
}

// Config returns base with these credentials in place of base's.
func (c Credentials) Config(base Config) Config {
	base.AccessKey, base.SecretKey, base.SessionToken = c.AccessKey, c.SecretKey, c.SessionToken
	return base
}

// CredentialIssuer mints credentials that reach one bucket and nothing else.
// It is the only MinIO-specific part of the package.
type CredentialIssuer interface {
	Issue(ctx context.Context, bucket string, ttl time.Duration) (Credentials, error)
}

// Bounds of a credential lifetime accepted by AssumeRole.
const (
	MinCredentialTTL = 15 * time.Minute
	MaxCredentialTTL = 365 * 24 * time.Hour
)

// STSIssuer issues credentials through MinIO's STS AssumeRole, called with
// the admin credentials and an inline session policy (always sent: without
// one, MinIO's temporary credentials carry the caller's full rights).
type STSIssuer struct {
	cfg    Config
	client *http.Client
}

var _ CredentialIssuer = (*STSIssuer)(nil)

// NewSTSIssuer returns an issuer acting with cfg's (admin) credentials.
func NewSTSIssuer(cfg Config) (*STSIssuer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, &Error{Op: "configure STS", Kind: ErrInvalid, Err: err}
	}
	tr, err := cfg.transport()
	if err != nil {
		return nil, &Error{Op: "configure STS", Endpoint: cfg.Endpoint, Kind: ErrInvalid, Err: err}
	}
	return &STSIssuer{cfg: cfg, client: &http.Client{Transport: tr, Timeout: time.Minute}}, nil
}

// Issue asks for credentials limited to bucket, valid for ttl (between
// MinCredentialTTL and MaxCredentialTTL).
func (s *STSIssuer) Issue(ctx context.Context, bucket string, ttl time.Duration) (Credentials, error) {
	policy, err := SessionPolicy(bucket)
	if err != nil {
		return Credentials{}, &Error{Op: "issue scoped credentials (STS AssumeRole) for", Endpoint: s.cfg.Endpoint, Bucket: bucket, Kind: ErrInvalid, Err: err}
	}
	return s.assumeRole(ctx, bucket, policy, ttl)
}

// assumeRole asks STS for credentials limited by policy (never empty: an
// AssumeRole without a session policy gives the caller's full rights).
func (s *STSIssuer) assumeRole(ctx context.Context, what string, policy []byte, ttl time.Duration) (Credentials, error) {
	fail := func(kind, err error) (Credentials, error) {
		if kind == nil {
			kind = classify(err)
		}
		return Credentials{}, &Error{Op: "issue scoped credentials (STS AssumeRole) for", Endpoint: s.cfg.Endpoint, Bucket: what, Kind: kind, Err: err}
	}
	if ttl < MinCredentialTTL || ttl > MaxCredentialTTL {
		return fail(ErrInvalid, fmt.Errorf("lifetime %s outside %s..%s", ttl, MinCredentialTTL, MaxCredentialTTL))
	}
	if len(policy) == 0 {
		return fail(ErrInvalid, fmt.Errorf("no session policy"))
	}
	creds, err := credentials.NewSTSAssumeRole(s.cfg.URL(), credentials.STSAssumeRoleOptions{
		AccessKey:       s.cfg.AccessKey,
		SecretKey:       s.cfg.SecretKey,
		SessionToken:    s.cfg.SessionToken,
		Policy:          string(policy),
		Location:        s.cfg.region(),
		DurationSeconds: int(ttl / time.Second),
	})
	if err != nil {
		return fail(ErrInvalid, err)
	}
	v, err := creds.GetWithContext(&credentials.CredContext{Client: s.client, Context: ctx})
	if err != nil {
		return fail(nil, err)
	}
	if v.AccessKeyID == "" || v.SecretAccessKey == "" || v.SessionToken == "" {
		return fail(ErrInvalid, fmt.Errorf("STS answered without complete credentials"))
	}
	return Credentials{AccessKey: v.AccessKeyID, SecretKey: v.SecretAccessKey, SessionToken: v.SessionToken, Expiration: v.Expiration}, nil
}

// SessionPolicy is the inline policy sent with AssumeRole for bucket: what
// the archive needs on that bucket and its objects, and nothing on any other
// resource. It leaves out bucket administration (deleting the bucket,
// changing its versioning, policy or tags) and deleting object versions, so
// a county's credentials cannot switch off or erase the history that keeps
// old reports recoverable: a delete only adds a delete marker. Retention,
// which does remove versions, runs in the operator with the admin credentials.
// review/ is the city's: the county may read its verdicts, never write them.
// notify/ is the operator's notification outbox and log: the county reads
// what was sent to it, and cannot forge or erase an entry. audit/ is the
// tenant's audit log: written by its portal, never deleted with its
// credentials.
func SessionPolicy(bucket string) ([]byte, error) {
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return nil, err
	}
	type statement struct {
		Effect   string   `json:"Effect"`
		Action   []string `json:"Action"`
		Resource []string `json:"Resource"`
	}
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{
		Version: "2012-10-17",
		Statement: []statement{
			{
				Effect: "Allow",
				Action: []string{
					"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads",
					"s3:GetBucketLocation", "s3:GetBucketVersioning",
				},
				Resource: []string{"arn:aws:s3:::" + bucket},
			},
			{
				Effect: "Allow",
				Action: []string{
					"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject",
					"s3:DeleteObject",
					"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
				},
				Resource: []string{"arn:aws:s3:::" + bucket + "/*"},
			},
			{
				// The city's verdicts on the county's submissions: the
				// county reads them but cannot write or remove them.
				Effect:   "Deny",
				Action:   []string{"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"},
				Resource: []string{"arn:aws:s3:::" + bucket + "/" + prefixReview + "*", "arn:aws:s3:::" + bucket + "/" + prefixNotify + "*"},
			},
			{
				// The audit log: the portal adds entries, and nobody
				// holding the tenant's credentials can remove one
				// (retention runs with the admin credentials).
				Effect:   "Deny",
				Action:   []string{"s3:DeleteObject", "s3:DeleteObjectVersion"},
				Resource: []string{"arn:aws:s3:::" + bucket + "/" + prefixAudit + "*"},
			},
		},
	}
	return json.Marshal(doc)
}
