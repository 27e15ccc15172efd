package dev

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/internal/testenv"
)

// TestRuntimeFollowsDeployment runs the runtime against a real API server:
// a portal Deployment becomes a portal answering on 127.0.0.1 with its
// Available condition set; a changed ConfigMap restarts it with the new
// configuration; deleting the Deployment stops it.
func TestRuntimeFollowsDeployment(t *testing.T) {
	g := NewWithT(t)
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := client.New(env.Config, client.Options{Scheme: scheme.Scheme})
	g.Expect(err).NotTo(HaveOccurred())

	ns := "county-test"
	g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "t-portal"},
		// A made-up test county, not a real place.
		Data: map[string]string{"portal.yaml": "countyCode: \"000001\"\ncountyName: 测试县\nlanguage: zh-CN\nbucket: b\n"}}
	g.Expect(c.Create(ctx, cm)).To(Succeed())
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "t-portal", Labels: map[string]string{PortalLabelKey: PortalLabelValue}},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "t"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "t"}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "portal", Image: "countyreport:test",
						Args:         []string{"portal", "--config=/etc/countyreport/portal.yaml", "--listen=:8080"},
						VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/countyreport"}}}},
					Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
						LocalObjectReference: corev1.LocalObjectReference{Name: "t-portal"}}}}},
				},
			},
		},
	}
	g.Expect(c.Create(ctx, d)).To(Succeed())

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: scheme.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	g.Expect(err).NotTo(HaveOccurred())
	dir := t.TempDir()
	ports, err := OpenPortBook(filepath.Join(dir, "ports.json"), 28080, "--portal-port")
	g.Expect(err).NotTo(HaveOccurred())
	rt := &Runtime{Client: mgr.GetClient(), Admin: env.Config, Dir: filepath.Join(dir, "portals"), Ports: ports}
	g.Expect(rt.SetupWithManager(ctx, mgr)).To(Succeed())
	mctx, mcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { mcancel(); <-done; rt.Wait() }()

	key := types.NamespacedName{Namespace: ns, Name: "t-portal"}
	page := func(g Gomega) string {
		url := rt.URL(key)
		g.Expect(url).NotTo(BeEmpty())
		resp, err := http.Get(url)
		g.Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	g.Eventually(func(g Gomega) {
		g.Expect(page(g)).To(ContainSubstring("测试县"))
		got := &appsv1.Deployment{}
		g.Expect(c.Get(ctx, key, got)).To(Succeed())
		g.Expect(got.Status.AvailableReplicas).To(Equal(int32(1)))
		g.Expect(got.Status.Conditions).To(ContainElement(And(
			HaveField("Type", appsv1.DeploymentAvailable), HaveField("Status", corev1.ConditionTrue),
			HaveField("Message", ContainSubstring(rt.URL(key)))))) // the address that answers
	}, 30*time.Second).Should(Succeed())

	cm.Data["portal.yaml"] = strings.Replace(cm.Data["portal.yaml"], "测试县", "改名县", 1)
	g.Expect(c.Update(ctx, cm)).To(Succeed())
	g.Eventually(page, 30*time.Second).Should(ContainSubstring("改名县"))

	url := rt.URL(key)
	g.Expect(c.Delete(ctx, d)).To(Succeed())
	g.Eventually(func() error {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}, 30*time.Second).Should(HaveOccurred(), "the portal still answers after its Deployment was deleted")
	g.Expect(rt.URL(key)).To(BeEmpty())
}
