package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/signing/pdfsigtest"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/testenv"
)

// TestManagerEndToEnd runs the real `countyreport manager` as a user that has
// only the ClusterRole generated into config/rbac, against a real control
// plane and a real MinIO, and walks the platform's main flow: Hengshan's
// sample manifest → portal workload, bucket and scoped credentials → a
// ReportRun renders the January 2023 dataset into the archive.
func TestManagerEndToEnd(t *testing.T) {
	endToEnd(t, miniotest.Start(t), nil)
}

// TestManagerEndToEndPrivateCA is the same flow with storage served over
// HTTPS by a certificate of a CA made for the test: the manager trusts it
// through --storage-ca-file, and every client it sets up (its own, the
// in-process executor's, the portal's and the Job's) gets the CA with the
// scoped credentials.
func TestManagerEndToEndPrivateCA(t *testing.T) {
	// controller-runtime allows one controller of a name per process, and
	// TestManagerEndToEnd has one: this test runs in a process of its own.
	if os.Getenv(e2eChild) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestManagerEndToEndPrivateCA$", "-test.v", "-test.timeout=5m")
		cmd.Env = append(os.Environ(), e2eChild+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestManagerEndToEndPrivateCA") {
			t.Fatalf("%v:\n%s", err, out)
		}
		return
	}
	srv := miniotest.StartTLS(t)
	caFile := filepath.Join(t.TempDir(), "storage-ca.pem")
	if err := os.WriteFile(caFile, srv.CA(), 0o600); err != nil {
		t.Fatal(err)
	}
	endToEnd(t, srv, []string{"--storage-ca-file", caFile})
}

// e2eChild marks the process a test re-runs itself in.
const e2eChild = "COUNTYREPORT_E2E_CHILD"

func endToEnd(t *testing.T, srv *miniotest.Server, storageArgs []string) {
	g := NewWithT(t)
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	tls := srv.CA() != nil
	if !tls {
		storageArgs = append(storageArgs, "--storage-insecure")
	}

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

	// The operator's namespace, as config/default makes it: the signing CA is made there.
	out, err = env.RunKubectl("", "create", "namespace", "countyreport-system")
	g.Expect(err).NotTo(HaveOccurred(), out)

	root := srv.RootConfig()
	t.Setenv("COUNTYREPORT_STORAGE_ACCESS_KEY", root.AccessKey)
	t.Setenv("COUNTYREPORT_STORAGE_SECRET_KEY", root.SecretKey)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runManager(ctx, append([]string{
			"--kubeconfig", kubeconfigFile, "--metrics-bind-address=0", "--health-probe-bind-address=0",
			"--storage-endpoint", srv.Endpoint(), "--executor=inprocess",
			"--portal-image=countyreport:e2e", "--zap-log-level=error",
		}, storageArgs...))
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
	cr := &v1alpha1.CountyReport{}
	g.Eventually(func(g Gomega) {
		g.Expect(c.Get(ctx, key, cr)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(cr.Status.Conditions, v1alpha1.ConditionStorageReady)).To(BeTrue(),
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
		rr := &v1alpha1.ReportRun{}
		g.Expect(c.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: "hengshan-2023-01"}, rr)).To(Succeed())
		g.Expect(rr.Status.Phase).To(Equal(v1alpha1.RunSucceeded), "status: %+v", rr.Status)
		g.Expect(c.Get(ctx, key, cr)).To(Succeed())
		g.Expect(cr.Status.LastReport).NotTo(BeNil())
		g.Expect(cr.Status.LastReport.Period).To(Equal("2023-01"))
	}, 2*time.Minute).Should(Succeed())

	// The archive, read with the county's own scoped credentials, has the period.
	secret := &corev1.Secret{}
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: cr.Status.CredentialsSecretName}, secret)).To(Succeed())
	scopedCfg, _, err := executor.ConfigFromSecret(secret)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(scopedCfg.Insecure).To(Equal(!tls))
	g.Expect(scopedCfg.CABundle).To(Equal(srv.CA()), "the CA travels with the scoped credentials")
	scoped, err := storage.New(scopedCfg)
	g.Expect(err).NotTo(HaveOccurred())
	rep, err := scoped.Archive(cr.Status.Bucket).Verify(ctx, "2023-01")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rep.Pages).To(Equal(int(cr.Status.LastReport.Pages)))
	g.Expect(strings.Join(cr.Status.LastReport.Keys, " ")).To(ContainSubstring("reports/2023-01/report.pdf"))
	reportIsSigned(t, c, scoped.Archive(cr.Status.Bucket))

	out, err = env.RunKubectl("", "get", "countyreports", "-A")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("2023-01"))
	out, err = env.RunKubectl("", "get", "reportruns", "-A")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("Succeeded"))
	t.Logf("kubectl get reportruns -A:\n%s", out)

	if tls {
		portalTrustsTheCA(t, c, key)
		jobTrustsTheCA(t, c, cr, secret)
	}
}

// reportIsSigned: the report the operator's run published is signed with
// the county's certificate from the installation CA the operator made in
// its namespace, and pdfsig trusts it with that CA.
func reportIsSigned(t *testing.T, c client.Client, a *storage.Archive) {
	g := NewWithT(t)
	var caSecret corev1.Secret
	g.Expect(c.Get(context.Background(), client.ObjectKey{Namespace: "countyreport-system", Name: signing.DefaultCASecret}, &caSecret)).To(Succeed())
	ca, err := signing.DecodeKeyPair(caSecret.Data)
	g.Expect(err).NotTo(HaveOccurred())
	pdf, _, err := a.Get(context.Background(), "2023-01", "report.pdf")
	g.Expect(err).NotTo(HaveOccurred())
	v, err := signing.Verify(pdf, ca.Roots())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(v.Code).To(Equal("430423"))
	f := filepath.Join(t.TempDir(), "report.pdf")
	g.Expect(os.WriteFile(f, pdf, 0o644)).To(Succeed())
	pdfsigtest.RequireValid(t, pdfsigtest.NSSDB(t, ca.Cert), f)
}

// portalTrustsTheCA: the portal Deployment mounts the CA bundle from the
// credentials Secret and names it in COUNTYREPORT_STORAGE_CA_FILE.
func portalTrustsTheCA(t *testing.T, c client.Client, key client.ObjectKey) {
	g := NewWithT(t)
	d := &appsv1.Deployment{}
	g.Expect(c.Get(context.Background(), client.ObjectKey{Namespace: key.Namespace, Name: key.Name + "-portal"}, d)).To(Succeed())
	pod := d.Spec.Template.Spec
	g.Expect(pod.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: storage.EnvCAFile, Value: tenant.StorageCAFile}))
	found := false
	for _, v := range pod.Volumes {
		if v.Secret != nil && v.Secret.SecretName == key.Name+"-storage" && len(v.Secret.Items) == 1 && v.Secret.Items[0].Key == tenant.SecretCABundle {
			found = true
		}
	}
	g.Expect(found).To(BeTrue(), "a volume with the Secret's CA bundle: %+v", pod.Volumes)
}

// jobTrustsTheCA runs what a report Job runs, with its environment resolved
// as the kubelet would (Secret keys, the CA file mounted), and sees it
// publish over TLS.
func jobTrustsTheCA(t *testing.T, c client.Client, cr *v1alpha1.CountyReport, secret *corev1.Secret) {
	g := NewWithT(t)
	run := &v1alpha1.ReportRun{ObjectMeta: metav1.ObjectMeta{Name: "hengshan-2023-01", Namespace: cr.Namespace},
		Spec: v1alpha1.ReportRunSpec{CountyReportName: cr.Name, Period: "2023-01"}}
	job := executor.MakeJob(run, cr, executor.JobOptions{StorageCA: true, Sign: true})
	container := job.Spec.Template.Spec.Containers[0]
	caDir, signingDir := t.TempDir(), t.TempDir()
	var signingSecret corev1.Secret // mounted as the kubelet would
	g.Expect(c.Get(context.Background(), client.ObjectKey{Namespace: cr.Namespace, Name: signing.SecretName(cr.Name)}, &signingSecret)).To(Succeed())
	for k, v := range signingSecret.Data {
		g.Expect(os.WriteFile(filepath.Join(signingDir, k), v, 0o600)).To(Succeed())
	}
	for _, m := range container.VolumeMounts {
		if m.Name == "storage-ca" {
			g.Expect(filepath.Join(m.MountPath, "ca.crt")).To(Equal(tenant.StorageCAFile))
		}
	}
	for _, e := range container.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			g.Expect(e.ValueFrom.SecretKeyRef.Name).To(Equal(secret.Name))
			v = string(secret.Data[e.ValueFrom.SecretKeyRef.Key])
		}
		if e.Name == signing.EnvDir {
			v = signingDir
		}
		if e.Name == storage.EnvCAFile { // the mounted file, here in a temporary folder
			v = filepath.Join(caDir, "ca.crt")
			g.Expect(os.WriteFile(v, secret.Data[tenant.SecretCABundle], 0o600)).To(Succeed())
		}
		t.Setenv(e.Name, v)
	}
	var stderr strings.Builder
	gen, err := parseGenerateFlags(container.Args[1:], &stderr)
	g.Expect(err).NotTo(HaveOccurred(), stderr.String())
	g.Expect(generateStored(context.Background(), gen, &stderr)).To(Succeed(), stderr.String())
}
