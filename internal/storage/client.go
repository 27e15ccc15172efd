package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/tags"
)

// Client is a connection to one endpoint with one set of credentials. With
// the admin credentials it provisions buckets (EnsureBucket,
// DeleteBucketAll); with a county's scoped credentials it opens that county's
// Archive. It is safe for concurrent use.
type Client struct {
	cfg Config
	mc  *minio.Client
}

// New checks cfg and builds a client. It does not contact the endpoint.
func New(cfg Config) (*Client, error) {
	mc, _, err := cfg.minioClient()
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, mc: mc}, nil
}

// Config returns the configuration the client was built with.
func (c *Client) Config() Config { return c.cfg }

// Close releases the client. Its connections belong to the HTTP transport
// shared by every Client of the process with the same TLS settings, so they
// stay open for the next client to the endpoint until idle for a minute;
// Close never cuts another client's.
func (c *Client) Close() {}

// ListBuckets names the buckets these credentials can see.
func (c *Client) ListBuckets(ctx context.Context) ([]string, error) {
	bs, err := c.mc.ListBuckets(ctx)
	if err != nil {
		return nil, c.wrap("list buckets", "", "", err)
	}
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.Name)
	}
	return out, nil
}

// EnsureBucket makes bucket exist with versioning enabled and, when tags is
// not nil, exactly those tags. It is for tools and tests: the operator uses
// ClaimBucket, which never takes over an existing bucket, and EnsureBucket
// refuses to retag a bucket ClaimBucket gave an owner. It writes only what differs, so a steady state
// makes no writes. It needs credentials allowed to create and configure
// buckets (the admin's).
func (c *Client) EnsureBucket(ctx context.Context, bucket string, tagSet map[string]string) error {
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return &Error{Op: "ensure bucket", Endpoint: c.cfg.Endpoint, Bucket: bucket, Kind: ErrInvalid, Err: err}
	}
	exists, err := c.mc.BucketExists(ctx, bucket)
	if err != nil {
		return c.wrap("check bucket", bucket, "", err)
	}
	if !exists {
		err := c.mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: c.cfg.region()})
		if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return c.wrap("create bucket", bucket, "", err)
		}
	}
	vc, err := c.mc.GetBucketVersioning(ctx, bucket)
	if err != nil {
		return c.wrap("get bucket versioning", bucket, "", err)
	}
	if !vc.Enabled() {
		if err := c.mc.EnableVersioning(ctx, bucket); err != nil {
			return c.wrap("enable bucket versioning", bucket, "", err)
		}
	}
	if tagSet == nil {
		return nil
	}
	if owner, err := c.BucketOwner(ctx, bucket); err != nil {
		return err
	} else if owner.UID != "" && tagSet[TagOwnerUID] != owner.UID {
		// Ownership is written once, by ClaimBucket; this never moves it.
		return &Error{Op: "set bucket tags", Endpoint: c.cfg.Endpoint, Bucket: bucket, Kind: ErrNotOwned,
			Err: fmt.Errorf("it belongs to %s", owner)}
	}
	current := map[string]string{}
	t, err := c.mc.GetBucketTagging(ctx, bucket)
	switch {
	case err == nil:
		current = t.ToMap()
	case minio.ToErrorResponse(err).Code == "NoSuchTagSet":
	default:
		return c.wrap("get bucket tags", bucket, "", err)
	}
	if maps.Equal(current, tagSet) {
		return nil
	}
	if len(tagSet) == 0 {
		return c.wrap("remove bucket tags", bucket, "", c.mc.RemoveBucketTagging(ctx, bucket))
	}
	nt, err := tags.NewTags(tagSet, false)
	if err != nil {
		return &Error{Op: "set bucket tags", Endpoint: c.cfg.Endpoint, Bucket: bucket, Kind: ErrInvalid, Err: err}
	}
	return c.wrap("set bucket tags", bucket, "", c.mc.SetBucketTagging(ctx, bucket, nt))
}

// BucketTags returns the bucket's tags (empty when it has none).
func (c *Client) BucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	t, err := c.mc.GetBucketTagging(ctx, bucket)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchTagSet" {
			return map[string]string{}, nil
		}
		return nil, c.wrap("get bucket tags", bucket, "", err)
	}
	return t.ToMap(), nil
}

// BucketVersioning reports whether versioning is enabled on bucket.
func (c *Client) BucketVersioning(ctx context.Context, bucket string) (bool, error) {
	vc, err := c.mc.GetBucketVersioning(ctx, bucket)
	if err != nil {
		return false, c.wrap("get bucket versioning", bucket, "", err)
	}
	return vc.Enabled(), nil
}

// DeleteBucketAll removes every object version, every delete marker and every
// unfinished multipart upload of bucket, then the bucket. A bucket that does
// not exist is not an error (so a finalizer can call it again).
func (c *Client) DeleteBucketAll(ctx context.Context, bucket string) error {
	exists, err := c.mc.BucketExists(ctx, bucket)
	if err != nil {
		return c.wrap("check bucket", bucket, "", err)
	}
	if !exists {
		return nil
	}
	if _, err := c.removeVersions(ctx, bucket, "", nil); err != nil {
		return err
	}
	for u := range c.mc.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			return c.wrap("list unfinished uploads", bucket, "", u.Err)
		}
		if err := c.mc.RemoveIncompleteUpload(ctx, bucket, u.Key); err != nil {
			return c.wrap("abort unfinished upload", bucket, u.Key, err)
		}
	}
	if err := c.mc.RemoveBucket(ctx, bucket); err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchBucket" {
			return nil
		}
		return c.wrap("delete bucket", bucket, "", err)
	}
	return nil
}

// removeVersions deletes every version and delete marker under prefix whose
// key passes keep==nil or !keep(key). Keys are removed in the order given by
// first (those for which first returns true go in an earlier batch). It
// returns the number of versions removed.
func (c *Client) removeVersions(ctx context.Context, bucket, prefix string, match func(key string) (remove, first bool)) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var early, late []minio.ObjectInfo
	for o := range c.mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return 0, c.wrap("list object versions", bucket, prefix, o.Err)
		}
		remove, first := true, false
		if match != nil {
			remove, first = match(o.Key)
		}
		if !remove {
			continue
		}
		if first {
			early = append(early, o)
		} else {
			late = append(late, o)
		}
	}
	n := 0
	for _, batch := range [][]minio.ObjectInfo{early, late} {
		if len(batch) == 0 {
			continue
		}
		ch := make(chan minio.ObjectInfo, len(batch))
		for _, o := range batch {
			ch <- o
		}
		close(ch)
		var errs []error
		for r := range c.mc.RemoveObjectsWithResult(ctx, bucket, ch, minio.RemoveObjectsOptions{}) {
			if r.Err != nil {
				errs = append(errs, c.wrap("delete object version", bucket, r.ObjectName, r.Err))
				continue
			}
			n++
		}
		if len(errs) > 0 {
			return n, errors.Join(errs...)
		}
	}
	return n, nil
}
