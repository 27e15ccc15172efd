//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// storySamples: kubectl apply -k of the samples (test/e2e/samples: the
// samples without the local platform's mail server): seven counties and
// the city Ready; each portal's pod Running and Ready through its probes;
// each answering through its Service's ClusterIP (from a pod, through
// kube-proxy) and through kubectl port-forward.
func (s *suite) storySamples(t *testing.T) {
	s.kc(t, "apply", "-k", filepath.Join(s.root, "test", "e2e", "samples"))
	all := append(append([]tenant{}, counties...), city)
	nss := make([]string, 0, len(all))
	for _, tn := range all {
		nss = append(nss, tn.ns)
	}
	s.eventually(t, "seven counties and the city Ready", 10*time.Minute, func() (bool, string) {
		return s.tenantsReady()
	}, append(nss, releaseNS)...)
	for _, tn := range all {
		s.waitPortalReady(t, tn, 5*time.Minute, nil)
	}
	s.ensureProbePod(t)
	for _, tn := range all {
		s.servesThroughService(t, tn)
		base := s.portForward(t, tn)
		s.eventually(t, tn.name+"'s portal through port-forward", 2*time.Minute, func() (bool, string) {
			code, err := httpGet(base + "/signin")
			if err != nil {
				return false, err.Error()
			}
			return code == http.StatusOK, fmt.Sprintf("status %d", code)
		}, tn.ns)
	}
}

// tenantsReady reports whether every county and the city say Ready.
func (s *suite) tenantsReady() (bool, string) {
	var crs v1alpha1.CountyReportList
	if err := s.c.List(s.ctx, &crs); err != nil {
		return false, err.Error()
	}
	var notReady []string
	ready := 0
	for _, cr := range crs.Items {
		c := meta.FindStatusCondition(cr.Status.Conditions, v1alpha1.ConditionReady)
		if c != nil && c.Status == "True" && c.ObservedGeneration == cr.Generation {
			ready++
			continue
		}
		notReady = append(notReady, fmt.Sprintf("%s: %+v", cr.Name, c))
	}
	var cities v1alpha1.CityReportList
	if err := s.c.List(s.ctx, &cities); err != nil {
		return false, err.Error()
	}
	cityReady := false
	for _, c := range cities.Items {
		cond := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionReady)
		if cond != nil && cond.Status == "True" {
			cityReady = true
		} else {
			notReady = append(notReady, fmt.Sprintf("city %s: %+v", c.Name, cond))
		}
	}
	return ready == len(counties) && len(crs.Items) == len(counties) && cityReady,
		fmt.Sprintf("%d of %d counties Ready; %s", ready, len(counties), strings.Join(notReady, "; "))
}

// servesThroughService fetches the portal's sign-in page from the probe
// pod through the Service's ClusterIP (kube-proxy's rules).
func (s *suite) servesThroughService(t *testing.T, tn tenant) {
	t.Helper()
	var svc struct{ ip string }
	s.eventually(t, tn.name+"'s Service answers from a pod", 3*time.Minute, func() (bool, string) {
		ip, err := s.clusterIP(tn)
		if err != nil {
			return false, err.Error()
		}
		svc.ip = ip
		status, out := s.probeGet(probeNS, "probe", "http://"+ip+"/signin")
		return status == "200", out
	}, tn.ns)
}

// clusterIP is the ClusterIP of the tenant's portal Service.
func (s *suite) clusterIP(tn tenant) (string, error) {
	svc, err := s.cs.CoreV1().Services(tn.ns).Get(s.ctx, tn.service(), metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == "None" {
		return "", fmt.Errorf("service %s/%s has no ClusterIP", tn.ns, tn.service())
	}
	return svc.Spec.ClusterIP, nil
}

// countyReport reads a county's CountyReport.
func (s *suite) countyReport(t *testing.T, tn tenant) *v1alpha1.CountyReport {
	t.Helper()
	var cr v1alpha1.CountyReport
	must(t, s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.slug}, &cr))
	return &cr
}

// storyBrowser: a county's staff sign in through the port-forward in
// Chromium and see their dashboard.
func (s *suite) storyBrowser(t *testing.T) {
	tn := counties[2] // 衡山县
	base := s.portForward(t, tn)
	b := newBrowser(t)
	b.signIn(base, "admin", s.password(t, tn))
	if loc := b.location(); !strings.HasSuffix(loc, "/") {
		t.Fatalf("after sign-in the browser is at %s, want the dashboard /", loc)
	}
	text := b.text()
	for _, want := range []string{tn.name, "概览"} {
		if !strings.Contains(text, want) && !strings.Contains(b.html(), want) {
			b.screenshot("dashboard")
			t.Fatalf("the dashboard does not say %q:\n%s", want, text)
		}
	}
	t.Logf("dashboard screenshot: %s", b.screenshot("dashboard"))
}
