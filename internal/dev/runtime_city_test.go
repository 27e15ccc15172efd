package dev

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"sync"
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

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/testenv"
)

// The runtime runs the city portal's Deployment (as the operator builds
// it, in city-<name>) with RunCity, never the county portal's Run, and
// marks it available.
func TestRuntimeRunsTheCityPortal(t *testing.T) {
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

	city := &v1alpha1.CityReport{
		ObjectMeta: metav1.ObjectMeta{Name: "rtcity"},
		Spec:       v1alpha1.CityReportSpec{City: v1alpha1.CityIdentity{Code: "000100", Name: "测试市"}},
	}
	ns := tenant.CityNamespace(city)
	g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	in := tenant.CityInputs{PortalImage: "countyreport:test", Members: []portal.CityMember{{Code: "000101", Name: "测试县"}}}
	data, err := tenant.CityConfigData(city, in)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.Create(ctx, tenant.CityConfigMap(city, data))).To(Succeed())
	g.Expect(c.Create(ctx, tenant.CityPortalSecret(city, map[string][]byte{"session-key": []byte("sk")}))).To(Succeed())
	g.Expect(c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tenant.MemberCredentialsSecretName(city)},
		Data: map[string][]byte{"000101.accessKey": []byte("AK")}})).To(Succeed())
	g.Expect(c.Create(ctx, tenant.CityDeployment(city, in, "h"))).To(Succeed())

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: scheme.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	g.Expect(err).NotTo(HaveOccurred())
	dir := t.TempDir()
	ports, err := OpenPortBook(filepath.Join(dir, "ports.json"), 28180, "--portal-port")
	g.Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	var got *portal.Options
	fake := func(ctx context.Context, o portal.Options) error {
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return err
		}
		defer ln.Close()
		mu.Lock()
		got = &o
		mu.Unlock()
		o.Ready(ln.Addr().String())
		<-ctx.Done()
		return nil
	}
	rt := &Runtime{Client: mgr.GetClient(), Admin: env.Config, Dir: filepath.Join(dir, "portals"), Ports: ports,
		Run: func(context.Context, portal.Options) error {
			return errors.New("the county portal was run for the city")
		},
		RunCity: fake,
	}
	g.Expect(rt.SetupWithManager(ctx, mgr)).To(Succeed())
	mctx, mcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { mcancel(); <-done; rt.Wait() }()

	key := types.NamespacedName{Namespace: ns, Name: tenant.CityPortalName(city)}
	g.Eventually(func(g Gomega) {
		g.Expect(rt.URL(key)).NotTo(BeEmpty())
		d := &appsv1.Deployment{}
		g.Expect(c.Get(ctx, key, d)).To(Succeed())
		g.Expect(d.Status.AvailableReplicas).To(Equal(int32(1)))
	}, 30*time.Second).Should(Succeed())
	mu.Lock()
	defer mu.Unlock()
	g.Expect(got).NotTo(BeNil())
	g.Expect(got.ConfigFile).To(Equal(filepath.Join(dir, "portals", ns, key.Name, "etc/countyreport/city-portal.yaml")))
	g.Expect(got.Kube).To(BeNil())
	conf, err := portal.LoadCityConfig(got.ConfigFile)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(conf.MembersDir).To(Equal(filepath.Join(dir, "portals", ns, key.Name, "etc/countyreport/members")))
}
