package storage

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// notify/outbox/<id>.json holds one notification (an event for one
// recipient) from the moment it is enqueued until it is pruned: it is the
// outbox and the delivery log at once (internal/notify). Only the operator
// writes there; the tenant's credentials read it (SessionPolicy).
const prefixNotify = "notify/"

// NotifyPrefix is where the outbox lives, for listings and policies.
const NotifyPrefix = prefixNotify + "outbox/"

// maxNotificationSize bounds one record (the event, the rendered subject,
// attempts): a PDF is never stored in it.
const maxNotificationSize = 256 << 10

var notificationIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$`)

// NotificationKey is the object key of the record id, or an error.
func NotificationKey(id string) (string, error) {
	if !notificationIDRE.MatchString(id) || strings.Contains(id, "..") {
		return "", &Error{Op: "notification key", Key: id, Kind: ErrInvalid, Err: errors.New("want 1 to 200 of A-Z a-z 0-9 . _ @ + -")}
	}
	return NotifyPrefix + id + ".json", nil
}

// PutNotification writes record id: with ifETag "" only if there is none
// (enqueuing the same event twice makes one record), else only if the
// record is still at ifETag (claiming and finishing a delivery: of two
// managers, one wins). A lost race is ErrConflict. It returns the new ETag.
func (a *Archive) PutNotification(ctx context.Context, id string, data []byte, ifETag string) (string, error) {
	const op = "put notification"
	key, err := NotificationKey(id)
	if err != nil {
		return "", err
	}
	if len(data) > maxNotificationSize {
		return "", a.fail(ErrInvalid, op, key, "%d bytes, more than %d", len(data), maxNotificationSize)
	}
	cond := func(o *minio.PutObjectOptions) {
		if ifETag == "" {
			o.SetMatchETagExcept("*")
		} else {
			o.SetMatchETag(ifETag)
		}
	}
	o, err := a.putSum(ctx, key, data, sha256Hex(data), nil, cond)
	if err = a.conflict(op, key, err); err != nil {
		return "", err
	}
	return o.ETag, nil
}

// GetNotification reads record id and its ETag (ErrNotFound when none).
func (a *Archive) GetNotification(ctx context.Context, id string) ([]byte, string, error) {
	key, err := NotificationKey(id)
	if err != nil {
		return nil, "", err
	}
	data, v, err := a.getChecked(ctx, "get notification", key, "", maxNotificationSize)
	return data, v.ETag, err
}

// NotificationInfo is a record in a listing.
type NotificationInfo struct {
	ID       string
	Modified time.Time
}

// ListNotifications lists the records, newest first, at most limit of them
// (the listing itself stops after 10 000 keys: the outbox is pruned far below that).
func (a *Archive) ListNotifications(ctx context.Context, limit int) ([]NotificationInfo, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []NotificationInfo
	for o := range a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{Prefix: NotifyPrefix}) {
		if o.Err != nil {
			return nil, a.wrap("list notifications", NotifyPrefix, o.Err)
		}
		id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, NotifyPrefix), ".json")
		if ok && notificationIDRE.MatchString(id) {
			out = append(out, NotificationInfo{ID: id, Modified: o.LastModified})
		}
		if len(out) >= 10000 {
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Modified.After(out[j].Modified) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DeleteNotification removes record id (pruning the log).
func (a *Archive) DeleteNotification(ctx context.Context, id string) error {
	key, err := NotificationKey(id)
	if err != nil {
		return err
	}
	if err := a.c.mc.RemoveObject(ctx, a.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return a.wrap("delete notification", key, err)
	}
	return nil
}

// ReviewedSince names the periods whose review log changed at or after
// since (a listing, no downloads): the notifier reads only those.
func (a *Archive) ReviewedSince(ctx context.Context, since time.Time) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []string
	for o := range a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{Prefix: prefixReview, Recursive: true}) {
		if o.Err != nil {
			return nil, a.wrap("list reviews", prefixReview, o.Err)
		}
		p, name, ok := strings.Cut(strings.TrimPrefix(o.Key, prefixReview), "/")
		if ok && name == ReviewName && checkPeriod(p) == nil && !o.LastModified.Before(since) {
			out = append(out, p)
		}
	}
	return out, nil
}
