package dev

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
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

	"github.com/countyreport/countyreport/internal/storage/miniotest"
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

	minio := miniotest.Start(t)
	bucket := minio.NewBucket(t)
	root := minio.RootConfig()
	ns := "county-test"
	g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	// A made-up test county, not a real place; the paths are the container's,
	// the public URL a cluster's: the runtime makes both local.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "t-portal"},
		Data: map[string]string{"portal.yaml": "countyCode: \"000001\"\ncountyName: 测试县\nnamespace: county-test\n" +
			"countyReport: t\nlanguage: zh-CN\nbucket: " + bucket + "\npublicURL: https://t.example.org/\n" +
			"storageEndpoint: " + minio.Endpoint() + "\nstorageInsecure: true\n" +
			"accountsFile: /etc/countyreport/portal-secret/accounts.yaml\n" +
			"sessionKeyFile: /etc/countyreport/portal-secret/session-key\n" +
			"initialPasswordFile: /etc/countyreport/portal-secret/initial-password\n"}}
	g.Expect(c.Create(ctx, cm)).To(Succeed())
	const password = "test-password-not-real-0123456789"
	g.Expect(c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "t-portal"}, StringData: map[string]string{
		"accessKey": root.AccessKey, "secretKey": root.SecretKey,
		"accounts.yaml": "accounts: []\n", "session-key": "c2Vzc2lvbi1rZXktZm9yLXRlc3RzLW9ubHktMDEyMzQ1Njc4OQ", "initial-password": password,
	}})).To(Succeed())
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "t-portal", Labels: map[string]string{PortalLabelKey: PortalLabelValue}},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "t"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "t"}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "portal", Image: "countyreport:test",
						Args: []string{"portal", "--config=/etc/countyreport/portal.yaml", "--listen=:8080"},
						Env:  []corev1.EnvVar{secretEnv("COUNTYREPORT_STORAGE_ACCESS_KEY", "accessKey"), secretEnv("COUNTYREPORT_STORAGE_SECRET_KEY", "secretKey")},
						VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/countyreport"},
							{Name: "secret", MountPath: "/etc/countyreport/portal-secret"}}}},
					Volumes: []corev1.Volume{
						{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: "t-portal"}}}},
						{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "t-portal"}}},
					},
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
	rt := &Runtime{Client: mgr.GetClient(), Admin: env.Config, Dir: filepath.Join(dir, "portals"), Ports: ports,
		Event: func(key types.NamespacedName, what, url string, err error) {
			t.Logf("portal %s %s %s %v", key, what, url, err)
		}}
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
		g.Expect(page(g)).To(ContainSubstring("测试县")) // the sign-in page names the county
		got := &appsv1.Deployment{}
		g.Expect(c.Get(ctx, key, got)).To(Succeed())
		g.Expect(got.Status.AvailableReplicas).To(Equal(int32(1)))
		g.Expect(got.Status.Conditions).To(ContainElement(And(
			HaveField("Type", appsv1.DeploymentAvailable), HaveField("Status", corev1.ConditionTrue),
			HaveField("Message", ContainSubstring(rt.URL(key)))))) // the address that answers
	}, 30*time.Second).Should(Succeed())

	// The Secret's files are where the configuration says: the initial
	// password signs in, over plain HTTP (the local public URL).
	jar, err := cookiejar.New(nil)
	g.Expect(err).NotTo(HaveOccurred())
	hc := &http.Client{Jar: jar}
	resp, err := hc.PostForm(rt.URL(key)+"signin", url.Values{"username": {"admin"}, "password": {password}})
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	g.Expect(resp.Request.URL.Path).NotTo(HaveSuffix("/signin"), "signing in with the initial password failed")

	cm.Data["portal.yaml"] = strings.Replace(cm.Data["portal.yaml"], "测试县", "改名县", 1)
	g.Expect(c.Update(ctx, cm)).To(Succeed())
	g.Eventually(page, 30*time.Second).Should(ContainSubstring("改名县"))

	served := rt.URL(key)
	g.Expect(c.Delete(ctx, d)).To(Succeed())
	g.Eventually(func() error {
		resp, err := http.Get(served)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}, 30*time.Second).Should(HaveOccurred(), "the portal still answers after its Deployment was deleted")
	g.Expect(rt.URL(key)).To(BeEmpty())
}

func secretEnv(name, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "t-portal"}, Key: key}}}
}
