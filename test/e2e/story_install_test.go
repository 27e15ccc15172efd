//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/internal/storage"
)

// leaseName is the manager's leader election Lease (cmd/countyreport/manager.go).
const leaseName = "countyreport-manager.reporting.countyreport.io"

// managerSelector selects the managers' pods.
var managerSelector = client.MatchingLabels{"app.kubernetes.io/component": "manager", "app.kubernetes.io/instance": release}

// helmValues are the values of a real install on the node: the local image
// (never pulled: there is no registry), the node's MinIO over plain HTTP,
// the managers' storage egress pinned to it, the managers' and the
// portals' API egress pinned to the node (the API server's own address),
// and retries sooner than the default 30 s so the fault stories finish in
// minutes.
func (s *suite) helmValues(tag string) []string {
	return []string{
		"--set", "image.repository=" + imageRepo(s.image),
		// --set-string: a tag of digits only (a short commit hash can be)
		// would be a number, which the chart's schema refuses.
		"--set-string", "image.tag=" + tag,
		"--set", "image.pullPolicy=Never",
		"--set", "storage.endpoint=" + s.minio.Endpoint,
		"--set", "storage.insecure=true",
		"--set", "networkPolicy.storageCIDRs={" + s.nodeIP + "/32}",
		"--set", "networkPolicy.apiServerCIDRs={" + s.nodeIP + "/32}",
		"--set", "runs.retryBackoff=10s",
	}
}

func imageRepo(image string) string { r, _, _ := strings.Cut(image, ":"); return r }
func imageTag(image string) string  { _, t, _ := strings.Cut(image, ":"); return t }

// storyInstall: helm install of charts/countyreport with the local image;
// the managers Running and Ready, one of them leading.
func (s *suite) storyInstall(t *testing.T) {
	s.reset(t)
	s.ensureNamespace(t, releaseNS, nil)
	// The admin credentials, made by municipal IT, never put in values.
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "countyreport-storage-admin", Namespace: releaseNS},
		StringData: map[string]string{
			storage.EnvAccessKey: s.minio.AccessKey,
			storage.EnvSecretKey: s.minio.SecretKey,
		},
	}
	if err := s.c.Create(s.ctx, secret); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	args := append([]string{"upgrade", "--install", release, filepath.Join(s.root, "charts", "countyreport"),
		"--namespace", releaseNS}, s.helmValues(imageTag(s.image))...)
	t.Logf("helm %s", strings.Join(args, " "))
	s.mustRun(t, 5*time.Minute, s.helm(), args...)
	s.waitManagers(t, s.image, 2)
	leader := s.leader(t)
	t.Logf("managers ready; %s leads", leader)
}

func (s *suite) helm() string { return filepath.Join(s.root, "bin", "helm") }

// ensureNamespace makes ns with Pod Security "restricted" enforced (and
// extra labels) unless it exists.
func (s *suite) ensureNamespace(t *testing.T, ns string, labels map[string]string) {
	t.Helper()
	l := map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}
	for k, v := range labels {
		l[k] = v
	}
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: l}}
	if err := s.c.Create(s.ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// waitManagers waits until n manager pods run image, Running and Ready,
// and no other manager pod is left (a finished rollout).
func (s *suite) waitManagers(t *testing.T, image string, n int) {
	t.Helper()
	s.eventually(t, fmt.Sprintf("%d managers of %s Running and Ready", n, image), 8*time.Minute, func() (bool, string) {
		var pods corev1.PodList
		if err := s.c.List(s.ctx, &pods, client.InNamespace(releaseNS), managerSelector); err != nil {
			return false, err.Error()
		}
		if crash := crashLooping(pods.Items); crash != "" {
			s.dump(t, releaseNS)
			t.Fatalf("managers crash: %s", crash)
		}
		ready := 0
		for i := range pods.Items {
			p := &pods.Items[i]
			if podReady(p) && strings.HasSuffix(p.Spec.Containers[0].Image, image) {
				ready++
			}
		}
		return ready == n && len(pods.Items) == n, podsState(pods.Items)
	}, releaseNS)
}

// leader is the pod holding the Lease, waiting until one of the running
// managers holds it.
func (s *suite) leader(t *testing.T) string {
	t.Helper()
	var name string
	s.eventually(t, "a manager leads", 3*time.Minute, func() (bool, string) {
		var lease coordinationv1.Lease
		if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: releaseNS, Name: leaseName}, &lease); err != nil {
			return false, err.Error()
		}
		if lease.Spec.HolderIdentity == nil {
			return false, "the Lease has no holder"
		}
		holder, _, _ := strings.Cut(*lease.Spec.HolderIdentity, "_")
		var pod corev1.Pod
		if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: releaseNS, Name: holder}, &pod); err != nil {
			return false, fmt.Sprintf("holder %q: %v", *lease.Spec.HolderIdentity, err)
		}
		if !podReady(&pod) {
			return false, "holder " + holder + " is not ready"
		}
		name = holder
		return true, ""
	}, releaseNS)
	return name
}
