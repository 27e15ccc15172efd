package controllers

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/metrics"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	rbacv1 "k8s.io/api/rbac/v1"
)

// newCity is a CityReport with its namespace city-<name> made and given
// the city's code.
func newCity(t *testing.T, name, code string, members ...v1alpha1.CityMember) *v1alpha1.CityReport {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "city-" + name, Labels: map[string]string{v1alpha1.LabelCity: code}}}
	if err := k8s.Create(testCtx, ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return &v1alpha1.CityReport{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.CityReportSpec{
			City:    v1alpha1.CityIdentity{Code: code, Name: "测试市"},
			Members: members,
		},
	}
}

func getCity(g Gomega, name string) *v1alpha1.CityReport {
	c := &v1alpha1.CityReport{}
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Name: name}, c)).To(Succeed())
	return c
}

func cityCondition(c *v1alpha1.CityReport, typ string) metav1.Condition {
	if cond := meta.FindStatusCondition(c.Status.Conditions, typ); cond != nil {
		return *cond
	}
	return metav1.Condition{}
}

// claimedCodes records which test made a county of each code: the suite
// shares one API server and one MinIO, and a second county of a code finds
// the first one's bucket taken and never becomes ready, which shows up as a
// timeout far from its cause.
var claimedCodes sync.Map

// countyInCity creates a county naming city (none when "") and waits for its bucket.
func countyInCity(t *testing.T, g *WithT, name, code, city string) *v1alpha1.CountyReport {
	t.Helper()
	if other, taken := claimedCodes.LoadOrStore(code, t.Name()); taken {
		t.Fatalf("county code %s is already used by %s: give this test codes of its own", code, other)
	}
	cr := newCountyReport(t, name, code)
	if city != "" {
		cr.Spec.CityRef = &v1alpha1.CityReference{Name: city}
	}
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCR(g, client.ObjectKeyFromObject(cr))
		g.Expect(condition(got, v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
		*cr = *got
	}, wait).Should(Succeed())
	return cr
}

func memberSecret(g Gomega, city *v1alpha1.CityReport) *corev1.Secret {
	s := &corev1.Secret{}
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: "city-" + city.Name, Name: city.Name + "-members"}, s)).To(Succeed())
	return s
}

// memberClient opens storage with the city's credentials for one member.
func memberClient(t *testing.T, s *corev1.Secret, code string) *storage.Client {
	t.Helper()
	k := func(f string) string { return string(s.Data[tenant.MemberKey(code, f)]) }
	if k(tenant.SecretAccessKey) == "" {
		t.Fatalf("no credentials for %s in Secret %s (members %q)", code, s.Name, s.Data[tenant.SecretMembers])
	}
	c, err := storage.New(storage.Config{
		Endpoint: string(s.Data[tenant.SecretEndpoint]), Insecure: true,
		AccessKey: k(tenant.SecretAccessKey), SecretKey: k(tenant.SecretSecretKey), SessionToken: k(tenant.SecretSessionToken),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func deniedErr(err error) bool { return errors.Is(err, storage.ErrAccessDenied) }

// Membership needs both manifests. Of five counties only the two that the
// city lists and that name the city get credentials; each set reaches its
// own county's published objects and nothing of any other county.
func TestCityMembershipNeedsBothSides(t *testing.T) {
	g := NewWithT(t)
	a := countyInCity(t, g, "member-a", "997501", "city-both")          // listed by code, names the city
	b := countyInCity(t, g, "member-b", "997502", "city-both")          // listed by namespace/name, names the city
	c := countyInCity(t, g, "listed-only", "997503", "some-other-city") // listed, names another city
	d := countyInCity(t, g, "names-only", "997504", "city-both")        // names the city, not listed
	e := countyInCity(t, g, "neither", "997505", "")                    // neither
	for _, cr := range []*v1alpha1.CountyReport{a, b, c, d, e} {
		ar := admin.Archive(cr.Status.Bucket)
		g.Expect(ar.PutDataset(testCtx, "2026-09", []byte(`{"county":"`+cr.Spec.County.Code+`"}`))).Error().NotTo(HaveOccurred())
		g.Expect(ar.PutUpload(testCtx, "2026-09", "draft.xlsx", []byte("draft"), time.Now())).Error().NotTo(HaveOccurred())
	}
	city := newCity(t, "city-both", "997500",
		v1alpha1.CityMember{Code: "997501"},
		v1alpha1.CityMember{Namespace: b.Namespace, Name: b.Name},
		v1alpha1.CityMember{Code: "997503"},
		v1alpha1.CityMember{Code: "997599"}) // no such county
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())

	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(cityCondition(got, v1alpha1.ConditionReady)).To(HaveField("Status", metav1.ConditionTrue), "%+v", cityCondition(got, v1alpha1.ConditionStorageReady))
		g.Expect(got.Status.MemberSummary).To(Equal("2/4"))
		var codes []string
		for _, m := range got.Status.Members {
			codes = append(codes, m.Code)
		}
		g.Expect(codes).To(Equal([]string{"997501", "997502"}))
		reasons := map[string]string{}
		for _, m := range got.Status.MissingMembers {
			reasons[m.Member] = m.Reason
		}
		g.Expect(reasons).To(Equal(map[string]string{"997503": v1alpha1.MemberNotNamingCity, "997599": v1alpha1.MemberNotFound}))
		g.Expect(cityCondition(got, v1alpha1.ConditionMembersResolved).Status).To(Equal(metav1.ConditionFalse))
		g.Expect(memberSecret(g, city).Data[tenant.SecretMembers]).To(Equal([]byte("997501,997502")))
	}, wait).Should(Succeed())

	s := memberSecret(g, city)
	for k := range s.Data {
		for _, outsider := range []string{"997503", "997504", "997505"} {
			g.Expect(k).NotTo(HavePrefix(outsider+"."), "credentials for a county that is not a member on both sides")
		}
	}
	ca, cb := memberClient(t, s, "997501"), memberClient(t, s, "997502")
	// Each set reads its own member's dataset...
	got, err := ca.Archive(a.Status.Bucket).GetDataset(testCtx, "2026-09")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(got)).To(ContainSubstring("997501"))
	// ...and nothing else: not the member's uploads, not the other member,
	// not a county on one side only or on none.
	err = ca.Archive(a.Status.Bucket).Check(testCtx)
	g.Expect(deniedErr(err)).To(BeTrue(), "list the member's whole bucket: %v", err)
	for _, cr := range []*v1alpha1.CountyReport{b, c, d, e} {
		_, err := ca.Archive(cr.Status.Bucket).GetDataset(testCtx, "2026-09")
		g.Expect(deniedErr(err)).To(BeTrue(), "A's credentials on %s: %v", cr.Name, err)
		_, err = ca.Archive(cr.Status.Bucket).List(testCtx)
		g.Expect(deniedErr(err)).To(BeTrue(), "A's credentials listing %s: %v", cr.Name, err)
	}
	_, err = cb.Archive(a.Status.Bucket).GetDataset(testCtx, "2026-09")
	g.Expect(deniedErr(err)).To(BeTrue(), "B's credentials on A: %v", err)

	// The board: A and B submitted September; after the review deadline
	// (the 5th, Asia/Shanghai) nobody is overdue. Then a member that sends
	// nothing shows as overdue in status and in the metric.
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.Board).NotTo(BeNil())
		g.Expect(got.Status.Board.Period).To(Equal("2026-09"))
		g.Expect(got.Status.Board.States).To(Equal(map[string]int32{"submitted": 2}))
	}, wait).Should(Succeed())
	g.Expect(gauge(t, metrics.CitySubmissions.WithLabelValues("997500", "submitted"))).To(Equal(2.0))

	// Removing A from the city revokes: its credentials leave the Secret.
	g.Eventually(func() error {
		cur := getCity(g, city.Name)
		cur.Spec.Members = cur.Spec.Members[1:]
		return k8s.Update(testCtx, cur)
	}, wait).Should(Succeed())
	// B leaving the city on its own side revokes too.
	g.Eventually(func() error {
		cur := getCR(g, client.ObjectKeyFromObject(b))
		cur.Spec.CityRef = &v1alpha1.CityReference{Name: "some-other-city"}
		return k8s.Update(testCtx, cur)
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.Members).To(BeEmpty())
		s := memberSecret(g, city)
		g.Expect(s.Data[tenant.SecretMembers]).To(BeEmpty())
		for k := range s.Data {
			g.Expect(k).NotTo(ContainSubstring("."), "member credentials left in the Secret: %s", k)
		}
		g.Expect(got.Status.Board.States).To(BeEmpty())
	}, wait).Should(Succeed())
	g.Expect(gauge(t, metrics.CitySubmissions.WithLabelValues("997500", "submitted"))).To(Equal(0.0))
}

func TestCityOverdueMemberIsFlagged(t *testing.T) {
	g := NewWithT(t)
	late := countyInCity(t, g, "late", "997511", "city-overdue")
	city := newCity(t, "city-overdue", "997510", v1alpha1.CityMember{Code: late.Spec.County.Code})
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.Board).NotTo(BeNil())
		g.Expect(got.Status.Board.Overdue).To(Equal([]string{"997511"}))
		g.Expect(got.Status.Members).To(HaveLen(1))
		g.Expect(got.Status.Members[0].Submission).To(Equal("overdue"))
	}, wait).Should(Succeed())
	g.Expect(gauge(t, metrics.CitySubmissions.WithLabelValues("997510", "overdue"))).To(Equal(1.0))
}

// A city's objects live only in city-<name>, never beside a county.
func TestCityNamespaceMustExistAndHoldNoCounty(t *testing.T) {
	g := NewWithT(t)
	homeless := &v1alpha1.CityReport{ObjectMeta: metav1.ObjectMeta{Name: "no-namespace"},
		Spec: v1alpha1.CityReportSpec{City: v1alpha1.CityIdentity{Code: "997520", Name: "测试市"}}}
	g.Expect(k8s.Create(testCtx, homeless)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(cityCondition(getCity(g, homeless.Name), v1alpha1.ConditionReady).Reason).To(Equal(v1alpha1.ReasonNamespaceMissing))
	}, wait).Should(Succeed())

	squatter := newCity(t, "shared-ns", "997521")
	county := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: "squat", Namespace: "city-shared-ns"},
		Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: "997522", Name: "测试县"}}}
	g.Expect(k8s.Create(testCtx, county)).To(Succeed())
	g.Expect(k8s.Create(testCtx, squatter)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(cityCondition(getCity(g, squatter.Name), v1alpha1.ConditionReady).Reason).To(Equal(v1alpha1.ReasonNamespaceInUse))
	}, wait).Should(Succeed())
	var secrets corev1.SecretList
	g.Expect(k8s.List(testCtx, &secrets, client.InNamespace("city-shared-ns"), client.MatchingLabels{v1alpha1.LabelCity: "997521"})).To(Succeed())
	g.Expect(secrets.Items).To(BeEmpty())
}

// A city cannot take a county's bucket (or any bucket it did not get made).
func TestCityBucketCannotBeACountys(t *testing.T) {
	g := NewWithT(t)
	victim := countyInCity(t, g, "victim", "997531", "")
	thief := newCity(t, "thief", "997530")
	thief.Spec.Storage.Bucket = victim.Status.Bucket
	g.Expect(k8s.Create(testCtx, thief)).To(Succeed())
	g.Eventually(func(g Gomega) {
		c := cityCondition(getCity(g, thief.Name), v1alpha1.ConditionStorageReady)
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonBucketNotOwned))
		g.Expect(c.Message).To(ContainSubstring(victim.Name))
	}, wait).Should(Succeed())

	g.Expect(admin.EnsureBucket(testCtx, "untagged-for-city", nil)).To(Succeed())
	stranger := newCity(t, "stranger", "997532")
	stranger.Spec.Storage.Bucket = "untagged-for-city"
	g.Expect(k8s.Create(testCtx, stranger)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(cityCondition(getCity(g, stranger.Name), v1alpha1.ConditionStorageReady).Reason).To(Equal(v1alpha1.ReasonBucketNotOwned))
	}, wait).Should(Succeed())
	for _, name := range []string{"thief", "stranger"} {
		err := k8s.Get(testCtx, client.ObjectKey{Namespace: "city-" + name, Name: name + "-storage"}, &corev1.Secret{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "credentials Secret for %s: %v", name, err)
	}
}

// A city's own bucket and credentials, as a county's.
func TestCityOwnBucketAndCredentials(t *testing.T) {
	g := NewWithT(t)
	city := newCity(t, "own", "997540")
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(cityCondition(got, v1alpha1.ConditionStorageReady)).To(HaveField("Status", metav1.ConditionTrue), "%+v", cityCondition(got, v1alpha1.ConditionStorageReady))
		g.Expect(got.Status.Bucket).To(Equal("countyreport-city-997540"))
	}, wait).Should(Succeed())
	s := &corev1.Secret{}
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: "city-own", Name: "own-storage"}, s)).To(Succeed())
	c := scopedClient(t, s)
	buckets, err := c.ListBuckets(testCtx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(buckets).To(Equal([]string{"countyreport-city-997540"}))
	g.Expect(s.OwnerReferences).To(HaveLen(1))
	g.Expect(s.OwnerReferences[0].Kind).To(Equal("CityReport"))
}

func TestBadCityManifestsAreRefusedNamingTheField(t *testing.T) {
	base := "apiVersion: reporting.countyreport.io/v1alpha1\nkind: CityReport\nmetadata: {name: %s}\nspec:\n  city: {code: \"430400\", name: 衡阳市}\n"
	tests := map[string]struct{ name, extra, field string }{
		"code and name together":          {"bad", "  members: [{code: \"430421\", namespace: a, name: b}]\n", "spec.members[]"},
		"namespace without name":          {"bad", "  members: [{namespace: a}]\n", "spec.members[]"},
		"county listed twice":             {"bad", "  members: [{code: \"430421\"}, {code: \"430421\"}]\n", "spec.members"},
		"deadline on the 31st":            {"bad", "  review: {deadlineDay: 31}\n", "spec.review.deadlineDay"},
		"unknown method":                  {"bad", "  ranking: {method: average}\n", "spec.ranking.method"},
		"weight 0":                        {"bad", "  ranking: {indicators: [{id: gdp, weight: 0}]}\n", "spec.ranking.indicators[0].weight"},
		"term twice":                      {"bad", "  ranking: {indicators: [{id: gdp}, {id: gdp}]}\n", "spec.ranking.indicators"},
		"bad indicator id":                {"bad", "  ranking: {indicators: [{id: GDP}]}\n", "spec.ranking.indicators[0].id"},
		"name too long for its namespace": {strings.Repeat("a", 59), "", "metadata.name"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := env.RunKubectl(strings.Replace(base, "%s", tc.name, 1)+tc.extra, "apply", "-f", "-")
			if err == nil {
				t.Fatalf("manifest accepted, want refusal naming %s:\n%s", tc.field, out)
			}
			if !strings.Contains(out, tc.field) {
				t.Fatalf("refusal does not name %s:\n%s", tc.field, out)
			}
		})
	}
}

// The built-in edit and view roles never aggregate anything about cities:
// no ClusterRole labelled for aggregation grants CityReports.
func TestCityRoleIsNeverAggregated(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(env.Root, "config", "rbac", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no RBAC files: %v", err)
	}
	cityRole := false
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(raw), "\n---") {
			var role rbacv1.ClusterRole
			if err := yaml.Unmarshal([]byte(doc), &role); err != nil || role.Kind != "ClusterRole" {
				continue
			}
			aggregated := false
			for l := range role.Labels {
				aggregated = aggregated || strings.HasPrefix(l, "rbac.authorization.k8s.io/aggregate-to-")
			}
			for _, rule := range role.Rules {
				grants := slices.Contains(rule.Resources, "cityreports") || slices.Contains(rule.Resources, "*")
				if grants && aggregated {
					t.Errorf("%s: aggregated ClusterRole %s grants CityReports", f, role.Name)
				}
				if grants && role.Name == "countyreport-city-admin" {
					cityRole = true
				}
			}
		}
	}
	if !cityRole {
		t.Fatal("no countyreport-city-admin ClusterRole granting CityReports")
	}
}

// gauge reads one gauge's value.
func gauge(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

// cityReconciler is a reconciler of the suite's kind with its own clock,
// called directly (the suite's manager keeps its own).
func cityReconciler(c clock.PassiveClock) *CityReportReconciler {
	return &CityReportReconciler{
		TenantReconciler: TenantReconciler{Client: mgrClient, APIReader: k8s, Scheme: k8s.Scheme(), Clock: c, PortalImage: "countyreport:test",
			StorageSettings: StorageSettings{StorageEndpoint: minio.Endpoint(), StorageInsecure: true, CredentialsTTL: credentialsTTL}},
		Storage: admin,
	}
}

// Member credentials are renewed with the same rule as a county's: after
// two thirds of their lifetime, every member's set and the city's own.
func TestCityCredentialsRotate(t *testing.T) {
	g := NewWithT(t)
	county := countyInCity(t, g, "rotating", "997551", "city-rotate")
	city := newCity(t, "city-rotate", "997550", v1alpha1.CityMember{Code: county.Spec.County.Code})
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	key := tenant.MemberKey("997551", tenant.SecretAccessKey)
	var old []byte
	g.Eventually(func(g Gomega) {
		old = memberSecret(g, city).Data[key]
		g.Expect(old).NotTo(BeEmpty())
	}, wait).Should(Succeed())

	late := cityReconciler(shiftedClock{d: credentialsTTL})
	g.Eventually(func() error {
		_, err := late.Reconcile(testCtx, reconcile.Request{NamespacedName: client.ObjectKey{Name: city.Name}})
		return err
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		s := memberSecret(g, city)
		g.Expect(s.Data[key]).NotTo(Equal(old), "member credentials not renewed")
		// The new set still reaches its county.
		_, err := memberClient(t, s, "997551").Archive(county.Status.Bucket).List(testCtx)
		g.Expect(err).NotTo(HaveOccurred())
	}, wait).Should(Succeed())
}

// A city in a steady state writes nothing: no Secret, no status.
func TestCitySteadyStateMakesNoWrites(t *testing.T) {
	g := NewWithT(t)
	county := countyInCity(t, g, "steady-county", "997561", "city-steady")
	city := newCity(t, "city-steady", "997560", v1alpha1.CityMember{Code: county.Spec.County.Code})
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(cityCondition(got, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(got.Status.Board).NotTo(BeNil())
	}, wait).Should(Succeed())
	r := cityReconciler(fakeClock)
	req := reconcile.Request{NamespacedName: client.ObjectKey{Name: city.Name}}
	// Once to settle (the manager's own reconcile may be a moment behind).
	g.Eventually(func() error { _, err := r.Reconcile(testCtx, req); return err }, wait).Should(Succeed())
	waitQuietManager(g)
	before := writes.Load()
	for range 3 {
		_, err := r.Reconcile(testCtx, req)
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(writes.Load()-before).To(BeZero(), "the city's reconcile wrote in a steady state")
}

// sampleDataset is a sample dataset in its stored (normalized) form.
func sampleDataset(t *testing.T, slug string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(env.Root, "config", "samples", "datasets", slug+"-2023-01.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse(raw, slug)
	if err != nil {
		t.Fatal(err)
	}
	norm, err := d.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	return norm
}

// The month's ranking is stored in the city's bucket with its input, and
// recomputed when a member's dataset changes.
func TestCityRankingIsStoredWithItsInput(t *testing.T) {
	g := NewWithT(t)
	a := countyInCity(t, g, "rank-a", "997571", "city-rank")
	b := countyInCity(t, g, "rank-b", "997572", "city-rank")
	put := func(cr *v1alpha1.CountyReport, slug string) {
		_, err := admin.Archive(cr.Status.Bucket).PutDataset(testCtx, "2026-09", sampleDataset(t, slug))
		g.Expect(err).NotTo(HaveOccurred())
	}
	put(a, "hengnan") // GDP growth 5.4
	put(b, "qidong")  // 5.6
	city := newCity(t, "city-rank", "997570", v1alpha1.CityMember{Code: "997571"}, v1alpha1.CityMember{Code: "997572"})
	city.Spec.Ranking = v1alpha1.RankingSpec{Method: v1alpha1.RankEfficacy,
		Indicators: []v1alpha1.RankedIndicator{{ID: "gdp", Measure: v1alpha1.MeasureChange, Weight: 1, Direction: v1alpha1.HigherIsBetter}}}
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	var first v1alpha1.RankingReference
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.Ranking).NotTo(BeNil())
		g.Expect(got.Status.Ranking.Period).To(Equal("2026-09"))
		g.Expect(got.Status.Ranking.Leader).To(Equal("997572"))
		first = *got.Status.Ranking
	}, wait).Should(Succeed())

	// The city's report (the PDF) is not rendered on a change: its
	// ReportRuns render it (cityreport_run_test.go).
	g.Expect(getCity(g, city.Name).Status.LastReport).To(BeNil())
	_, err := admin.Archive("countyreport-city-997570").Report(testCtx, "2026-09")
	g.Expect(errors.Is(err, storage.ErrNotFound)).To(BeTrue(), "a report was rendered without a run: %v", err)

	stored, err := admin.Archive("countyreport-city-997570").GetRanking(testCtx, "2026-09")
	g.Expect(err).NotTo(HaveOccurred())
	var res ranking.Result
	g.Expect(json.Unmarshal(stored, &res)).To(Succeed())
	g.Expect(res.Input.Members).To(HaveLen(2))
	g.Expect(res.Input.Members[1].Figures["gdp"].Change).To(Equal("5.6"))
	again, err := ranking.Compute(res.Input)
	g.Expect(err).NotTo(HaveOccurred())
	b2, _ := json.MarshalIndent(again, "", "  ")
	g.Expect(string(b2)).To(Equal(string(stored)), "the stored input does not reproduce the stored ranking")

	// A resubmits with 5.8: the next look recomputes, and A leads.
	put(a, "hengshan")
	g.Eventually(func() error { // wake the city now instead of in five minutes
		cur := getCity(g, city.Name)
		if cur.Annotations == nil {
			cur.Annotations = map[string]string{}
		}
		cur.Annotations["test/poke"] = "1"
		return k8s.Update(testCtx, cur)
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name).Status.Ranking
		g.Expect(got.Leader).To(Equal("997571"))
		g.Expect(got.InputsDigest).NotTo(Equal(first.InputsDigest))
		g.Expect(got.SHA256).NotTo(Equal(first.SHA256))
	}, wait).Should(Succeed())
}

// deletionPolicy Delete removes the city's own bucket, and never a bucket
// that was not created for it (a county's, claimed by a thief city).
func TestCityDeletionPolicy(t *testing.T) {
	g := NewWithT(t)
	gone := newCity(t, "city-delete", "997580")
	gone.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete
	kept := newCity(t, "city-retain", "997581")
	victim := countyInCity(t, g, "victim-del", "997583", "")
	g.Expect(admin.Archive(victim.Status.Bucket).PutDataset(testCtx, "2026-09", []byte(`{"victim":true}`))).Error().NotTo(HaveOccurred())
	thief := newCity(t, "city-thief-del", "997582")
	thief.Spec.Storage.Bucket = victim.Status.Bucket
	thief.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete
	for _, c := range []*v1alpha1.CityReport{gone, kept, thief} {
		g.Expect(k8s.Create(testCtx, c)).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		for _, c := range []*v1alpha1.CityReport{gone, kept, thief} {
			got := getCity(g, c.Name)
			g.Expect(got.Finalizers).To(ContainElement(StorageFinalizer))
			g.Expect(cityCondition(got, v1alpha1.ConditionStorageReady).Reason).NotTo(BeEmpty())
		}
		g.Expect(cityCondition(getCity(g, gone.Name), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(cityCondition(getCity(g, kept.Name), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(cityCondition(getCity(g, thief.Name), v1alpha1.ConditionStorageReady).Reason).To(Equal(v1alpha1.ReasonBucketNotOwned))
	}, wait).Should(Succeed())
	for _, c := range []*v1alpha1.CityReport{gone, kept, thief} {
		g.Expect(k8s.Delete(testCtx, c)).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		for _, c := range []*v1alpha1.CityReport{gone, kept, thief} {
			err := k8s.Get(testCtx, client.ObjectKey{Name: c.Name}, &v1alpha1.CityReport{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%s still there: %v", c.Name, err)
		}
	}, wait).Should(Succeed())
	buckets, err := admin.ListBuckets(testCtx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(buckets).NotTo(ContainElement("countyreport-city-997580"), "Delete left the city's bucket")
	g.Expect(buckets).To(ContainElement("countyreport-city-997581"), "Retain removed the city's bucket")
	got, err := admin.Archive(victim.Status.Bucket).GetDataset(testCtx, "2026-09")
	g.Expect(err).NotTo(HaveOccurred(), "the county's bucket was touched by a city's deletion")
	g.Expect(string(got)).To(Equal(`{"victim":true}`))
}

// A second CountyReport that claims a member's code (a refused duplicate)
// gets nothing from naming the city, even when the city lists it by name.
func TestDuplicateCountyIsNoMember(t *testing.T) {
	g := NewWithT(t)
	// Both may be created within one second; a tie goes to the namespace
	// that sorts first (firstClaim), so the real county's sorts first.
	real := countyInCity(t, g, "a-real", "997591", "city-dup")
	impostor := newCountyReport(t, "z-impostor", "997591")
	impostor.Spec.CityRef = &v1alpha1.CityReference{Name: "city-dup"}
	g.Expect(k8s.Create(testCtx, impostor)).To(Succeed())
	city := newCity(t, "city-dup", "997590",
		v1alpha1.CityMember{Code: "997591"},
		v1alpha1.CityMember{Namespace: impostor.Namespace, Name: impostor.Name})
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.MemberSummary).To(Equal("1/2"), "%+v", got.Status)
		g.Expect(got.Status.Members).To(HaveLen(1))
		g.Expect(got.Status.Members[0].Namespace).To(Equal(real.Namespace))
		g.Expect(got.Status.MissingMembers).To(HaveLen(1))
		g.Expect(got.Status.MissingMembers[0].Member).To(Equal(impostor.Namespace + "/z-impostor"))
		s := memberSecret(g, city)
		g.Expect(string(s.Data[tenant.SecretMembers])).To(Equal("997591"))
		g.Expect(string(s.Data[tenant.MemberKey("997591", tenant.SecretBucket)])).To(Equal(real.Status.Bucket))
	}, wait).Should(Succeed())
}
