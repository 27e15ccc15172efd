package dev

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Workload is a pod template resolved the way a kubelet would: the
// container's arguments, its environment with every reference looked up,
// and the files its volumes put at their mount paths.
type Workload struct {
	Args      []string
	Env       map[string]string
	Files     map[string][]byte // absolute path in the container → content
	Dirs      []string          // empty volumes (emptyDir) mounted at these paths
	Automount bool              // the pod would get a ServiceAccount token
	Token     bool              // a projected volume asks for one
	SA        string            // its ServiceAccount
	Refs      []string          // "ConfigMap/name", "Secret/name": what a change of should restart it
}

// Hash is a digest of everything the workload runs with: a different hash
// means the running portal is stale.
func (w *Workload) Hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "args=%q;sa=%s;automount=%t;token=%t;", w.Args, w.SA, w.Automount, w.Token)
	for _, k := range sortedKeys(w.Env) {
		fmt.Fprintf(h, "env %s=%d:%s;", k, len(w.Env[k]), w.Env[k])
	}
	for _, k := range sortedKeys(w.Files) {
		fmt.Fprintf(h, "file %s=%d:%s;", k, len(w.Files[k]), w.Files[k])
	}
	fmt.Fprintf(h, "dirs=%q", w.Dirs)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Resolve reads the ConfigMaps and Secrets that d's pod template refers to
// (in d's namespace only, as a kubelet would) and returns the workload of its
// container named container (the first when empty). A reference that is not
// optional and cannot be found is an error naming it.
func Resolve(ctx context.Context, c client.Reader, d *appsv1.Deployment, container string) (*Workload, error) {
	spec := d.Spec.Template.Spec
	var ctr *corev1.Container
	for i := range spec.Containers {
		if container == "" || spec.Containers[i].Name == container {
			ctr = &spec.Containers[i]
			break
		}
	}
	if ctr == nil {
		return nil, fmt.Errorf("no container %q in the pod template", container)
	}
	r := &resolver{ctx: ctx, c: c, ns: d.Namespace, cms: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}}
	w := &Workload{
		Args: append(append([]string{}, ctr.Command...), ctr.Args...), Env: map[string]string{}, Files: map[string][]byte{},
		SA: spec.ServiceAccountName, Automount: ptr.Deref(spec.AutomountServiceAccountToken, true),
	}
	if err := r.env(w, ctr, d); err != nil {
		return nil, err
	}
	vols := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		vols[v.Name] = v
	}
	for _, m := range ctr.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %q names no volume", m.Name)
		}
		if err := r.volume(w, v, m); err != nil {
			return nil, err
		}
	}
	w.Refs = r.refs()
	return w, nil
}

type resolver struct {
	ctx     context.Context
	c       client.Reader
	ns      string
	cms     map[string]*corev1.ConfigMap // nil value: looked up, not found
	secrets map[string]*corev1.Secret
}

func (r *resolver) refs() []string {
	var out []string
	for n := range r.cms {
		out = append(out, "ConfigMap/"+n)
	}
	for n := range r.secrets {
		out = append(out, "Secret/"+n)
	}
	sort.Strings(out)
	return out
}

// data returns the data of ConfigMap or Secret name (nil, nil when missing).
func (r *resolver) data(kind, name string) (map[string][]byte, error) {
	key := client.ObjectKey{Namespace: r.ns, Name: name}
	switch kind {
	case "ConfigMap":
		cm, seen := r.cms[name]
		if !seen {
			cm = &corev1.ConfigMap{}
			if err := r.c.Get(r.ctx, key, cm); apierrors.IsNotFound(err) {
				cm = nil
			} else if err != nil {
				return nil, fmt.Errorf("read ConfigMap %s: %w", name, err)
			}
			r.cms[name] = cm
		}
		if cm == nil {
			return nil, nil
		}
		out := map[string][]byte{}
		for k, v := range cm.Data {
			out[k] = []byte(v)
		}
		for k, v := range cm.BinaryData {
			out[k] = v
		}
		return out, nil
	default:
		s, seen := r.secrets[name]
		if !seen {
			s = &corev1.Secret{}
			if err := r.c.Get(r.ctx, key, s); apierrors.IsNotFound(err) {
				s = nil
			} else if err != nil {
				return nil, fmt.Errorf("read Secret %s: %w", name, err)
			}
			r.secrets[name] = s
		}
		if s == nil {
			return nil, nil
		}
		out := map[string][]byte{}
		for k, v := range s.Data {
			out[k] = v
		}
		for k, v := range s.StringData {
			out[k] = []byte(v)
		}
		return out, nil
	}
}

func (r *resolver) key(kind, name, key string, optional *bool) (string, bool, error) {
	data, err := r.data(kind, name)
	if err != nil {
		return "", false, err
	}
	v, ok := data[key]
	if !ok {
		if ptr.Deref(optional, false) {
			return "", false, nil
		}
		if data == nil {
			return "", false, fmt.Errorf("%s %s/%s does not exist", kind, r.ns, name)
		}
		return "", false, fmt.Errorf("%s %s/%s has no key %q", kind, r.ns, name, key)
	}
	return string(v), true, nil
}

func (r *resolver) env(w *Workload, ctr *corev1.Container, d *appsv1.Deployment) error {
	for _, from := range ctr.EnvFrom {
		kind, name, optional := "ConfigMap", "", (*bool)(nil)
		switch {
		case from.ConfigMapRef != nil:
			name, optional = from.ConfigMapRef.Name, from.ConfigMapRef.Optional
		case from.SecretRef != nil:
			kind, name, optional = "Secret", from.SecretRef.Name, from.SecretRef.Optional
		default:
			continue
		}
		data, err := r.data(kind, name)
		if err != nil {
			return err
		}
		if data == nil && !ptr.Deref(optional, false) {
			return fmt.Errorf("envFrom: %s %s/%s does not exist", kind, r.ns, name)
		}
		for k, v := range data {
			w.Env[from.Prefix+k] = string(v)
		}
	}
	for _, e := range ctr.Env {
		switch src := e.ValueFrom; {
		case src == nil:
			w.Env[e.Name] = e.Value
		case src.SecretKeyRef != nil:
			v, ok, err := r.key("Secret", src.SecretKeyRef.Name, src.SecretKeyRef.Key, src.SecretKeyRef.Optional)
			if err != nil {
				return fmt.Errorf("env %s: %w", e.Name, err)
			}
			if ok {
				w.Env[e.Name] = v
			}
		case src.ConfigMapKeyRef != nil:
			v, ok, err := r.key("ConfigMap", src.ConfigMapKeyRef.Name, src.ConfigMapKeyRef.Key, src.ConfigMapKeyRef.Optional)
			if err != nil {
				return fmt.Errorf("env %s: %w", e.Name, err)
			}
			if ok {
				w.Env[e.Name] = v
			}
		case src.FieldRef != nil:
			switch src.FieldRef.FieldPath {
			case "metadata.namespace":
				w.Env[e.Name] = d.Namespace
			case "metadata.name":
				w.Env[e.Name] = d.Name + "-dev"
			case "spec.serviceAccountName":
				w.Env[e.Name] = d.Spec.Template.Spec.ServiceAccountName
			default:
				return fmt.Errorf("env %s: field %s is not available in dev mode", e.Name, src.FieldRef.FieldPath)
			}
		default:
			return fmt.Errorf("env %s: this kind of reference is not available in dev mode", e.Name)
		}
	}
	return nil
}

func (r *resolver) volume(w *Workload, v corev1.Volume, m corev1.VolumeMount) error {
	kind, name, items, optional := "", "", []corev1.KeyToPath(nil), (*bool)(nil)
	switch {
	case v.EmptyDir != nil:
		w.Dirs = append(w.Dirs, m.MountPath)
		return nil
	case v.Projected != nil:
		return r.projected(w, v, m)
	case v.ConfigMap != nil:
		kind, name, items, optional = "ConfigMap", v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional
	case v.Secret != nil:
		kind, name, items, optional = "Secret", v.Secret.SecretName, v.Secret.Items, v.Secret.Optional
	default:
		return fmt.Errorf("volume %q: only configMap, secret and emptyDir volumes are available in dev mode", v.Name)
	}
	return r.source(w, v.Name, m, kind, name, items, optional)
}

// projected resolves a projected volume: its ConfigMaps and Secrets as
// files; a ServiceAccount token source is given to the portal as its
// identity (ServiceAccountConfig) rather than as a file.
func (r *resolver) projected(w *Workload, v corev1.Volume, m corev1.VolumeMount) error {
	for _, src := range v.Projected.Sources {
		var err error
		switch {
		case src.ServiceAccountToken != nil:
			w.Token = true
		case src.ConfigMap != nil:
			err = r.source(w, v.Name, m, "ConfigMap", src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional)
		case src.Secret != nil:
			err = r.source(w, v.Name, m, "Secret", src.Secret.Name, src.Secret.Items, src.Secret.Optional)
		default:
			err = fmt.Errorf("volume %q: only configMap, secret and serviceAccountToken projections are available in dev mode", v.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *resolver) source(w *Workload, vol string, m corev1.VolumeMount, kind, name string, items []corev1.KeyToPath, optional *bool) error {
	data, err := r.data(kind, name)
	if err != nil {
		return err
	}
	if data == nil {
		if ptr.Deref(optional, false) {
			return nil
		}
		return fmt.Errorf("volume %q: %s %s/%s does not exist", vol, kind, r.ns, name)
	}
	files := map[string][]byte{}
	if len(items) == 0 {
		for k, b := range data {
			files[k] = b
		}
	}
	for _, it := range items {
		b, ok := data[it.Key]
		if !ok {
			if ptr.Deref(optional, false) {
				continue
			}
			return fmt.Errorf("volume %q: %s %s/%s has no key %q", vol, kind, r.ns, name, it.Key)
		}
		files[it.Path] = b
	}
	for rel, b := range files {
		p := path.Join(m.MountPath, rel)
		if m.SubPath != "" {
			if rel != m.SubPath {
				continue
			}
			p = m.MountPath
		}
		w.Files[p] = b
	}
	return nil
}

// Materialize writes the workload's files and folders under root (their
// container paths below it), readable by the owner only, after removing what
// an earlier run left there.
func (w *Workload) Materialize(root string) error {
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return err
	}
	for _, d := range w.Dirs {
		if err := os.MkdirAll(Under(root, d), 0o700); err != nil {
			return err
		}
	}
	for p, b := range w.Files {
		f := Under(root, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(f, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// Under maps a container path to its place below root; a path that tries to
// leave root ("../..") stays inside it.
func Under(root, p string) string {
	return filepath.Join(root, filepath.FromSlash(path.Clean("/"+strings.TrimPrefix(p, "/"))))
}
