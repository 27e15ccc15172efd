package testenv

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ShiftedClock is the real clock moved by Offset. It runs in real time, so
// the requeues the reconcilers ask for fire when it reads what they meant:
// a test or benchmark so runs on a day of its choosing, whatever the date.
type ShiftedClock struct{ Offset time.Duration }

// ShiftTo is the clock that reads at now.
func ShiftTo(at time.Time) ShiftedClock { return ShiftedClock{Offset: time.Until(at)} }

func (c ShiftedClock) Now() time.Time                  { return time.Now().Add(c.Offset) }
func (c ShiftedClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until is how long in real time until the clock reads t.
func (c ShiftedClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// Created makes the objects c reads (Get and List) show the creation time
// when(object) instead of the API server's. A reconciler on a
// clock that is not the real one (ShiftedClock, a fake clock) compares
// creation times with its own now: this puts them in its frame (for a
// ShiftedClock, Shifted(Offset)), or fixes a test's "created on the 3rd".
// Writes are not touched: the API server keeps creationTimestamp as it was.
func Created(c client.Client, when func(metav1.Object) time.Time) client.Client {
	return &createdClient{Client: c, when: when}
}

// CreatedFunc wraps a manager's NewClient (nil: client.New) with Created.
func CreatedFunc(next func(*rest.Config, client.Options) (client.Client, error), when func(metav1.Object) time.Time) func(*rest.Config, client.Options) (client.Client, error) {
	if next == nil {
		next = client.New
	}
	return func(cfg *rest.Config, o client.Options) (client.Client, error) {
		c, err := next(cfg, o)
		if err != nil {
			return nil, err
		}
		return Created(c, when), nil
	}
}

type createdClient struct {
	client.Client
	when func(metav1.Object) time.Time
}

func (c *createdClient) Get(ctx context.Context, key client.ObjectKey, o client.Object, opts ...client.GetOption) error {
	if err := c.Client.Get(ctx, key, o, opts...); err != nil {
		return err
	}
	c.shift(o)
	return nil
}

func (c *createdClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if err := c.Client.List(ctx, list, opts...); err != nil {
		return err
	}
	return meta.EachListItem(list, func(o runtime.Object) error {
		if mo, ok := o.(metav1.Object); ok {
			c.shift(mo)
		}
		return nil
	})
}

func (c *createdClient) shift(o metav1.Object) {
	o.SetCreationTimestamp(metav1.Time{Time: c.when(o)})
}

// Shifted moves every creation time by offset: the frame of ShiftedClock{offset}.
func Shifted(offset time.Duration) func(metav1.Object) time.Time {
	return func(o metav1.Object) time.Time { return o.GetCreationTimestamp().Add(offset) }
}
