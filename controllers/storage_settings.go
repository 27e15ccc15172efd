package controllers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

// StorageSettings are the object store's settings every tenant's reconciler
// (county and city) hands on to its credentials Secrets and bounds its
// storage calls with.
type StorageSettings struct {
	// StorageEndpoint (host:port) and StorageInsecure tell the portal where its archive is.
	StorageEndpoint string
	StorageInsecure bool
	// StorageCABundle is the endpoint's private CA (PEM), handed to clients
	// in the credentials Secrets; nil for a public CA or plain HTTP.
	StorageCABundle []byte
	// StorageTimeout bounds each storage call of a reconcile
	// (DefaultStorageTimeout when zero).
	StorageTimeout time.Duration
	// CredentialsTTL is the lifetime of scoped credentials (DefaultCredentialsTTL when zero).
	CredentialsTTL time.Duration
}

// storageSettings are the reconcilers' share of the manager's options.
func (o Options) storageSettings() StorageSettings {
	return StorageSettings{StorageEndpoint: o.StorageEndpoint, StorageInsecure: o.StorageInsecure,
		StorageCABundle: o.StorageCABundle, StorageTimeout: o.StorageTimeout, CredentialsTTL: o.CredentialsTTL}
}

func (s StorageSettings) credentialsTTL() time.Duration {
	return cmp.Or(s.CredentialsTTL, DefaultCredentialsTTL)
}

// storageDeadline bounds a step's storage calls: n calls of StorageTimeout
// each, so an endpoint that does not answer is reported quickly.
func (s StorageSettings) storageDeadline(ctx context.Context, n int) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, time.Duration(n)*cmp.Or(s.StorageTimeout, DefaultStorageTimeout))
}

// endpointData is what every credentials Secret says of the endpoint.
func (s StorageSettings) endpointData() map[string][]byte {
	d := map[string][]byte{
		tenant.SecretEndpoint: []byte(s.StorageEndpoint),
		tenant.SecretInsecure: []byte(strconv.FormatBool(s.StorageInsecure)),
	}
	if len(s.StorageCABundle) > 0 {
		d[tenant.SecretCABundle] = s.StorageCABundle
	}
	return d
}

// DefaultStorageTimeout bounds each storage call of a reconcile.
const DefaultStorageTimeout = 15 * time.Second

// withStorage runs one storage call with a deadline of n storage timeouts
// (longer for calls that walk a whole bucket), so an endpoint that does not
// answer is reported as StorageUnavailable quickly and the reconcile goes on
// to the portal and the next county. Work cut short is idempotent and is
// taken up by the retry.
func (s StorageSettings) withStorage(ctx context.Context, n int, call func(context.Context) error) error {
	timeout := time.Duration(n) * cmp.Or(s.StorageTimeout, DefaultStorageTimeout)
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := call(sctx)
	if err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return &storage.Error{Op: "reach storage", Endpoint: s.StorageEndpoint, Kind: storage.ErrUnavailable,
			Err: fmt.Errorf("no answer within %s: %w", timeout, err)}
	}
	return err
}
