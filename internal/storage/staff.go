package storage

import (
	"context"
	"errors"
	"strings"

	"github.com/minio/minio-go/v7"
)

// Two kinds of small object a portal writes for the operator to read, in
// the tenant's own bucket (outside notify/, which the portal cannot write):
//
//	staff/<username>.json          a staff member's mail address and language
//	                               (the portal's account page; internal/accounts.Profile)
//	requests/notify-test/<id>.json a city editor's request for a test message
//	                               (internal/notify.TestRequest); the notifier
//	                               sends it through the outbox and removes it
//
// Neither is readable by a city's member credentials (reports/, data/ and
// review/ only).
const (
	prefixStaff      = "staff/"
	prefixNotifyTest = "requests/notify-test/"

	// MaxStaffProfiles bounds one listing of staff/: far more than a
	// tenant's staff.
	MaxStaffProfiles = 10000
	// MaxNotifyTests bounds the test requests one pass reads.
	MaxNotifyTests = 20

	maxSmallObject = 4 << 10
)

// PutStaffProfile stores username's profile (replacing the previous one).
func (a *Archive) PutStaffProfile(ctx context.Context, username string, data []byte) error {
	if !validMarkName(username) || len(data) > maxSmallObject {
		return a.fail(ErrInvalid, "put", prefixStaff+username, "not a staff profile")
	}
	_, err := a.put(ctx, prefixStaff+username+".json", data, nil)
	return err
}

// GetStaffProfile reads username's profile (ErrNotFound when none).
func (a *Archive) GetStaffProfile(ctx context.Context, username string) ([]byte, error) {
	if !validMarkName(username) {
		return nil, a.fail(ErrInvalid, "get", prefixStaff+username, "not a staff profile")
	}
	data, _, err := a.readAll(ctx, prefixStaff+username+".json", "", maxSmallObject)
	return data, err
}

// StaffProfile is a profile in a listing: whose, and its ETag (it changed
// when the ETag did).
type StaffProfile struct {
	Username, ETag string
}

// StaffProfiles lists the profiles (at most MaxStaffProfiles).
func (a *Archive) StaffProfiles(ctx context.Context) ([]StaffProfile, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []StaffProfile
	for o := range a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{Prefix: prefixStaff}) {
		if o.Err != nil {
			return nil, a.wrap("list", prefixStaff, o.Err)
		}
		name, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, prefixStaff), ".json")
		if !ok || !validMarkName(name) {
			continue
		}
		if len(out) == MaxStaffProfiles {
			return nil, a.fail(ErrInvalid, "list", prefixStaff, "more than %d staff profiles", MaxStaffProfiles)
		}
		out = append(out, StaffProfile{Username: name, ETag: o.ETag})
	}
	return out, nil
}

// PutNotifyTest stores a test request under id unless one is there
// (ErrConflict): asking twice within one id is one request.
func (a *Archive) PutNotifyTest(ctx context.Context, id string, data []byte) error {
	if !validMarkName(id) || len(data) > maxSmallObject {
		return a.fail(ErrInvalid, "put", prefixNotifyTest+id, "not a test request")
	}
	_, err := a.putNew(ctx, "put test request", prefixNotifyTest+id+".json", data, nil)
	return err
}

// NotifyTests lists up to MaxNotifyTests pending test requests.
func (a *Archive) NotifyTests(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []string
	for o := range a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{Prefix: prefixNotifyTest}) {
		if o.Err != nil {
			return nil, a.wrap("list", prefixNotifyTest, o.Err)
		}
		if id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, prefixNotifyTest), ".json"); ok && validMarkName(id) {
			out = append(out, id)
		}
		if len(out) == MaxNotifyTests {
			break
		}
	}
	return out, nil
}

// GetNotifyTest reads test request id; (nil, nil) when it is gone
// (another manager took it).
func (a *Archive) GetNotifyTest(ctx context.Context, id string) ([]byte, error) {
	if !validMarkName(id) {
		return nil, a.fail(ErrInvalid, "get", prefixNotifyTest+id, "not a test request")
	}
	data, _, err := a.readAll(ctx, prefixNotifyTest+id+".json", "", maxSmallObject)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return data, err
}

// DeleteNotifyTest removes test request id once it is in the outbox.
func (a *Archive) DeleteNotifyTest(ctx context.Context, id string) error {
	if !validMarkName(id) {
		return a.fail(ErrInvalid, "delete", prefixNotifyTest+id, "not a test request")
	}
	key := prefixNotifyTest + id + ".json"
	if err := a.c.mc.RemoveObject(ctx, a.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return a.wrap("delete", key, err)
	}
	return nil
}
