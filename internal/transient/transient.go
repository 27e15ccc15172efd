// Package transient tells the API server's passing errors (a conflict, a
// timeout, throttling, a server briefly unavailable) from the ones a user
// should hear about. The reconcilers retry the first kind quietly: no
// condition changes, no Warning Event.
package transient

import (
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Is reports whether err, or an error it wraps, is an API error that a retry
// a moment later is expected to get past.
func Is(err error) bool {
	if err == nil {
		return false
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	return apierrors.IsConflict(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsTooManyRequests(err) || apierrors.IsServiceUnavailable(err)
}

// Conflict is the wait after an update conflict: the read was older than
// the object, and the cache has the newer one a moment later.
const Conflict = time.Second

// Delay is how long to wait before retrying after err: the server's
// Retry-After when it sent one, Conflict after a conflict, and zero
// otherwise (the work queue's exponential backoff then decides).
func Delay(err error) time.Duration {
	if s, ok := apierrors.SuggestsClientDelay(err); ok && s > 0 {
		return time.Duration(s) * time.Second
	}
	if apierrors.IsConflict(err) {
		return Conflict
	}
	return 0
}
