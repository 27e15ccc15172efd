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

// ErrNotOwned: the bucket exists and was not created by the operator for the
// tenant asking for it (another tenant's bucket, a bucket made outside the
// operator, or one left behind by a deleted tenant). Nothing is written to it.
var ErrNotOwned = errors.New("bucket belongs to another owner")

// Ownership is recorded in bucket tags, written once, by the call that
// created the bucket. Only the admin credentials can change bucket tags (the
// scoped policy leaves out s3:PutBucketTagging), so no tenant can rewrite
// who owns a bucket.
const (
	// TagOwnerUID is the owner's UID (a CountyReport's metadata.uid): the tag
	// that decides. A re-created CountyReport of the same name has a new UID.
	TagOwnerUID = "countyreport-owner-uid"
	// TagOwnerName is namespace/name of the owner, for people.
	TagOwnerName = "countyreport-owner"
	// TagCounty is the owner's county code, for people.
	TagCounty = "countyreport-county"
)

// Owner is the one tenant a bucket belongs to.
type Owner struct {
	UID    string // decides ownership
	Name   string // namespace/name, shown in messages
	County string // the county code, shown in messages
}

func (o Owner) tags() map[string]string {
	return map[string]string{TagOwnerUID: o.UID, TagOwnerName: o.Name, TagCounty: o.County}
}

func (o Owner) String() string {
	if o.UID == "" {
		return "no owner recorded"
	}
	return fmt.Sprintf("%s (county %s, uid %s)", o.Name, o.County, o.UID)
}

func ownerFromTags(t map[string]string) Owner {
	return Owner{UID: t[TagOwnerUID], Name: t[TagOwnerName], County: t[TagCounty]}
}

// ClaimBucket makes bucket belong to owner. A bucket that does not exist is
// created, tagged with its owner and versioned. A bucket that exists must
// carry owner's UID; otherwise the answer is an *Error of kind ErrNotOwned
// naming the recorded owner, and nothing about the bucket is changed. Only
// the call whose MakeBucket succeeded writes the tags, so of two tenants
// racing for a new name exactly one wins. A steady state makes no writes.
func (c *Client) ClaimBucket(ctx context.Context, bucket string, owner Owner) error {
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return &Error{Op: "claim bucket", Endpoint: c.cfg.Endpoint, Bucket: bucket, Kind: ErrInvalid, Err: err}
	}
	if owner.UID == "" {
		return &Error{Op: "claim bucket", Endpoint: c.cfg.Endpoint, Bucket: bucket, Kind: ErrInvalid, Err: errors.New("no owner UID")}
	}
	exists, err := c.mc.BucketExists(ctx, bucket)
	if err != nil {
		return c.wrap("check bucket", bucket, "", err)
	}
	if !exists {
		created, err := c.createOwned(ctx, bucket, owner)
		if err != nil || created {
			return err
		}
	}
	recorded, err := c.BucketOwner(ctx, bucket)
	if err != nil {
		return err
	}
	if recorded.UID != owner.UID {
		return &Error{Op: "claim bucket", Endpoint: c.cfg.Endpoint, Bucket: bucket, Kind: ErrNotOwned,
			Err: fmt.Errorf("it exists and belongs to %s, not to %s", recorded, owner.Name)}
	}
	if err := c.ensureVersioning(ctx, bucket); err != nil {
		return err
	}
	return c.syncOwnerTags(ctx, bucket, owner)
}

// createOwned makes the bucket and tags it. It reports created=false when
// another caller made the bucket first (so the caller checks its tags). When
// tagging fails, the new, empty bucket is removed again, so no untagged
// bucket is left for anyone to find.
func (c *Client) createOwned(ctx context.Context, bucket string, owner Owner) (created bool, err error) {
	err = c.mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: c.cfg.region()})
	switch code := minio.ToErrorResponse(err).Code; {
	case err == nil:
	case code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists":
		return false, nil
	default:
		return false, c.wrap("create bucket", bucket, "", err)
	}
	if err := c.setTags(ctx, bucket, owner.tags()); err != nil {
		if rmErr := c.mc.RemoveBucket(context.WithoutCancel(ctx), bucket); rmErr != nil {
			return false, errors.Join(err, c.wrap("remove untagged new bucket", bucket, "", rmErr))
		}
		return false, err
	}
	return true, c.ensureVersioning(ctx, bucket)
}

// BucketOwner reads who a bucket belongs to (Owner{} when it carries no
// owner tags). A bucket that does not exist is an ErrNoSuchBucket error.
func (c *Client) BucketOwner(ctx context.Context, bucket string) (Owner, error) {
	t, err := c.BucketTags(ctx, bucket)
	if err != nil {
		return Owner{}, err
	}
	return ownerFromTags(t), nil
}

// DeleteOwnedBucket removes bucket and every version in it, but only when it
// belongs to owner. A bucket that does not exist is not an error; one that
// belongs to someone else is ErrNotOwned and is left as it is.
func (c *Client) DeleteOwnedBucket(ctx context.Context, bucket string, owner Owner) error {
	exists, err := c.mc.BucketExists(ctx, bucket)
	if err != nil {
		return c.wrap("check bucket", bucket, "", err)
	}
	if !exists {
		return nil
	}
	recorded, err := c.BucketOwner(ctx, bucket)
	if err != nil {
		return err
	}
	if recorded.UID != owner.UID || owner.UID == "" {
		return &Error{Op: "delete bucket", Endpoint: c.cfg.Endpoint, Bucket: bucket, Kind: ErrNotOwned,
			Err: fmt.Errorf("it belongs to %s, not to %s; left as it is", recorded, owner.Name)}
	}
	return c.DeleteBucketAll(ctx, bucket)
}

func (c *Client) ensureVersioning(ctx context.Context, bucket string) error {
	vc, err := c.mc.GetBucketVersioning(ctx, bucket)
	if err != nil {
		return c.wrap("get bucket versioning", bucket, "", err)
	}
	if vc.Enabled() {
		return nil
	}
	return c.wrap("enable bucket versioning", bucket, "", c.mc.EnableVersioning(ctx, bucket))
}

// syncOwnerTags rewrites the owner's descriptive tags (name, county) when
// they drifted; the UID, which decides, already matched.
func (c *Client) syncOwnerTags(ctx context.Context, bucket string, owner Owner) error {
	current, err := c.BucketTags(ctx, bucket)
	if err != nil {
		return err
	}
	want := maps.Clone(current)
	maps.Copy(want, owner.tags())
	if maps.Equal(current, want) {
		return nil
	}
	return c.setTags(ctx, bucket, want)
}

func (c *Client) setTags(ctx context.Context, bucket string, set map[string]string) error {
	nt, err := tags.NewTags(set, false)
	if err != nil {
		return &Error{Op: "set bucket tags", Endpoint: c.cfg.Endpoint, Bucket: bucket, Kind: ErrInvalid, Err: err}
	}
	return c.wrap("set bucket tags", bucket, "", c.mc.SetBucketTagging(ctx, bucket, nt))
}
