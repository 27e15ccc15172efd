package transient

import (
	"errors"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestIs(t *testing.T) {
	gr := schema.GroupResource{Group: "apps", Resource: "deployments"}
	cases := map[string]struct {
		err   error
		want  bool
		delay time.Duration
	}{
		"conflict":            {apierrors.NewConflict(gr, "p", errors.New("modified")), true, Conflict},
		"wrapped conflict":    {fmt.Errorf("update Deployment: %w", apierrors.NewConflict(gr, "p", errors.New("x"))), true, Conflict},
		"server timeout":      {apierrors.NewServerTimeout(gr, "update", 2), true, 2 * time.Second},
		"timeout":             {apierrors.NewTimeoutError("slow", 0), true, 0},
		"too many requests":   {apierrors.NewTooManyRequests("slow down", 3), true, 3 * time.Second},
		"unavailable":         {apierrors.NewServiceUnavailable("starting"), true, 0},
		"not found":           {apierrors.NewNotFound(gr, "p"), false, 0},
		"forbidden":           {apierrors.NewForbidden(gr, "p", errors.New("no")), false, 0},
		"invalid":             {apierrors.NewBadRequest("bad"), false, 0},
		"plain error":         {errors.New("conflict"), false, 0},
		"nil":                 {nil, false, 0},
		"internal error":      {apierrors.NewInternalError(errors.New("etcd")), false, 0},
		"already exists":      {apierrors.NewAlreadyExists(gr, "p"), false, 0},
		"wrapped unavailable": {fmt.Errorf("a: %w", fmt.Errorf("b: %w", apierrors.NewServiceUnavailable("x"))), true, 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Is(tc.err); got != tc.want {
				t.Errorf("Is = %v, want %v", got, tc.want)
			}
			if tc.want {
				if got := Delay(tc.err); got != tc.delay {
					t.Errorf("Delay = %s, want %s", got, tc.delay)
				}
			}
		})
	}
}
