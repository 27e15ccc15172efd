// Command portal benchmarks the county portal's signed-in dashboard: 64
// concurrent connections against the real portal (portal.Run, real MinIO,
// real API server, Hengshan's sample dataset and its published report),
// beside a bare gin handler loaded the same way in the same run. It prints
// requests/s, their ratio (target at least 0.30) and p99 latency (target
// under 25 ms).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
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

func main() {
	conns := flag.Int("c", 64, "concurrent connections")
	dur := flag.Duration("d", 10*time.Second, "duration of each load phase")
	warm := flag.Duration("warmup", 2*time.Second, "warm-up before each phase")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the portal phase here")
	flag.Parse()
	profile = *cpuprofile
	if err := run(*conns, *dur, *warm); err != nil {
		fmt.Fprintln(os.Stderr, "bench portal:", err)
		os.Exit(1)
	}
}

const password = "bench password, not a real one"

var profile string

func run(conns int, dur, warm time.Duration) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	mio, err := miniotest.StartServer("")
	if err != nil {
		return err
	}
	defer mio.Close()

	dir, err := os.MkdirTemp("", "bench-portal-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	opts, err := setUp(ctx, env, mio, dir)
	if err != nil {
		return err
	}
	ready := make(chan string, 1)
	opts.Ready = func(a string) { ready <- a }
	done := make(chan error, 1)
	go func() { done <- portal.Run(ctx, *opts) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		return err
	}
	cookie, err := signIn("http://" + addr)
	if err != nil {
		return err
	}
	// Check the page is the real dashboard before timing it.
	if body, err := get("http://"+addr+"/", cookie); err != nil || !strings.Contains(body, "地方税收") {
		return fmt.Errorf("the dashboard is not what it should be (%v): %.200s", err, body)
	}

	bare, closeBare, err := bareGin()
	if err != nil {
		return err
	}
	defer closeBare()

	fmt.Printf("%d connections, %v per phase after %v warm-up\n", conns, dur, warm)
	base := load(bare+"/", nil, conns, warm, dur)
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		_ = pprof.StartCPUProfile(f)
	}
	ours := load("http://"+addr+"/", cookie, conns, warm, dur)
	if profile != "" {
		pprof.StopCPUProfile()
	}
	fmt.Printf("  bare gin handler:            %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d errors)\n", base.rps, ms(base.p50), ms(base.p99), base.n, base.errors)
	fmt.Printf("  portal dashboard, signed in: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d errors, %d KB a page)\n", ours.rps, ms(ours.p50), ms(ours.p99), ours.n, ours.errors, ours.bytes/1024)
	ratio := ours.rps / base.rps
	fmt.Printf("  ratio %.2f (target >= 0.30: %s); p99 %.2f ms (target < 25 ms: %s)\n", ratio, verdict(ratio >= 0.30), ms(ours.p99), verdict(ours.p99 < 25*time.Millisecond))
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if ours.errors > 0 || base.errors > 0 {
		return fmt.Errorf("%d and %d requests failed", ours.errors, base.errors)
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// setUp makes one county as the operator would: namespace, CountyReport,
// the portal's ServiceAccount and Role, a bucket with scoped credentials
// holding Hengshan's dataset and report, and the portal's files.
func setUp(ctx context.Context, env *testenv.Env, mio *miniotest.Server, dir string) (*portal.Options, error) {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	admin, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	cr := &v1alpha1.CountyReport{
		ObjectMeta: metav1.ObjectMeta{Name: "hengshan", Namespace: "county-hengshan"},
		Spec:       v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: "430423", Name: "衡山县", EnglishName: "Hengshan County"}},
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cr.Namespace, Labels: map[string]string{v1alpha1.LabelCounty: cr.Spec.County.Code}}}
	for _, obj := range []client.Object{ns, cr} {
		if err := admin.Create(ctx, obj); err != nil {
			return nil, err
		}
	}
	root := mio.RootConfig()
	st, err := storage.New(root)
	if err != nil {
		return nil, err
	}
	bucket := "countyreport-430423"
	if err := st.EnsureBucket(ctx, bucket, nil); err != nil {
		return nil, err
	}
	iss, err := storage.NewSTSIssuer(root)
	if err != nil {
		return nil, err
	}
	creds, err := iss.Issue(ctx, bucket, time.Hour)
	if err != nil {
		return nil, err
	}
	scoped := creds.Config(root)
	if err := seed(ctx, scoped, bucket); err != nil {
		return nil, err
	}
	cfg := tenant.Config(cr, tenant.Inputs{StorageEndpoint: mio.Endpoint(), StorageInsecure: true})
	cfg.AccountsFile, cfg.SessionKeyFile, cfg.InitialPasswordFile, cfg.PublicURL = "", "", "", ""
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	h, err := accounts.Hash(password)
	if err != nil {
		return nil, err
	}
	af, err := (&accounts.File{Accounts: []accounts.Account{{Username: "admin", Role: accounts.Editor, PasswordHash: h}}}).Marshal()
	if err != nil {
		return nil, err
	}
	for name, data := range map[string][]byte{"portal.yaml": b, "accounts.yaml": af, "session-key": []byte(strings.Repeat("k", 48))} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return &portal.Options{
		ConfigFile: filepath.Join(dir, "portal.yaml"), AccountsFile: filepath.Join(dir, "accounts.yaml"),
		SessionKeyFile: filepath.Join(dir, "session-key"),
		Storage:        storage.Config{AccessKey: scoped.AccessKey, SecretKey: scoped.SecretKey, SessionToken: scoped.SessionToken},
		Kube:           env.Config, Listen: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, nil
}

func seed(ctx context.Context, cfg storage.Config, bucket string) error {
	dir, err := repo.Root()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "config", "samples", "datasets", "hengshan-2023-01.yaml"))
	if err != nil {
		return err
	}
	ds, err := dataset.Parse(raw, "hengshan-2023-01.yaml")
	if err != nil {
		return err
	}
	st, err := storage.New(cfg)
	if err != nil {
		return err
	}
	a := st.Archive(bucket)
	norm, err := ds.Normalized()
	if err != nil {
		return err
	}
	if _, err := a.PutDataset(ctx, "2023-01", norm); err != nil {
		return err
	}
	res, err := report.Render(ds, report.Options{})
	if err != nil {
		return err
	}
	_, err = a.Publish(ctx, "2023-01", []storage.Artifact{{Name: report.PDFName, Data: res.PDF}, {Name: report.BundleName, Data: res.Bundle}}, res.Manifest)
	return err
}

func signIn(base string) (*http.Cookie, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/signin", url.Values{"username": {"admin"}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "countyreport-session" {
			return ck, nil
		}
	}
	return nil, fmt.Errorf("sign-in gave no session cookie (%s)", resp.Status)
}

func get(u string, cookie *http.Cookie) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.AddCookie(cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// bareGin is the baseline: gin with one handler writing a short page.
func bareGin() (string, func(), error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

type result struct {
	rps       float64
	p50, p99  time.Duration
	n, errors int
	bytes     int64
}

// load runs conns workers, each with its own keep-alive connection, for
// warm (not counted) and then dur.
func load(u string, cookie *http.Cookie, conns int, warm, dur time.Duration) result {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var mu sync.Mutex
	var lat []time.Duration
	var res result
	start := time.Now()
	measureFrom := start.Add(warm)
	end := measureFrom.Add(dur)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs, size := 0, int64(0)
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				req, _ := http.NewRequest(http.MethodGet, u, nil)
				if cookie != nil {
					req.AddCookie(cookie)
				}
				resp, err := hc.Do(req)
				ok := err == nil
				if ok {
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == http.StatusOK
					size = n
				}
				if t0.Before(measureFrom) {
					continue
				}
				if !ok {
					errs++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.errors += errs
			res.bytes = max(res.bytes, size)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.n = len(lat)
	res.rps = float64(len(lat)) / dur.Seconds()
	if len(lat) > 0 {
		res.p50 = lat[len(lat)/2]
		res.p99 = lat[len(lat)*99/100]
	}
	return res
}
