// Package executor runs one attempt of a ReportRun: render the county's report
// for the period and publish it into the county's archive. Two implementations
// sit behind one interface: Job (a batch/v1 Job per attempt running
// `countyreport generate --period P --publish` with the county's scoped
// credentials) and InProcess (rendering inside the manager with bounded
// concurrency). Both read the result back from the published manifest, so what
// the ReportRun reports is what the archive holds.
package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/transient"
)

// Executor runs the attempts of ReportRuns. Start begins attempt
// run.Status.Attempts (already counted by the caller) and must be idempotent
// for that attempt: calling it twice never starts two. It reports the
// attempt Running, or its outcome when it finished already (InProcess waits a
// little for that, so a quick attempt costs one status write, not two). Poll
// reports how the current attempt is doing.
//
// Start returns a *Failure when the attempt failed before it began (no data,
// no credentials, storage down); other errors are the API server's and the
// caller simply retries the reconcile.
type Executor interface {
	Start(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (Result, error)
	Poll(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (Result, error)
}

// Notifier is implemented by executors that finish work outside the API
// server's view (InProcess): the channel carries the ReportRun to reconcile.
type Notifier interface {
	Notify() <-chan event.GenericEvent
}

// State of an attempt.
type State int

const (
	// Running: not finished yet.
	Running State = iota
	// Succeeded: published; Result.Report is the archive's view of it.
	Succeeded
	// Failed: Result.Failure says why and whether to retry.
	Failed
)

// Result is what Poll saw.
type Result struct {
	State   State
	Report  *storage.Report // when Succeeded
	Failure *Failure        // when Failed
}

// Failure is an attempt that failed: a machine-readable reason, a message for
// people (Chinese / English) and whether another attempt may succeed.
type Failure struct {
	Reason    string
	Message   string
	Retryable bool
	Err       error
}

func (f *Failure) Error() string { return f.Reason + ": " + f.Message }
func (f *Failure) Unwrap() error { return f.Err }

// AsFailure returns err's *Failure, if any.
func AsFailure(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}

// NoData is the failure of a period without data/<period>/dataset.json.
func NoData(period string, err error) *Failure {
	return &Failure{
		Reason:  v1alpha1.RunReasonNoData,
		Message: messages.Both("executor.noData", period, storage.DatasetKey(period)),
		Err:     err,
	}
}

// Classify turns a storage error met during an attempt into a Failure.
func Classify(period string, err error) *Failure {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		return NoData(period, err)
	case errors.Is(err, storage.ErrTooLarge):
		// The county's own object: another attempt reads the same bytes.
		return &Failure{Reason: v1alpha1.RunReasonInvalidData, Err: err,
			Message: messages.Both("executor.tooLarge", period, limits.DatasetBytes>>20) + ": " + err.Error()}
	case storage.IsUnavailable(err):
		return &Failure{Reason: v1alpha1.RunReasonStorageUnavailable, Retryable: true, Err: err,
			Message: messages.Both("executor.storageUnavailable") + ": " + err.Error()}
	case errors.Is(err, storage.ErrBadCredentials):
		// Scoped credentials are rotated; the next attempt reads the Secret again.
		return &Failure{Reason: v1alpha1.RunReasonNoCredentials, Retryable: true, Err: err,
			Message: messages.Both("executor.credentialsRejected") + ": " + err.Error()}
	default:
		return &Failure{Reason: v1alpha1.RunReasonRenderFailed, Retryable: true, Err: err,
			Message: messages.Both("executor.renderPublishFailed") + ": " + err.Error()}
	}
}

// clockSkew is how far the object store's clock may be behind the
// manager's when a report's time is compared with a run's start.
const clockSkew = time.Minute

// publishedSince returns the period's report when the archive holds one
// written since the run began: the result of an attempt whose own record is
// gone (a Job removed by its TTL, an in-process attempt lost to a manager
// restart). ok is false when there is none (or no credentials to look); the
// error is a store that cannot be asked just now, to look again later
// rather than render once more.
func publishedSince(ctx context.Context, archives *Archives, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (rep *storage.Report, ok bool, err error) {
	if run.Status.StartTime == nil {
		return nil, false, nil
	}
	a, err := archives.Open(ctx, cr)
	if err != nil {
		if _, ok := AsFailure(err); !ok {
			return nil, false, err // the API server's: look again later
		}
		return nil, false, nil
	}
	rep, err = a.Report(ctx, run.Spec.Period)
	switch {
	case err == nil:
		return rep, !rep.Time.Before(run.Status.StartTime.Add(-clockSkew)), nil
	case storage.IsUnavailable(err):
		return nil, false, fmt.Errorf("read the archive of %s: %w", run.Spec.Period, err)
	}
	return nil, false, nil
}

// Image is the image a county's runs use: its portal image override, else the operator's.
func Image(cr *v1alpha1.CountyReport, defaultImage string) string {
	if cr.Spec.Portal.Image != "" {
		return cr.Spec.Portal.Image
	}
	return defaultImage
}

// Language is the edition the county renders.
func Language(cr *v1alpha1.CountyReport) string {
	if cr.Spec.Report.Language == "" {
		return "zh-CN"
	}
	return cr.Spec.Report.Language
}

// Archives opens counties' archives with their scoped credentials, read from
// the credentials Secret (never the operator's admin credentials). Clients
// are kept while the Secret's resourceVersion stays the same.
type Archives struct {
	// Reader reads Secrets the Cache does not have: the manager's API reader.
	Reader client.Reader
	// Cache, when set, is read first: the manager's cache, which holds the
	// Secrets the operator labels as its own (the credentials Secrets), so a
	// run costs the API server no read. A Secret seen there a moment late
	// holds credentials that are still valid: they are rotated well before
	// they expire.
	Cache client.Reader

	mu      sync.Mutex
	clients map[client.ObjectKey]cachedClient
}

type cachedClient struct {
	version string
	client  *storage.Client
	bucket  string
}

// Open returns the county's archive.
func (a *Archives) Open(ctx context.Context, cr *v1alpha1.CountyReport) (*storage.Archive, error) {
	key := client.ObjectKey{Namespace: cr.Namespace, Name: tenant.CredentialsSecretName(cr)}
	var sec corev1.Secret
	if err := a.getSecret(ctx, key, &sec); err != nil {
		if transient.Is(err) {
			// The API server, not the credentials: the reconcile is retried.
			return nil, fmt.Errorf("read the storage credentials Secret %s: %w", key.Name, err)
		}
		return nil, &Failure{Reason: v1alpha1.RunReasonNoCredentials, Retryable: true, Err: err,
			Message: messages.Both("executor.secretUnreadable", key.Name) + ": " + err.Error()}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[key]; ok && c.version == sec.ResourceVersion {
		return c.client.Archive(c.bucket), nil
	}
	cfg, bucket, err := ConfigFromSecret(&sec)
	if err != nil {
		return nil, &Failure{Reason: v1alpha1.RunReasonNoCredentials, Retryable: true, Err: err,
			Message: messages.Both("executor.secretIncomplete", key.Name) + ": " + err.Error()}
	}
	if bucket == "" {
		bucket = tenant.Bucket(cr)
	}
	c, err := storage.New(cfg)
	if err != nil {
		return nil, &Failure{Reason: v1alpha1.RunReasonNoCredentials, Retryable: true, Err: err,
			Message: messages.Both("executor.secretInvalid", key.Name) + ": " + err.Error()}
	}
	if old, ok := a.clients[key]; ok {
		old.client.Close()
	}
	if a.clients == nil {
		a.clients = map[client.ObjectKey]cachedClient{}
	}
	a.clients[key] = cachedClient{version: sec.ResourceVersion, client: c, bucket: bucket}
	return c.Archive(bucket), nil
}

func (a *Archives) getSecret(ctx context.Context, key client.ObjectKey, sec *corev1.Secret) error {
	if a.Cache != nil {
		err := a.Cache.Get(ctx, key, sec)
		if !apierrors.IsNotFound(err) {
			return err
		}
	}
	return a.Reader.Get(ctx, key, sec)
}

// ConfigFromSecret reads a county's scoped credentials Secret (keys in
// internal/tenant): the storage configuration and the bucket.
func ConfigFromSecret(sec *corev1.Secret) (storage.Config, string, error) {
	get := func(k string) string { return strings.TrimSpace(string(sec.Data[k])) }
	cfg := storage.Config{
		Endpoint:     get(tenant.SecretEndpoint),
		AccessKey:    get(tenant.SecretAccessKey),
		SecretKey:    get(tenant.SecretSecretKey),
		SessionToken: get(tenant.SecretSessionToken),
		MaxRetries:   1,
	}
	if ca := sec.Data[tenant.SecretCABundle]; len(ca) > 0 {
		cfg.CABundle = ca
	}
	if v := get(tenant.SecretInsecure); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, "", fmt.Errorf("key %s: %q is not a boolean", tenant.SecretInsecure, v)
		}
		cfg.Insecure = b
	}
	if err := cfg.Validate(); err != nil {
		return cfg, "", err
	}
	return cfg, get(tenant.SecretBucket), nil
}

// AssetsFS serves the photos a stored dataset names (assets/<sha256>.<ext>)
// from the archive, so a report rendered from storage has its pictures.
func AssetsFS(ctx context.Context, a *storage.Archive) fs.FS { return assetsFS{ctx: ctx, a: a} }

type assetsFS struct {
	ctx context.Context
	a   *storage.Archive
}

func (f assetsFS) Open(name string) (fs.File, error) {
	rest, ok := strings.CutPrefix(path.Clean(name), "assets/")
	if !ok || strings.Contains(rest, "/") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	data, err := f.a.GetAsset(f.ctx, rest)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{name: path.Base(name), data: data}, nil
}

type memFile struct {
	name string
	data []byte
	off  int
}

func (m *memFile) Stat() (fs.FileInfo, error) { return memInfo{m}, nil }
func (m *memFile) Close() error               { return nil }
func (m *memFile) Read(p []byte) (int, error) {
	if m.off >= len(m.data) {
		return 0, io.EOF
	}
	n := copy(p, m.data[m.off:])
	m.off += n
	return n, nil
}

type memInfo struct{ f *memFile }

func (i memInfo) Name() string       { return i.f.name }
func (i memInfo) Size() int64        { return int64(len(i.f.data)) }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
