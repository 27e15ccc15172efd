package executor

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/tenant"
)

// Made-up counties, each in its own namespace.
func county(name, code string) *v1alpha1.CountyReport {
	return &v1alpha1.CountyReport{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "county-" + name},
		Spec:       v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: code, Name: name + "县（虚构）"}},
	}
}

func signingSecretOf(t *testing.T, ca *signing.KeyPair, cr *v1alpha1.CountyReport, holder signing.Tenant) *corev1.Secret {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	kp, err := ca.Issue(holder, at, at.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	data, err := signing.EncodeKeyPair(kp)
	if err != nil {
		t.Fatal(err)
	}
	return signing.TenantSecret(cr.Namespace, signing.SecretName(cr.Name), nil, data)
}

func testCA(t *testing.T) *signing.KeyPair {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := signing.NewCA("test CA (made-up)", at, at.AddDate(10, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// Attack: county A's Job names only A's Secrets, in A's namespace (where
// the kubelet mounts Secrets from), so it cannot be given B's key.
func TestJobMountsOnlyItsOwnSigningSecret(t *testing.T) {
	a, b := county("alpha", "990801"), county("beta", "990802")
	run := testRun()
	run.Namespace, run.Spec.CountyReportName = a.Namespace, a.Name
	job := MakeJob(run, a, JobOptions{Sign: true})
	if job.Namespace != a.Namespace {
		t.Fatalf("the Job of %s is in namespace %s", a.Name, job.Namespace)
	}
	pod := job.Spec.Template.Spec
	var names []string
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			names = append(names, v.Secret.SecretName)
		}
	}
	for _, e := range pod.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			names = append(names, e.ValueFrom.SecretKeyRef.Name)
		}
	}
	own := map[string]bool{tenant.CredentialsSecretName(a): true, signing.SecretName(a.Name): true}
	mounted := false
	for _, n := range names {
		if !own[n] || strings.Contains(n, b.Name) {
			t.Errorf("the Job of %s refers to Secret %s", a.Name, n)
		}
		mounted = mounted || n == signing.SecretName(a.Name)
	}
	if !mounted {
		t.Fatalf("the Job does not mount its signing Secret: %v", names)
	}
	if *pod.AutomountServiceAccountToken {
		t.Fatal("the Job's pod gets an API token: it could ask for other Secrets")
	}
}

// The signing key is mounted owner-read-only (0400): the kubelet makes its
// files readable by the run's group only when the pod's fsGroup is that
// group, so without it the non-root run cannot open its key (as the e2e
// suite saw on a real node: permission denied on tls.crt).
func TestJobCanReadItsSigningKey(t *testing.T) {
	a := county("alpha", "990801")
	run := testRun()
	run.Namespace, run.Spec.CountyReportName = a.Namespace, a.Name
	pod := MakeJob(run, a, JobOptions{Sign: true}).Spec.Template.Spec
	sc := pod.SecurityContext
	if sc == nil || sc.FSGroup == nil || sc.RunAsGroup == nil || *sc.FSGroup != *sc.RunAsGroup {
		t.Fatalf("the Job's pod security context %+v: fsGroup must be the run's group, or the key mounted 0400 stays root's", sc)
	}
}

// Attack: an in-process attempt of county A reads A's signing Secret and
// nothing else, and a key pair of B copied into A's Secret signs nothing.
func TestInProcessReadsOnlyItsOwnSigningKey(t *testing.T) {
	ca := testCA(t)
	a, b := county("alpha", "990801"), county("beta", "990802")
	ta, tb := Tenant(a), Tenant(b)
	var read []client.ObjectKey
	reader := func(objs ...client.Object) client.Reader {
		read = nil
		return fake.NewClientBuilder().WithObjects(objs...).WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				read = append(read, key)
				return c.Get(ctx, key, obj, opts...)
			},
		}).Build()
	}
	p := NewInProcess(&Archives{}, 1)
	p.Keys = &signing.Keys{Reader: reader(signingSecretOf(t, ca, a, ta), signingSecretOf(t, ca, b, tb))}
	s, err := p.signer(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if s.Cert.Subject.SerialNumber != ta.Code {
		t.Fatalf("county %s signs as %s", ta.Code, s.Cert.Subject.SerialNumber)
	}
	want := client.ObjectKey{Namespace: a.Namespace, Name: signing.SecretName(a.Name)}
	if len(read) != 1 || read[0] != want {
		t.Fatalf("an attempt of %s read %v, want only %v", a.Name, read, want)
	}

	// B's key pair in A's Secret (copied by someone who could write there).
	p.Keys = &signing.Keys{Reader: reader(signingSecretOf(t, ca, a, tb))}
	_, err = p.signer(context.Background(), a)
	f, ok := AsFailure(err)
	if !ok || f.Reason != v1alpha1.RunReasonNoCredentials || !strings.Contains(f.Message, "990802") {
		t.Fatalf("signing for %s with %s's certificate: %v; want a refusal naming it", ta.Code, tb.Code, err)
	}
}

// With signing on, a Job is not started for a county whose signing
// Secret does not exist yet: its pod would wait for the mount.
func TestJobWaitsForTheSigningSecret(t *testing.T) {
	a := county("alpha", "990801")
	j := &Job{Client: fake.NewClientBuilder().Build(), Options: JobOptions{Sign: true}}
	err := j.preflight(context.Background(), testRun(), a)
	if f, ok := AsFailure(err); !ok || f.Reason != v1alpha1.RunReasonNoCredentials || !f.Retryable {
		t.Fatalf("preflight without the signing Secret: %v", err)
	}
}
