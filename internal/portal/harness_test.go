package portal_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/testenv"
)

// The suite shares one control plane and one MinIO; every test makes its
// own counties (namespace, bucket, credentials, portal).
var (
	env   *testenv.Env
	minio *miniotest.Server
	admin client.Client
	kcs   *kubernetes.Clientset
)

func TestMain(m *testing.M) {
	code := m.Run()
	if env != nil {
		_ = env.Stop()
	}
	if minio != nil {
		_ = minio.Close()
	}
	os.Exit(code)
}

// servers starts the control plane and MinIO the first time a test needs
// them (unit and fuzz tests of the package never do), shared by the rest.
var servers struct {
	once sync.Once
	err  error
}

func startServers(t testing.TB) {
	t.Helper()
	servers.once.Do(func() {
		var err error
		if env, err = testenv.Start(); err != nil {
			servers.err = err
			return
		}
		if minio, err = miniotest.StartServer(""); err != nil {
			servers.err = err
			return
		}
		scheme := runtime.NewScheme()
		_ = clientgoscheme.AddToScheme(scheme)
		_ = v1alpha1.AddToScheme(scheme)
		if admin, err = client.New(env.Config, client.Options{Scheme: scheme}); err != nil {
			servers.err = err
			return
		}
		kcs = kubernetes.NewForConfigOrDie(env.Config)
	})
	if servers.err != nil {
		t.Fatalf("portal tests need the control plane and MinIO: %v", servers.err)
	}
}

// Passwords of the accounts every test county has (test fixtures).
const (
	editorPassword = "编辑者的密码-correct-horse"
	viewerPassword = "viewer password 2026"
)

// county is one tenant with its portal running.
type county struct {
	t         *testing.T
	Name      string // CountyReport name
	Namespace string
	Code      string
	CountyNm  string
	EnglishNm string
	Bucket    string
	URL       string // http://127.0.0.1:port
	Archive   *storage.Archive
	// Scoped is the county's own storage credentials (what its staff hold).
	Scoped storage.Config
	Kube   *rest.Config // the portal's ServiceAccount
	Dir    string
	Logs   *syncBuffer
}

type countySpec struct {
	Name, Code, CountyName, EnglishName string
	// Review and CityEn are what the operator copies in of the reviewing
	// city: its deadline (nil: none) and its English name.
	Review *v1alpha1.ReviewSpec
	CityEn string
	// Proxies are the operator's trusted proxies (none: X-Forwarded-For is never read).
	Proxies []string
	// Now is the portal's clock (nil: testenv.Clock().Now); a test that
	// moves time on (a session idling out) gives its own.
	Now func() time.Time
}

// fictional is the county most tests use: a made-up place (test fixture),
// so the figures tests submit for it are never taken for a real county's.
var fictional = countySpec{Name: "yangli", Code: "999001", CountyName: "样例县", EnglishName: "Yangli County (test fixture)"}

// hengshan is the real county of the sample data; tests only show its
// published figures (config/samples/datasets/hengshan-2023-01.yaml).
var hengshan = countySpec{Name: "hengshan", Code: "430423", CountyName: "衡山县", EnglishName: "Hengshan County"}

func newCounty(t *testing.T, spec countySpec) *county {
	t.Helper()
	startServers(t)
	ctx := testCtx(t)
	suffix := randHex(3)
	c := &county{t: t, Name: spec.Name, Namespace: "county-" + spec.Name + "-" + suffix, Code: spec.Code, CountyNm: spec.CountyName, EnglishNm: spec.EnglishName, Dir: t.TempDir(), Logs: &syncBuffer{}}
	mustDo(t, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.Namespace}}))
	cr := &v1alpha1.CountyReport{
		ObjectMeta: metav1.ObjectMeta{Name: c.Name, Namespace: c.Namespace},
		Spec:       v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: spec.Code, Name: spec.CountyName, EnglishName: spec.EnglishName, City: "衡阳市"}},
	}
	mustDo(t, admin.Create(ctx, cr))
	// The portal's identity exactly as the operator builds it.
	for _, obj := range []client.Object{tenant.ServiceAccount(cr), tenant.Role(cr), tenant.RoleBinding(cr)} {
		mustDo(t, admin.Create(ctx, obj))
	}
	c.Kube = serviceAccountConfig(t, c.Namespace, tenant.Name(cr))

	c.Bucket = minio.NewBucket(t)
	iss, err := storage.NewSTSIssuer(minio.RootConfig())
	mustDo(t, err)
	creds, err := iss.Issue(ctx, c.Bucket, time.Hour)
	mustDo(t, err)
	sc := creds.Config(minio.RootConfig())
	st, err := storage.New(sc)
	mustDo(t, err)
	c.Archive = st.Archive(c.Bucket)
	c.Scoped = sc

	cfg := tenant.Config(cr, tenant.Inputs{StorageEndpoint: minio.Endpoint(), StorageInsecure: true, Review: spec.Review, CityEnglishName: spec.CityEn, TrustedProxies: spec.Proxies})
	cfg.Bucket = c.Bucket
	cfg.AccountsFile, cfg.SessionKeyFile = "", ""
	writeYAML(t, filepath.Join(c.Dir, "portal.yaml"), cfg)
	writeAccounts(t, filepath.Join(c.Dir, "accounts.yaml"), map[string]accounts.Role{"admin": accounts.Editor, "viewer": accounts.Viewer})
	mustDo(t, os.WriteFile(filepath.Join(c.Dir, "session-key"), []byte(randHex(32)), 0o600))

	now := spec.Now
	if now == nil {
		now = testenv.Clock().Now
	}
	ready := make(chan string, 1)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- portal.Run(runCtx, portal.Options{
			ConfigFile: filepath.Join(c.Dir, "portal.yaml"), AccountsFile: filepath.Join(c.Dir, "accounts.yaml"),
			SessionKeyFile: filepath.Join(c.Dir, "session-key"),
			Storage:        storage.Config{AccessKey: sc.AccessKey, SecretKey: sc.SecretKey, SessionToken: sc.SessionToken},
			Kube:           c.Kube, Listen: "127.0.0.1:0", MetricsListen: "127.0.0.1:0",
			Ready:  func(addr string) { ready <- addr },
			Logger: slog.New(slog.NewJSONHandler(c.Logs, nil)),
			Now:    now,
		})
	}()
	select {
	case addr := <-ready:
		c.URL = "http://" + addr
	case err := <-done:
		t.Fatalf("portal did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("portal did not start within 30 s")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("portal ended with %v", err)
		}
	})
	return c
}

// serviceAccountConfig is a rest.Config holding a token of the
// ServiceAccount, as a pod of it would have.
func serviceAccountConfig(t *testing.T, ns, name string) *rest.Config {
	t.Helper()
	tok, err := kcs.CoreV1().ServiceAccounts(ns).CreateToken(testCtx(t), name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	mustDo(t, err)
	return &rest.Config{Host: env.Config.Host, BearerToken: tok.Status.Token, TLSClientConfig: rest.TLSClientConfig{CAData: env.Config.CAData}}
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	mustDo(t, err)
	mustDo(t, os.WriteFile(path, b, 0o600))
}

// hashes are computed once per role: argon2id takes a moment.
var hashes sync.Map

func writeAccounts(t *testing.T, path string, users map[string]accounts.Role) {
	t.Helper()
	var f accounts.File
	for u, role := range users {
		pw := editorPassword
		if role == accounts.Viewer {
			pw = viewerPassword
		}
		h, ok := hashes.Load(pw)
		if !ok {
			s, err := accounts.Hash(pw)
			mustDo(t, err)
			h, _ = hashes.LoadOrStore(pw, s)
		}
		f.Accounts = append(f.Accounts, accounts.Account{Username: u, Role: role, PasswordHash: h.(string)})
	}
	b, err := f.Marshal()
	mustDo(t, err)
	mustDo(t, os.WriteFile(path, b, 0o600))
}

// seedHengshan stores the sample dataset (real, published figures) under
// the county's bucket, optionally with its report published.
func (c *county) seedDataset(t *testing.T, publish bool) *dataset.Dataset {
	t.Helper()
	root, err := repo.Root()
	mustDo(t, err)
	raw, err := os.ReadFile(filepath.Join(root, "config", "samples", "datasets", "hengshan-2023-01.yaml"))
	mustDo(t, err)
	ds, err := dataset.Parse(raw, "hengshan-2023-01.yaml")
	mustDo(t, err)
	if c.Code != hengshan.Code {
		// The fictional county reuses the sample's structure and figures,
		// under its own name: a test fixture, not a real place.
		ds.Meta.CountyCode, ds.Meta.CountyName, ds.Meta.CountyNameEn = c.Code, c.CountyNm, fictional.EnglishName
		ds.Meta.Title = c.CountyNm + "经济数据（测试样例）"
		ds.Meta.Source = nil
	}
	norm, err := ds.Normalized()
	mustDo(t, err)
	_, err = c.Archive.PutDataset(testCtx(t), ds.Meta.Period, norm)
	mustDo(t, err)
	if publish {
		c.publish(t, ds)
	}
	return ds
}

func (c *county) publish(t *testing.T, ds *dataset.Dataset) *storage.Report {
	t.Helper()
	res, err := report.Render(ds, report.Options{})
	mustDo(t, err)
	rep, err := c.Archive.Publish(testCtx(t), ds.Meta.Period, []storage.Artifact{
		{Name: report.PDFName, Data: res.PDF}, {Name: report.BundleName, Data: res.Bundle},
	}, res.Manifest)
	mustDo(t, err)
	return rep
}

// runExecutor plays the operator's in-process executor for this county
// (envtest runs no manager): every new ReportRun is rendered from the
// stored dataset, published, and marked Succeeded.
func (c *county) runExecutor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for ctx.Err() == nil {
			var runs v1alpha1.ReportRunList
			if err := admin.List(ctx, &runs, client.InNamespace(c.Namespace)); err == nil {
				for i := range runs.Items {
					if r := &runs.Items[i]; r.Status.Phase == "" {
						c.execute(ctx, r)
					}
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
}

func (c *county) execute(ctx context.Context, r *v1alpha1.ReportRun) {
	now := metav1.Now()
	fail := func(err error) {
		r.Status = v1alpha1.ReportRunStatus{Phase: v1alpha1.RunFailed, Attempts: 1, StartTime: &now, CompletionTime: &now, Message: err.Error()}
		_ = admin.Status().Update(ctx, r)
	}
	raw, err := c.Archive.GetDataset(ctx, r.Spec.Period)
	if err != nil {
		fail(err)
		return
	}
	ds, err := dataset.Parse(raw, "dataset.json")
	if err != nil {
		fail(err)
		return
	}
	res, err := report.Render(ds, report.Options{})
	if err != nil {
		fail(err)
		return
	}
	rep, err := c.Archive.Publish(ctx, r.Spec.Period, []storage.Artifact{{Name: report.PDFName, Data: res.PDF}, {Name: report.BundleName, Data: res.Bundle}}, res.Manifest)
	if err != nil {
		fail(err)
		return
	}
	r.Status = v1alpha1.ReportRunStatus{Phase: v1alpha1.RunSucceeded, Attempts: 1, StartTime: &now, CompletionTime: &now, Pages: int32(rep.Pages), Reason: v1alpha1.RunReasonPublished}
	_ = admin.Status().Update(ctx, r)
}

// browserless HTTP client with its own cookies.
type user struct {
	t    *testing.T
	base string // the portal's URL
	http *http.Client
}

func (c *county) newUser(t *testing.T) *user { return newUserOf(t, c.URL) }

func newUserOf(t *testing.T, base string) *user {
	jar, _ := cookiejar.New(nil)
	return &user{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (u *user) do(method, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u.base+path, body)
	mustDo(u.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := u.http.Do(req)
	mustDo(u.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (u *user) get(path string) (*http.Response, string) { return u.do(http.MethodGet, path, nil, nil) }

func (u *user) post(path string, form url.Values) (*http.Response, string) {
	return u.do(http.MethodPost, path, form, nil)
}

func (u *user) signIn(name, password string) *http.Response {
	u.t.Helper()
	resp, _ := u.post("/signin", url.Values{"username": {name}, "password": {password}, "next": {"/"}})
	return resp
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// syncBuffer collects log lines from the portal's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustURL(t testing.TB, s string) *url.URL {
	u, err := url.Parse(s)
	mustDo(t, err)
	return u
}

func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx, cancel
}

// storageCreds are fresh scoped credentials for c's bucket (no endpoint:
// the portal takes it from its configuration).
func storageCreds(t testing.TB, c *county) storage.Config {
	iss, err := storage.NewSTSIssuer(minio.RootConfig())
	mustDo(t, err)
	creds, err := iss.Issue(testCtx(t), c.Bucket, time.Hour)
	mustDo(t, err)
	return storage.Config{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, SessionToken: creds.SessionToken}
}

func ioCopy(w io.Writer, r *http.Response) (int64, error) { return io.Copy(w, r.Body) }
