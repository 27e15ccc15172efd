package runs

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/tenant"
)

// s3Proxy stands between the executors and a real MinIO and writes down
// every request it passes on: what reached the object store, and in which
// order. Requests that hold matches wait until release.
type s3Proxy struct {
	srv *httptest.Server

	mu      sync.Mutex
	events  []string // "GET /bucket/key", and "done GET /bucket/key" when answered
	hold    func(*http.Request) bool
	release chan struct{}
	once    sync.Once
}

// let lets held requests through, and every later one.
func (p *s3Proxy) let() { p.once.Do(func() { close(p.release) }) }

func newS3Proxy(t *testing.T, target *miniotest.Server) *s3Proxy {
	t.Helper()
	u, err := url.Parse("http://" + target.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	p := &s3Proxy{release: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u) // keeps the Host header the client signed
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		what := r.Method + " " + r.URL.Path
		p.mu.Lock()
		p.events = append(p.events, what)
		held := p.hold != nil && p.hold(r)
		p.mu.Unlock()
		if held {
			<-p.release
		}
		rp.ServeHTTP(w, r)
		p.mu.Lock()
		p.events = append(p.events, "done "+what)
		p.mu.Unlock()
	}))
	t.Cleanup(p.srv.Close)
	t.Cleanup(p.let) // first: a failed test must not leave a request held

	return p
}

// endpoint is the proxy's host:port.
func (p *s3Proxy) endpoint() string { return strings.TrimPrefix(p.srv.URL, "http://") }

// seen lists the events so far.
func (p *s3Proxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.events...)
}

// index is the position of the first event equal to e, or -1.
func (p *s3Proxy) index(e string) int {
	for i, s := range p.seen() {
		if s == e {
			return i
		}
	}
	return -1
}

// through points cr's credentials Secret at the proxy.
func (p *s3Proxy) through(t *testing.T, cr *v1alpha1.CountyReport) {
	t.Helper()
	sec := &corev1.Secret{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: cr.Namespace, Name: tenant.CredentialsSecretName(cr)}, sec); err != nil {
		t.Fatal(err)
	}
	sec.Data[tenant.SecretEndpoint] = []byte(p.endpoint())
	if err := k8s.Update(ctx, sec); err != nil {
		t.Fatal(err)
	}
}
