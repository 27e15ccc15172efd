package testenv

import (
	"context"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// WriteCounter counts write requests (create, update, patch, apply, delete, and
// their status forms) a client sends to the API server.
type WriteCounter struct {
	n atomic.Int64
	// OnWrite, when set, is told of every write (for debugging a test).
	OnWrite func(verb string, obj client.Object)
}

// Load returns the number of writes so far.
func (w *WriteCounter) Load() int64 { return w.n.Load() }

func (w *WriteCounter) add(verb string, o client.Object) {
	w.n.Add(1)
	if w.OnWrite != nil {
		w.OnWrite(verb, o)
	}
}

// NewClientFunc returns a manager NewClient function whose clients count writes in w.
func (w *WriteCounter) NewClientFunc() func(*rest.Config, client.Options) (client.Client, error) {
	return func(cfg *rest.Config, o client.Options) (client.Client, error) {
		c, err := client.New(cfg, o)
		if err != nil {
			return nil, err
		}
		return &countingClient{Client: c, n: w}, nil
	}
}

type countingClient struct {
	client.Client
	n *WriteCounter
}

func (c *countingClient) Create(ctx context.Context, o client.Object, opts ...client.CreateOption) error {
	c.n.add("Create", o)
	return c.Client.Create(ctx, o, opts...)
}
func (c *countingClient) Update(ctx context.Context, o client.Object, opts ...client.UpdateOption) error {
	c.n.add("Update", o)
	return c.Client.Update(ctx, o, opts...)
}
func (c *countingClient) Patch(ctx context.Context, o client.Object, p client.Patch, opts ...client.PatchOption) error {
	c.n.add("Patch", o)
	return c.Client.Patch(ctx, o, p, opts...)
}
func (c *countingClient) Apply(ctx context.Context, o runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	c.n.add("Apply", appliedObject(o))
	return c.Client.Apply(ctx, o, opts...)
}
func (c *countingClient) Delete(ctx context.Context, o client.Object, opts ...client.DeleteOption) error {
	c.n.add("Delete", o)
	return c.Client.Delete(ctx, o, opts...)
}
func (c *countingClient) DeleteAllOf(ctx context.Context, o client.Object, opts ...client.DeleteAllOfOption) error {
	c.n.add("DeleteAllOf", o)
	return c.Client.DeleteAllOf(ctx, o, opts...)
}
func (c *countingClient) Status() client.SubResourceWriter {
	return &countingStatus{SubResourceWriter: c.Client.Status(), n: c.n}
}

type countingStatus struct {
	client.SubResourceWriter
	n *WriteCounter
}

func (s *countingStatus) Create(ctx context.Context, o client.Object, sub client.Object, opts ...client.SubResourceCreateOption) error {
	s.n.add("CreateStatus", o)
	return s.SubResourceWriter.Create(ctx, o, sub, opts...)
}
func (s *countingStatus) Update(ctx context.Context, o client.Object, opts ...client.SubResourceUpdateOption) error {
	s.n.add("UpdateStatus", o)
	return s.SubResourceWriter.Update(ctx, o, opts...)
}
func (s *countingStatus) Patch(ctx context.Context, o client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
	s.n.add("PatchStatus", o)
	return s.SubResourceWriter.Patch(ctx, o, p, opts...)
}

// appliedObject names an apply configuration for OnWrite: its name and
// namespace, when it has them.
func appliedObject(ac runtime.ApplyConfiguration) client.Object {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	switch named := ac.(type) {
	case interface {
		GetName() string
		GetNamespace() string
	}: // unstructured
		u.SetName(named.GetName())
		u.SetNamespace(named.GetNamespace())
	case interface {
		GetName() *string
		GetNamespace() *string
	}: // typed
		if n := named.GetName(); n != nil {
			u.SetName(*n)
		}
		if ns := named.GetNamespace(); ns != nil {
			u.SetNamespace(*ns)
		}
	}
	return u
}
