package main

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/internal/testenv"
)

// The manager's /metrics, set up as runManager sets it up, against a real
// API server: the manager runs as a user with nothing but the generated
// ClusterRole (so that role must allow the TokenReviews and
// SubjectAccessReviews the endpoint sends). A request without a token is
// refused, as is one with the token of a ServiceAccount not bound to the
// metrics-reader ClusterRole of config/rbac; a bound ServiceAccount's token
// is served.
func TestMetricsNeedAnAuthorisedToken(t *testing.T) {
	g := NewWithT(t)
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	kubectl := func(args ...string) string {
		t.Helper()
		out, err := env.RunKubectl("", args...)
		g.Expect(err).NotTo(HaveOccurred(), out)
		return strings.TrimSpace(out)
	}
	const user = "countyreport-manager-metrics"
	kubectl("apply", "-f", filepath.Join(env.Root, "config", "rbac", "role.yaml"))
	kubectl("apply", "-f", filepath.Join(env.Root, "config", "rbac", "metrics_reader_role.yaml"))
	kubectl("create", "clusterrolebinding", "metrics-manager", "--clusterrole=countyreport-manager", "--user="+user)
	kubectl("create", "namespace", "monitoring")
	kubectl("-n", "monitoring", "create", "serviceaccount", "prometheus")
	kubectl("-n", "monitoring", "create", "serviceaccount", "nosy")
	kubectl("create", "clusterrolebinding", "scrape", "--clusterrole=countyreport-metrics-reader", "--serviceaccount=monitoring:prometheus")
	scraper := kubectl("-n", "monitoring", "create", "token", "prometheus")
	nosy := kubectl("-n", "monitoring", "create", "token", "nosy")

	managerUser, err := env.AddUser(envtest.User{Name: user}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	cfg := managerUser.Config()
	httpClient, err := rest.HTTPClientFor(cfg)
	g.Expect(err).NotTo(HaveOccurred())
	addr := freeAddress(t)
	o, err := parseManagerFlags([]string{"--metrics-bind-address=" + addr})
	g.Expect(err).NotTo(HaveOccurred())
	srv, err := metricsserver.NewServer(metricsOptions(o), cfg, httpClient)
	g.Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	defer func() { cancel(); <-done }()

	// The certificate is self-signed (no --metrics-cert-dir): the test does not check it.
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	get := func(token string) (int, string, error) {
		req, err := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
		if err != nil {
			return 0, "", err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	g.Eventually(func(g Gomega) {
		code, _, err := get("")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(code).To(Equal(http.StatusUnauthorized))
	}, 30*time.Second).Should(Succeed())

	// A made-up token: the API server's TokenReview answers with an error,
	// which controller-runtime's filter turns into 500; refused either way.
	code, body, err := get("not-a-token")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(code).To(BeElementOf(http.StatusUnauthorized, http.StatusInternalServerError), "a made-up token: %s", body)
	g.Expect(body).NotTo(ContainSubstring("# TYPE"))
	code, _, err = get(nosy)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(code).To(Equal(http.StatusForbidden), "a ServiceAccount without the metrics-reader role")
	code, body, err = get(scraper)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(code).To(Equal(http.StatusOK), body)
	g.Expect(body).To(ContainSubstring("# TYPE"))

	// Plain HTTP is not spoken on the port.
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/metrics")
	if err == nil {
		defer resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusBadRequest), "plain HTTP answered")
	}
}

func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
