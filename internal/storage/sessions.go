package storage

import (
	"bytes"
	"context"
	"errors"

	"strings"

	"github.com/minio/minio-go/v7"
)

// A portal's sessions live in sealed cookies; what every replica must
// learn of them lives here, under sessions/ in the tenant's own bucket
// (never readable by a city's member credentials, which reach reports/,
// data/ and review/ only):
//
//	sessions/revoked/<mark>   an empty object per revocation (internal/portal/auth)
//	sessions/login/<digest>   a login at the identity provider in progress
const (
	prefixSessions = "sessions/"
	prefixRevoked  = prefixSessions + "revoked/"
	prefixLogin    = prefixSessions + "login/"

	// MaxSessionMarks bounds the marks one listing reads: far more than a
	// tenant's staff sign out within a session lifetime.
	MaxSessionMarks = 50000
	maxLoginAttempt = 4 << 10
)

// validMarkName keeps mark and attempt names to one path segment of safe characters.
func validMarkName(name string) bool {
	if name == "" || len(name) > 200 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// PutSessionMark records a revocation mark.
func (a *Archive) PutSessionMark(ctx context.Context, name string) error {
	if !validMarkName(name) {
		return a.fail(ErrInvalid, "put", prefixRevoked+name, "not a session mark name")
	}
	_, err := a.put(ctx, prefixRevoked+name, nil, nil)
	return err
}

// SessionMarks lists every revocation mark (at most MaxSessionMarks).
func (a *Archive) SessionMarks(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var names []string
	for o := range a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{Prefix: prefixRevoked, Recursive: true}) {
		if o.Err != nil {
			return nil, a.wrap("list", prefixRevoked, o.Err)
		}
		if len(names) == MaxSessionMarks {
			return nil, a.fail(ErrInvalid, "list", prefixRevoked, "more than %d session marks", MaxSessionMarks)
		}
		names = append(names, strings.TrimPrefix(o.Key, prefixRevoked))
	}
	return names, nil
}

// DeleteSessionMark removes a mark no session can need any more.
func (a *Archive) DeleteSessionMark(ctx context.Context, name string) error {
	if !validMarkName(name) {
		return a.fail(ErrInvalid, "delete", prefixRevoked+name, "not a session mark name")
	}
	if err := a.c.mc.RemoveObject(ctx, a.bucket, prefixRevoked+name, minio.RemoveObjectOptions{}); err != nil {
		return a.wrap("delete", prefixRevoked+name, err)
	}
	return nil
}

// PutLoginAttempt keeps a login in progress under its state's digest.
func (a *Archive) PutLoginAttempt(ctx context.Context, state string, data []byte) error {
	if !validMarkName(state) || len(data) > maxLoginAttempt {
		return a.fail(ErrInvalid, "put", prefixLogin+state, "not a login attempt")
	}
	_, err := a.put(ctx, prefixLogin+state, data, nil)
	return err
}

// TakeLoginAttempt returns a login in progress and removes it, so a state
// works once; (nil, nil) when there is none.
func (a *Archive) TakeLoginAttempt(ctx context.Context, state string) ([]byte, error) {
	key := prefixLogin + state
	if !validMarkName(state) {
		return nil, nil
	}
	data, _, err := a.readAll(ctx, key, "", maxLoginAttempt)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := a.c.mc.RemoveObject(ctx, a.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return nil, a.wrap("delete", key, err)
	}
	return bytes.Clone(data), nil
}
