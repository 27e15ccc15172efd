//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// tenant is one portal the samples make: a county's or the city's.
type tenant struct {
	slug, name, ns string // hengshan, 衡山县, county-hengshan
	city           bool
}

// The samples' tenants (config/samples), in their kustomization's order.
var counties = []tenant{
	{slug: "hengyangxian", name: "衡阳县"}, {slug: "hengnan", name: "衡南县"}, {slug: "hengshan", name: "衡山县"},
	{slug: "hengdong", name: "衡东县"}, {slug: "qidong", name: "祁东县"}, {slug: "leiyang", name: "耒阳市"},
	{slug: "changning", name: "常宁市"},
}
var city = tenant{slug: "hengyang", name: "衡阳市", ns: "city-hengyang", city: true}

func init() {
	for i := range counties {
		counties[i].ns = "county-" + counties[i].slug
	}
}

func (tn tenant) service() string { return tn.slug + "-portal" }

// selector selects the tenant's portal pods.
func (tn tenant) selector() client.MatchingLabels {
	if tn.city {
		return client.MatchingLabels{"app.kubernetes.io/name": "countyreport-city", "app.kubernetes.io/instance": tn.slug}
	}
	return client.MatchingLabels{"app.kubernetes.io/name": "countyreport-portal", "app.kubernetes.io/instance": tn.slug}
}

// portalPods lists the tenant's portal pods.
func (s *suite) portalPods(tn tenant) ([]corev1.Pod, error) {
	var pods corev1.PodList
	err := s.c.List(s.ctx, &pods, client.InNamespace(tn.ns), tn.selector())
	return pods.Items, err
}

// waitPortalReady waits until the tenant has a Running and Ready portal pod
// (its readiness probe passed) for which ok (when not nil) holds, and
// returns it.
func (s *suite) waitPortalReady(t *testing.T, tn tenant, timeout time.Duration, ok func(*corev1.Pod) bool) corev1.Pod {
	t.Helper()
	var found corev1.Pod
	s.eventually(t, tn.name+"'s portal pod Running and Ready", timeout, func() (bool, string) {
		pods, err := s.portalPods(tn)
		if err != nil {
			return false, err.Error()
		}
		if crash := crashLooping(pods); crash != "" {
			s.dump(t, tn.ns)
			t.Fatalf("%s's portal crashes: %s", tn.name, crash)
		}
		for i := range pods {
			if podReady(&pods[i]) && (ok == nil || ok(&pods[i])) {
				found = pods[i]
				return true, ""
			}
		}
		return false, podsState(pods)
	}, tn.ns)
	return found
}

// password is the generated admin's initial password of a tenant's portal.
func (s *suite) password(t *testing.T, tn tenant) string {
	t.Helper()
	var sec corev1.Secret
	must(t, s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.service()}, &sec))
	p := string(sec.Data["initial-password"])
	if p == "" {
		t.Fatalf("secret %s/%s has no initial-password", tn.ns, tn.service())
	}
	return p
}

var forwarding = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) `)

// portForward runs kubectl port-forward to the tenant's Service on a free
// local port and returns http://127.0.0.1:PORT; it stops with the test.
func (s *suite) portForward(t *testing.T, tn tenant) string {
	t.Helper()
	ctx, cancel := context.WithCancel(s.ctx)
	cmd := exec.CommandContext(ctx, s.kubectl(), "--kubeconfig", s.kubeconfig, "-n", tn.ns,
		"port-forward", "svc/"+tn.service(), ":80", "--address", "127.0.0.1")
	out, err := cmd.StdoutPipe()
	must(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := forwarding.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
	}()
	select {
	case p := <-port:
		return "http://127.0.0.1:" + p
	case <-time.After(2 * time.Minute):
		t.Fatalf("kubectl port-forward to %s/%s printed no local port: %s", tn.ns, tn.service(), stderr.String())
	}
	return ""
}

// staff is a signed-in HTTP session with a portal (Go's client sends no
// Origin or Sec-Fetch-Site, which the portal's CSRF check lets through as
// a non-browser client).
type staff struct {
	base string
	hc   *http.Client
}

// signIn signs in as admin, retrying while the portal is not answering yet.
func (s *suite) signIn(t *testing.T, base, password string) *staff {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	st := &staff{base: base, hc: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.eventually(t, "sign in to "+base, 3*time.Minute, func() (bool, string) {
		resp, err := st.hc.PostForm(base+"/signin", url.Values{"username": {"admin"}, "password": {password}, "next": {"/"}})
		if err != nil {
			return false, err.Error()
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return false, fmt.Sprintf("status %d: %s", resp.StatusCode, body)
		}
		return true, ""
	})
	return st
}

// get fetches path and returns its status and body (at most 64 MiB).
func (st *staff) get(path string) (int, []byte, error) {
	resp, err := st.hc.Get(st.base + path)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, b, err
}

// httpGet is a plain GET (no session) returning the status.
func httpGet(u string) (int, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Get(u)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
