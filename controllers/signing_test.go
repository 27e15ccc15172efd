package controllers

import (
	"crypto/rand"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/signing/pdfsigtest"
	"github.com/countyreport/countyreport/internal/tenant"
)

// signingNow is the made-up day these tests issue certificates on.
var signingNow = time.Date(2026, 10, 15, 2, 0, 0, 0, time.UTC)

func testAuthority(t *testing.T) *signing.Authority {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-operator-"}}
	if err := k8s.Create(testCtx, ns); err != nil {
		t.Fatal(err)
	}
	a, err := signing.LoadAuthority(testCtx, k8s, signing.CASource{Namespace: ns.Name, Name: signing.DefaultCASecret}, signingNow)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func signingSecret(g Gomega, cr client.Object) (*corev1.Secret, *signing.KeyPair) {
	var sec corev1.Secret
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: cr.GetNamespace(), Name: signing.SecretName(cr.GetName())}, &sec)).To(Succeed())
	kp, err := signing.DecodeKeyPair(sec.Data)
	g.Expect(err).NotTo(HaveOccurred())
	return &sec, kp
}

// The installation CA is made once, on the first start, and read back
// after; an administrator's CA that is missing stops the start.
func TestInstallationCAMadeOnceOrSupplied(t *testing.T) {
	g := NewWithT(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-ca-"}}
	g.Expect(k8s.Create(testCtx, ns)).To(Succeed())
	src := signing.CASource{Namespace: ns.Name, Name: signing.DefaultCASecret}
	first, err := signing.LoadAuthority(testCtx, k8s, src, signingNow)
	g.Expect(err).NotTo(HaveOccurred())
	second, err := signing.LoadAuthority(testCtx, k8s, src, signingNow.Add(time.Hour))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second.CA.Cert.Equal(first.CA.Cert)).To(BeTrue(), "a second start made another CA")
	var sec corev1.Secret
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: ns.Name, Name: src.Name}, &sec)).To(Succeed())
	g.Expect(sec.Type).To(Equal(corev1.SecretTypeTLS))
	g.Expect(sec.Data).To(HaveKey("ca.crt"))

	_, err = signing.LoadAuthority(testCtx, k8s, signing.CASource{Namespace: ns.Name, Name: "admin-ca", Supplied: true}, signingNow)
	g.Expect(err).To(MatchError(ContainSubstring("admin-ca")))
	g.Expect(apierrors.IsNotFound(k8s.Get(testCtx, client.ObjectKey{Namespace: ns.Name, Name: "admin-ca"}, &corev1.Secret{}))).To(BeTrue(),
		"a supplied CA is never made by the operator")

	// cert-manager's layout: tls.crt an intermediate CA, ca.crt its root.
	root := rootCA(t)
	inter := intermediateCA(t, root)
	data, err := signing.EncodeKeyPair(inter)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(k8s.Create(testCtx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "cert-manager-ca"},
		Type: corev1.SecretTypeTLS, Data: data})).To(Succeed())
	a, err := signing.LoadAuthority(testCtx, k8s, signing.CASource{Namespace: ns.Name, Name: "cert-manager-ca", Supplied: true}, signingNow)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(a.Root().Equal(root.Cert)).To(BeTrue(), "readers trust ca.crt, the root")
	td, why, _, err := a.TenantData(nil, signing.Tenant{Code: "990700", Name: "测试县（虚构）", Kind: "county"}, signingNow)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(why).NotTo(BeEmpty())
	kp, err := signing.DecodeKeyPair(td)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(signing.NeedsRenewal(kp, signing.Tenant{Code: "990700"}, root.Roots(), signingNow)).To(BeEmpty(),
		"a tenant certificate chains through the intermediate to the root")
}

// rootCA is a made-up root allowing one intermediate, as a city's root CA
// behind a cert-manager ClusterIssuer would.
func rootCA(t *testing.T) *signing.KeyPair {
	t.Helper()
	kp, err := signing.NewCA("made-up root CA", signingNow.Add(-time.Hour), signingNow.Add(20*365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := *kp.Cert
	tmpl.MaxPathLen, tmpl.MaxPathLenZero = 1, false
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, kp.Key.Public(), kp.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &signing.KeyPair{Cert: cert, Key: kp.Key}
}

// intermediateCA is a CA issued by root, as a cert-manager CA Issuer's
// Certificate with isCA: true would be.
func intermediateCA(t *testing.T, root *signing.KeyPair) *signing.KeyPair {
	t.Helper()
	kp, err := signing.NewCA("made-up intermediate CA", signingNow.Add(-time.Hour), signingNow.Add(10*365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := *kp.Cert
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, root.Cert, kp.Key.Public(), root.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &signing.KeyPair{Cert: cert, Key: kp.Key, Chain: []*x509.Certificate{root.Cert}}
}

// A county's signing Secret: issued into its own namespace, owned by its
// CountyReport, left alone while good, renewed 30 days before it ends,
// and replaced when it holds another county's certificate.
func TestCountySigningSecretIssuedAndRenewed(t *testing.T) {
	g := NewWithT(t)
	a := testAuthority(t)
	cr := newCountyReport(t, "signing", "990701")
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	clk := clocktesting.NewFakeClock(signingNow)
	r := &CountyReportReconciler{TenantReconciler: TenantReconciler{Client: k8s, APIReader: k8s, Scheme: k8s.Scheme(), Clock: clk, Signing: a}}
	st := &reconcileState{cr: cr}
	g.Expect(r.reconcileSigning(testCtx, st)).To(Succeed())
	sec, kp := signingSecret(g, cr)
	g.Expect(sec.Type).To(Equal(corev1.SecretTypeTLS))
	g.Expect(metav1.IsControlledBy(sec, cr)).To(BeTrue())
	g.Expect(kp.Cert.Subject.SerialNumber).To(Equal("990701"))
	g.Expect(kp.Cert.Subject.CommonName).To(ContainSubstring(cr.Spec.County.Name))
	g.Expect(st.requeueAfter).To(Equal(signing.TenantValidity - signing.RenewBefore))

	// Steady: the same certificate, no write.
	rv := sec.ResourceVersion
	g.Expect(r.reconcileSigning(testCtx, &reconcileState{cr: cr})).To(Succeed())
	again, _ := signingSecret(g, cr)
	g.Expect(again.ResourceVersion).To(Equal(rv))

	// Near its end: renewed.
	clk.SetTime(signingNow.Add(signing.TenantValidity - signing.RenewBefore + time.Hour))
	g.Expect(r.reconcileSigning(testCtx, &reconcileState{cr: cr})).To(Succeed())
	_, renewed := signingSecret(g, cr)
	g.Expect(renewed.Cert.Equal(kp.Cert)).To(BeFalse())
	g.Expect(renewed.Cert.NotAfter.After(kp.Cert.NotAfter)).To(BeTrue())

	// Another county's key pair copied in: replaced with this county's.
	other, err := a.CA.Issue(signing.Tenant{Code: "990799", Name: "他县（虚构）"}, signingNow, signingNow.Add(signing.TenantValidity))
	g.Expect(err).NotTo(HaveOccurred())
	data, err := signing.EncodeKeyPair(other)
	g.Expect(err).NotTo(HaveOccurred())
	sec, _ = signingSecret(g, cr)
	sec.Data = data
	g.Expect(k8s.Update(testCtx, sec)).To(Succeed())
	g.Expect(r.reconcileSigning(testCtx, &reconcileState{cr: cr})).To(Succeed())
	_, fixed := signingSecret(g, cr)
	g.Expect(fixed.Cert.Subject.SerialNumber).To(Equal("990701"))
}

// Attack: a county's portal, with its own ServiceAccount's rights, cannot
// read its own county's signing key, let alone another's.
func TestPortalCannotReadSigningKeys(t *testing.T) {
	g := NewWithT(t)
	a := testAuthority(t)
	mine, theirs := newCountyReport(t, "sigportal", "990702"), newCountyReport(t, "sigother", "990703")
	kMine := createReady(g, mine)
	g.Expect(k8s.Create(testCtx, theirs)).To(Succeed())
	for _, cr := range []*v1alpha1.CountyReport{mine, theirs} {
		r := &CountyReportReconciler{TenantReconciler: TenantReconciler{Client: k8s, APIReader: k8s, Scheme: k8s.Scheme(), Clock: clocktesting.NewFakeClock(signingNow), Signing: a}}
		g.Expect(r.reconcileSigning(testCtx, &reconcileState{cr: cr})).To(Succeed())
	}
	pk := portalKey(kMine)
	user, err := env.AddUser(envtest.User{Name: "system:serviceaccount:" + pk.Namespace + ":" + pk.Name,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + pk.Namespace}}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	asPortal, err := client.New(user.Config(), client.Options{Scheme: k8s.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	// The portal's identity works (it may read its own CountyReport) ...
	g.Expect(asPortal.Get(testCtx, kMine, getCR(g, kMine))).To(Succeed())
	// ... and reaches no signing key.
	for _, key := range []client.ObjectKey{
		{Namespace: mine.Namespace, Name: signing.SecretName(mine.Name)},
		{Namespace: theirs.Namespace, Name: signing.SecretName(theirs.Name)},
	} {
		err := asPortal.Get(testCtx, key, &corev1.Secret{})
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the portal read %s: %v", key, err)
	}
	err = asPortal.List(testCtx, &corev1.SecretList{}, client.InNamespace(mine.Namespace))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the portal listed Secrets: %v", err)
}

// The city's report is signed with the city's own key, from its own
// namespace; publishing it again keeps the signed file; a county's key
// pair found in the city's Secret signs nothing.
func TestCityReportIsSignedWithTheCitysKey(t *testing.T) {
	g := NewWithT(t)
	city, _ := rankedCity(t, g, "city-signed", "997830")
	// pdfsig checks the certificate at the real time: a CA and a city
	// certificate spanning every year this test may run in, kept by the
	// operator as long as they are good.
	a, cityKeys := longLivedAuthority(t, signing.Tenant{Code: "997830", Name: city.Spec.City.Name, Kind: "city"})
	r := cityReconciler(fakeClock)
	r.Signing, r.Keys = a, &signing.Keys{Reader: k8s, Now: func() time.Time { return signingNow }}
	g.Expect(r.reconcileCitySigning(testCtx, &cityState{city: getCity(g, city.Name)})).To(Succeed())
	cityObj := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: tenant.CityNamespace(city), Name: city.Name}}
	sec, issued := signingSecret(g, cityObj)
	g.Expect(issued.Cert.Subject.SerialNumber).To(Equal("997830"))
	g.Expect(metav1.IsControlledBy(sec, getCity(g, city.Name))).To(BeTrue())
	sec.Data = cityKeys
	g.Expect(k8s.Update(testCtx, sec)).To(Succeed())
	g.Expect(r.reconcileCitySigning(testCtx, &cityState{city: getCity(g, city.Name)})).To(Succeed())
	sec, kp := signingSecret(g, cityObj)
	g.Expect(kp.Cert.Subject.SerialNumber).To(Equal("997830"))
	g.Expect(sec.Data).To(Equal(cityKeys), "a good certificate was replaced")

	rep, err := r.RenderCity(testCtx, getCity(g, city.Name), "2026-09")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rep.Manifest.Signature).NotTo(BeNil())
	pdf, _, err := admin.Archive(city.Status.Bucket).Get(testCtx, "2026-09", "report.pdf")
	g.Expect(err).NotTo(HaveOccurred())
	v, err := signing.Verify(pdf, a.Roots())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(v.Code).To(Equal("997830"))
	g.Expect(v.UnsignedSHA256).To(Equal(rep.Manifest.Signature.UnsignedSHA256))
	f := filepath.Join(t.TempDir(), "city.pdf")
	g.Expect(os.WriteFile(f, pdf, 0o644)).To(Succeed())
	pdfsigtest.RequireValid(t, pdfsigtest.NSSDB(t, a.Root()), f)

	again, err := r.RenderCity(testCtx, getCity(g, city.Name), "2026-09")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(Artifacts(again)).To(Equal(Artifacts(rep)), "publishing the same report again changed it")

	// A member county's key pair copied into the city's Secret.
	county, err := a.CA.Issue(signing.Tenant{Code: "997831", Name: "成员县（虚构）"}, signingNow, signingNow.Add(signing.TenantValidity))
	g.Expect(err).NotTo(HaveOccurred())
	sec.Data, err = signing.EncodeKeyPair(county)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(k8s.Update(testCtx, sec)).To(Succeed())
	_, err = r.RenderCity(testCtx, getCity(g, city.Name), "2026-09")
	g.Expect(err).To(MatchError(ContainSubstring("997831")))
}

// longLivedAuthority is a made-up CA valid from 2020 to 2099, supplied as
// an administrator would, and the key pair it issued to holder for as long.
func longLivedAuthority(t *testing.T, holder signing.Tenant) (*signing.Authority, map[string][]byte) {
	t.Helper()
	from, to := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := signing.NewCA("made-up long-lived CA", from, to)
	if err != nil {
		t.Fatal(err)
	}
	caData, err := signing.EncodeKeyPair(ca)
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-operator-"}}
	if err := k8s.Create(testCtx, ns); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(testCtx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "supplied-ca"}, Type: corev1.SecretTypeTLS, Data: caData}); err != nil {
		t.Fatal(err)
	}
	a, err := signing.LoadAuthority(testCtx, k8s, signing.CASource{Namespace: ns.Name, Name: "supplied-ca", Supplied: true}, signingNow)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(holder, from, to)
	if err != nil {
		t.Fatal(err)
	}
	data, err := signing.EncodeKeyPair(kp)
	if err != nil {
		t.Fatal(err)
	}
	return a, data
}
