package dev

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// Collector stands in for kube-controller-manager's garbage collector and
// namespace controller, which the local platform does not run:
//
//   - an object none of whose owners (ownerReferences) exists any more is
//     deleted, so a deleted CountyReport takes its portal's Deployment,
//     Service, Secrets and the rest with it, and the runtime stops the portal;
//   - an owner deleted in the foreground (finalizer foregroundDeletion)
//     goes once its dependents are gone; one deleted orphaning theirs
//     (finalizer orphan) lets go of them first;
//   - a Terminating namespace is emptied and then finalized, so it goes.
//
// It sweeps every Interval over the resources the API server lists and
// deletes, reading metadata only. Before deleting, it looks each owner up
// directly, as the real collector does: an object whose owner was created
// after the sweep's lists is never taken for an orphan.
type Collector struct {
	Config *rest.Config
	// Interval between sweeps (default 2 s).
	Interval time.Duration
	// Logger receives what it deletes; nil: slog's default.
	Logger *slog.Logger

	meta  metadata.Interface
	core  kubernetes.Interface
	disco discovery.DiscoveryInterface
}

// resource is one kind the collector sweeps.
type resource struct {
	gvr        schema.GroupVersionResource
	gvk        schema.GroupVersionKind
	namespaced bool
}

// Finalizers of the real collector and namespace controller.
const (
	finalizerForeground = metav1.FinalizerDeleteDependents // foregroundDeletion
	finalizerOrphan     = metav1.FinalizerOrphanDependents // orphan
	finalizerNamespace  = corev1.FinalizerKubernetes       // kubernetes (spec.finalizers)
)

// Start sweeps until ctx ends (a controller-runtime Runnable).
func (c *Collector) Start(ctx context.Context) error {
	if err := c.init(); err != nil {
		return err
	}
	every := c.Interval
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := c.Sweep(ctx); err != nil && ctx.Err() == nil {
			c.log().Warn("garbage collection sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (c *Collector) init() error {
	if c.meta != nil {
		return nil
	}
	var err error
	if c.meta, err = metadata.NewForConfig(c.Config); err != nil {
		return err
	}
	if c.core, err = kubernetes.NewForConfig(c.Config); err != nil {
		return err
	}
	c.disco = c.core.Discovery()
	return nil
}

func (c *Collector) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

// Sweep makes one pass: orphans, foreground and orphaning owners, Terminating namespaces.
func (c *Collector) Sweep(ctx context.Context) error {
	if err := c.init(); err != nil {
		return err
	}
	resources, err := c.resources()
	if err != nil {
		return err
	}
	byKind := map[schema.GroupVersionKind]resource{}
	byGroupKind := map[schema.GroupKind]resource{}
	for _, r := range resources {
		byKind[r.gvk] = r
		byGroupKind[r.gvk.GroupKind()] = r
	}
	lookup := func(apiVersion, kind string) (resource, bool) {
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil {
			return resource{}, false
		}
		if r, ok := byKind[gv.WithKind(kind)]; ok {
			return r, true
		}
		r, ok := byGroupKind[schema.GroupKind{Group: gv.Group, Kind: kind}]
		return r, ok
	}
	var all []item
	for _, r := range resources {
		list, err := c.meta.Resource(r.gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err) || apierrors.IsForbidden(err) {
				continue
			}
			return fmt.Errorf("list %s: %w", r.gvr, err)
		}
		for i := range list.Items {
			all = append(all, item{res: r, obj: &list.Items[i]})
		}
	}
	var errs []string
	note := func(err error) {
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			errs = append(errs, err.Error())
		}
	}
	uids := make(map[types.UID]bool, len(all))
	for _, it := range all {
		uids[it.obj.UID] = true
	}
	for _, it := range all {
		note(c.collect(ctx, it, all, uids, lookup))
	}
	for _, it := range all {
		if it.res.gvk.Kind == "Namespace" && it.res.gvk.Group == "" && it.obj.DeletionTimestamp != nil {
			note(c.finalizeNamespace(ctx, it.obj.Name, all))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

type item struct {
	res resource
	obj *metav1.PartialObjectMetadata
}

// resources are the kinds the API server lists and deletes (preferred versions).
func (c *Collector) resources() ([]resource, error) {
	lists, err := c.disco.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var out []resource
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "delete") {
				continue
			}
			out = append(out, resource{gvr: gv.WithResource(r.Name), gvk: gv.WithKind(r.Kind), namespaced: r.Namespaced})
		}
	}
	return out, nil
}

// collect deals with one object: deleted when every owner is gone; an
// owner in foreground or orphaning deletion finished when it may be.
func (c *Collector) collect(ctx context.Context, it item, all []item, uids map[types.UID]bool, lookup func(string, string) (resource, bool)) error {
	o := it.obj
	if o.DeletionTimestamp != nil {
		switch {
		case slices.Contains(o.Finalizers, finalizerOrphan):
			return c.orphan(ctx, it, all)
		case slices.Contains(o.Finalizers, finalizerForeground):
			return c.foreground(ctx, it, all)
		}
		return nil
	}
	if len(o.OwnerReferences) == 0 {
		return nil
	}
	for _, ref := range o.OwnerReferences {
		if uids[ref.UID] || c.ownerExists(ctx, o.Namespace, ref, lookup) {
			return nil
		}
	}
	c.log().Info("garbage collection: owner gone, deleting", "kind", it.res.gvk.Kind, "namespace", o.Namespace, "name", o.Name)
	return c.delete(ctx, it, metav1.DeletePropagationBackground)
}

// ownerExists looks the owner up now (not in the sweep's lists) and
// compares its UID: an owner of that name made again is another owner.
// When the kind cannot be looked up, the owner is taken to exist: the
// collector never deletes on a doubt.
func (c *Collector) ownerExists(ctx context.Context, ns string, ref metav1.OwnerReference, lookup func(string, string) (resource, bool)) bool {
	r, ok := lookup(ref.APIVersion, ref.Kind)
	if !ok {
		return true
	}
	var (
		got *metav1.PartialObjectMetadata
		err error
	)
	if r.namespaced {
		got, err = c.meta.Resource(r.gvr).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{})
	} else {
		got, err = c.meta.Resource(r.gvr).Get(ctx, ref.Name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		return true
	}
	return got.UID == ref.UID
}

func (c *Collector) delete(ctx context.Context, it item, policy metav1.DeletionPropagation) error {
	opts := metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: ptr.To(it.obj.UID)},
		PropagationPolicy: &policy,
	}
	if it.res.namespaced {
		return c.meta.Resource(it.res.gvr).Namespace(it.obj.Namespace).Delete(ctx, it.obj.Name, opts)
	}
	return c.meta.Resource(it.res.gvr).Delete(ctx, it.obj.Name, opts)
}

// dependents are the objects that name owner among their owners: in its
// namespace when it has one (an owner reference never crosses namespaces,
// so an object of another namespace naming its UID neither holds up its
// deletion nor is touched by it).
func dependents(owner item, all []item) []item {
	var out []item
	for _, it := range all {
		if owner.res.namespaced && it.obj.Namespace != owner.obj.Namespace {
			continue
		}
		for _, ref := range it.obj.OwnerReferences {
			if ref.UID == owner.obj.UID {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

// foreground deletes an owner's dependents (blocking ones in the foreground
// too) and removes its foregroundDeletion finalizer once none is left.
func (c *Collector) foreground(ctx context.Context, it item, all []item) error {
	deps := dependents(it, all)
	for _, d := range deps {
		if d.obj.DeletionTimestamp == nil {
			if err := c.delete(ctx, d, metav1.DeletePropagationForeground); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	if len(deps) > 0 {
		return nil // the next sweep sees whether they are gone
	}
	return c.dropFinalizer(ctx, it, finalizerForeground)
}

// orphan removes the owner from its dependents' ownerReferences, then its
// orphan finalizer.
func (c *Collector) orphan(ctx context.Context, it item, all []item) error {
	for _, d := range dependents(it, all) {
		refs := make([]metav1.OwnerReference, 0, len(d.obj.OwnerReferences))
		for _, ref := range d.obj.OwnerReferences {
			if ref.UID != it.obj.UID {
				refs = append(refs, ref)
			}
		}
		if err := c.patchMeta(ctx, d, map[string]any{"ownerReferences": refs, "uid": d.obj.UID}); err != nil {
			return err
		}
	}
	return c.dropFinalizer(ctx, it, finalizerOrphan)
}

func (c *Collector) dropFinalizer(ctx context.Context, it item, name string) error {
	kept := slices.DeleteFunc(slices.Clone(it.obj.Finalizers), func(f string) bool { return f == name })
	return c.patchMeta(ctx, it, map[string]any{"finalizers": kept, "resourceVersion": it.obj.ResourceVersion})
}

// patchMeta merge-patches metadata; the uid or resourceVersion it carries
// makes the API server refuse it when the object changed meanwhile.
func (c *Collector) patchMeta(ctx context.Context, it item, meta map[string]any) error {
	raw, err := json.Marshal(map[string]any{"metadata": meta})
	if err != nil {
		return err
	}
	if it.res.namespaced {
		_, err = c.meta.Resource(it.res.gvr).Namespace(it.obj.Namespace).Patch(ctx, it.obj.Name, types.MergePatchType, raw, metav1.PatchOptions{})
	} else {
		_, err = c.meta.Resource(it.res.gvr).Patch(ctx, it.obj.Name, types.MergePatchType, raw, metav1.PatchOptions{})
	}
	return err
}

// finalizeNamespace deletes what is left in a Terminating namespace and,
// once it is empty, removes the kubernetes finalizer so the API server
// removes the namespace.
func (c *Collector) finalizeNamespace(ctx context.Context, name string, all []item) error {
	left := 0
	for _, it := range all {
		if !it.res.namespaced || it.obj.Namespace != name {
			continue
		}
		left++
		if it.obj.DeletionTimestamp == nil {
			if err := c.delete(ctx, it, metav1.DeletePropagationBackground); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	if left > 0 {
		return nil // objects with finalizers go when their controllers let them
	}
	ns, err := c.core.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if !slices.Contains(ns.Spec.Finalizers, finalizerNamespace) {
		return nil
	}
	ns.Spec.Finalizers = slices.DeleteFunc(ns.Spec.Finalizers, func(f corev1.FinalizerName) bool { return f == finalizerNamespace })
	c.log().Info("namespace emptied, finalizing", "namespace", name)
	_, err = c.core.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{})
	return err
}
