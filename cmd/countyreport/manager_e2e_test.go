package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/testenv"
)

// TestManagerEndToEnd runs the real `countyreport manager` as a user that has
// only the ClusterRole generated into config/rbac, against a real control
// plane and a real MinIO, and walks the platform's main flow: Hengshan's
// sample manifest → portal workload, bucket and scoped credentials → a
// ReportRun renders the January 2023 dataset into the archive.
func TestManagerEndToEnd(t *testing.T) {
	g := NewWithT(t)
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	srv := miniotest.Start(t)

	// The manager's identity: nothing but the generated role.
	const user = "countyreport-manager-e2e"
	out, err := env.RunKubectl("", "apply", "-f", filepath.Join(env.Root, "config", "rbac", "role.yaml"))
	g.Expect(err).NotTo(HaveOccurred(), out)
	out, err = env.RunKubectl("", "create", "clusterrolebinding", "e2e-manager", "--clusterrole=countyreport-manager", "--user="+user)
	g.Expect(err).NotTo(HaveOccurred(), out)
	managerUser, err := env.AddUser(envtest.User{Name: user}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	kubeconfig, err := managerUser.KubeConfig()
	g.Expect(err).NotTo(HaveOccurred())
	kubeconfigFile := filepath.Join(t.TempDir(), "manager.kubeconfig")
	g.Expect(os.WriteFile(kubeconfigFile, kubeconfig, 0o600)).To(Succeed())

	root := srv.RootConfig()
	t.Setenv("COUNTYREPORT_STORAGE_ACCESS_KEY", root.AccessKey)
	t.Setenv("COUNTYREPORT_STORAGE_SECRET_KEY", root.SecretKey)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runManager(ctx, []string{
			"--kubeconfig", kubeconfigFile, "--metrics-bind-address=0", "--health-probe-bind-address=0",
			"--storage-endpoint", srv.Endpoint(), "--storage-insecure", "--executor=inprocess",
			"--portal-image=countyreport:e2e", "--zap-log-level=error",
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}()

	// Municipal IT apply Hengshan's sample.
	out, err = env.RunKubectl("", "apply", "-f", filepath.Join(env.Root, "config", "samples", "hengshan.yaml"))
	g.Expect(err).NotTo(HaveOccurred(), out)

	c, err := client.New(env.Config, client.Options{Scheme: newScheme()})
	g.Expect(err).NotTo(HaveOccurred())
	key := client.ObjectKey{Namespace: "county-hengshan", Name: "hengshan"}
	cr := &reportingv1.CountyReport{}
	g.Eventually(func(g Gomega) {
		g.Expect(c.Get(ctx, key, cr)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(cr.Status.Conditions, reportingv1.ConditionStorageReady)).To(BeTrue(),
			"conditions: %+v", cr.Status.Conditions)
		g.Expect(c.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: "hengshan-portal"}, &appsv1.Deployment{})).To(Succeed())
	}, time.Minute).Should(Succeed())
	g.Expect(cr.Status.Bucket).To(Equal("countyreport-430423"))

	// Staff have submitted January 2023 (the portal's upload is a later issue: put it directly).
	raw, err := os.ReadFile(filepath.Join(env.Root, "config", "samples", "datasets", "hengshan-2023-01.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	ds, err := dataset.Parse(raw, "hengshan-2023-01.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	normalized, err := ds.Normalized()
	g.Expect(err).NotTo(HaveOccurred())
	admin, err := storage.New(root)
	g.Expect(err).NotTo(HaveOccurred())
	_, err = admin.Archive(cr.Status.Bucket).PutDataset(ctx, "2023-01", normalized)
	g.Expect(err).NotTo(HaveOccurred())

	// A three-line ReportRun renders it.
	run := "apiVersion: reporting.countyreport.io/v1alpha1\nkind: ReportRun\n" +
		"metadata: {name: hengshan-2023-01, namespace: county-hengshan}\nspec: {countyReportName: hengshan, period: \"2023-01\"}\n"
	out, err = env.RunKubectl(run, "apply", "-f", "-")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Eventually(func(g Gomega) {
		rr := &reportingv1.ReportRun{}
		g.Expect(c.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: "hengshan-2023-01"}, rr)).To(Succeed())
		g.Expect(rr.Status.Phase).To(Equal(reportingv1.RunSucceeded), "status: %+v", rr.Status)
		g.Expect(c.Get(ctx, key, cr)).To(Succeed())
		g.Expect(cr.Status.LastReport).NotTo(BeNil())
		g.Expect(cr.Status.LastReport.Period).To(Equal("2023-01"))
	}, 2*time.Minute).Should(Succeed())

	// The archive, read with the county's own scoped credentials, has the period.
	secret := &corev1.Secret{}
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: cr.Status.CredentialsSecretName}, secret)).To(Succeed())
	scoped, err := storage.New(storage.Config{
		Endpoint: srv.Endpoint(), Insecure: true, AccessKey: string(secret.Data["accessKey"]),
		SecretKey: string(secret.Data["secretKey"]), SessionToken: string(secret.Data["sessionToken"]),
	})
	g.Expect(err).NotTo(HaveOccurred())
	rep, err := scoped.Archive(cr.Status.Bucket).Verify(ctx, "2023-01")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rep.Pages).To(Equal(int(cr.Status.LastReport.Pages)))
	g.Expect(strings.Join(cr.Status.LastReport.Keys, " ")).To(ContainSubstring("reports/2023-01/report.pdf"))

	out, err = env.RunKubectl("", "get", "countyreports", "-A")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("2023-01"))
	out, err = env.RunKubectl("", "get", "reportruns", "-A")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("Succeeded"))
	t.Logf("kubectl get reportruns -A:\n%s", out)
}
