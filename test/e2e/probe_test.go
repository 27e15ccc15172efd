//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// probeContainer is the probe's container name, in its own pod and as an
// ephemeral container in a portal's pod.
const probeContainer = "probe"

// probePort is where the probe listens beside a portal: a port the
// portal's ingress policy does not open.
const probePort = 7070

// restricted is a container security context Pod Security "restricted" admits.
func restricted() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		RunAsNonRoot:             ptr.To(true),
		RunAsUser:                ptr.To[int64](65532),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// ensureProbePod imports the probe's image (once per suite run) and starts
// the probe pod in probeNS, a namespace with no NetworkPolicy.
func (s *suite) ensureProbePod(t *testing.T) {
	t.Helper()
	if !s.probeImported {
		s.importImage(t, s.buildProbeImage(t))
		s.probeImported = true
	}
	s.ensureNamespace(t, probeNS, nil)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: probeNS},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false),
			Containers: []corev1.Container{{
				Name: probeContainer, Image: probeImage, ImagePullPolicy: corev1.PullNever,
				Args: []string{"listen", fmt.Sprintf(":%d", probePort)}, SecurityContext: restricted(),
			}},
		},
	}
	if err := s.c.Create(s.ctx, pod); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	s.eventually(t, "the probe pod Running", 3*time.Minute, func() (bool, string) {
		var p corev1.Pod
		if err := s.c.Get(s.ctx, client.ObjectKeyFromObject(pod), &p); err != nil {
			return false, err.Error()
		}
		return podReady(&p), podsState([]corev1.Pod{p})
	}, probeNS)
}

// attachProbe adds the probe as an ephemeral container to a portal's pod
// (it shares the pod's network, so the portal's NetworkPolicies apply to
// it), listening on probePort, and waits until it runs.
func (s *suite) attachProbe(t *testing.T, pod corev1.Pod) {
	t.Helper()
	// The newest version of the pod: the update is refused on a stale one.
	must(t, s.c.Get(s.ctx, client.ObjectKeyFromObject(&pod), &pod))
	for _, ec := range pod.Spec.EphemeralContainers {
		if ec.Name == probeContainer {
			return
		}
	}
	pod.Spec.EphemeralContainers = append(pod.Spec.EphemeralContainers, corev1.EphemeralContainer{
		EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name: probeContainer, Image: probeImage, ImagePullPolicy: corev1.PullNever,
			Args: []string{"listen", fmt.Sprintf(":%d", probePort)}, SecurityContext: restricted(),
		},
	})
	if _, err := s.cs.CoreV1().Pods(pod.Namespace).UpdateEphemeralContainers(s.ctx, pod.Name, &pod, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("add the probe to %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	s.eventually(t, "the probe running in "+pod.Name, 3*time.Minute, func() (bool, string) {
		var p corev1.Pod
		if err := s.c.Get(s.ctx, client.ObjectKeyFromObject(&pod), &p); err != nil {
			return false, err.Error()
		}
		for _, st := range p.Status.EphemeralContainerStatuses {
			if st.Name == probeContainer {
				return st.State.Running != nil, fmt.Sprintf("%+v", st.State)
			}
		}
		return false, "no status for the probe yet"
	}, pod.Namespace)
}

// dial reports whether a TCP connection from the probe in pod ns/name to
// addr opens, and the probe's word.
func (s *suite) dial(ns, pod, addr string) (bool, string) {
	out, err := s.run(time.Minute, s.kubectl(), "-n", ns, "exec", pod, "-c", probeContainer, "--",
		"/probe", "dial", addr, "3")
	out = strings.TrimSpace(out)
	if err == nil {
		return true, out
	}
	return false, out
}

// probeGet fetches url from the probe in pod ns/name and returns the HTTP
// status line the probe printed ("" when no answer).
func (s *suite) probeGet(ns, pod, url string) (string, string) {
	out, err := s.run(time.Minute, s.kubectl(), "-n", ns, "exec", pod, "-c", probeContainer, "--",
		"/probe", "get", url, "5")
	if err != nil {
		return "", strings.TrimSpace(out)
	}
	status, _, _ := strings.Cut(out, "\n")
	return strings.TrimSpace(status), out
}

// reaches waits until addr answers from the probe in ns/pod (policies and
// Service rules take a moment to be programmed).
func (s *suite) reaches(t *testing.T, ns, pod, what, addr string) {
	t.Helper()
	s.eventually(t, fmt.Sprintf("%s/%s reaches %s (%s)", ns, pod, what, addr), 2*time.Minute, func() (bool, string) {
		return s.dial(ns, pod, addr)
	}, ns)
}

// refused checks that addr does not answer from the probe in ns/pod, three
// times over (a dropped SYN is a timeout; one lucky miss proves nothing,
// so every try must fail).
func (s *suite) refused(t *testing.T, ns, pod, what, addr string) {
	t.Helper()
	for i := 0; i < 3; i++ {
		if ok, word := s.dial(ns, pod, addr); ok {
			t.Errorf("%s/%s reached %s (%s): its NetworkPolicy should stop it (%s)", ns, pod, what, addr, word)
			return
		}
	}
}
