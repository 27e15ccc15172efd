package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/repo"
)

// TestDevEndToEnd drives `countyreport dev` as a user does: it starts it,
// reads the final table, opens Hengshan's portal over HTTP and sees its
// report, stops it with SIGINT and finds none of its processes left; a
// second start resumes the same data (the same ReportRun, the same PDF).
func TestDevEndToEnd(t *testing.T) {
	bin := buildCountyreport(t)
	state := filepath.Join(t.TempDir(), "state")
	etcdPort, peerPort, apiPort, minioPort := freePort(t), freePort(t), freePort(t), freePort(t)
	mailPort, mailAPIPort := freePort(t), freePort(t)
	// --timeout under the harness's 5 minutes: a county that never gets
	// Ready is named in the output rather than cut off by the harness.
	args := []string{"dev", "--state-dir", state, "--timeout", "4m",
		"--etcd-port", etcdPort, "--etcd-peer-port", peerPort, "--apiserver-port", apiPort, "--minio-port", minioPort, "--portal-port", freePortBlock(t, 20),
		"--mail-port", mailPort, "--mail-api-port", mailAPIPort, "--counties", samplesMailingTo(t, mailPort)}

	first := startDev(t, bin, args)
	assertServersRefuseStrangers(t, etcdPort, apiPort, minioPort)
	assertEtcdPeerRefusesEveryone(t, state, peerPort)
	assertPrivateFiles(t, state)
	url := first.portalURL(t, "hengshan")
	page := first.openReports(t, "hengshan")
	for _, want := range []string{"衡山县", "2023-01"} {
		if !strings.Contains(page, want) {
			t.Errorf("Hengshan's portal %s does not show %q:\n%s", url, want, page)
		}
	}
	// The city's row: its portal and its generated admin account; the
	// portal shows the samples' month: the board with 衡东县 (no published
	// figures) overdue, the ranking with it 未报送, the city's report.
	if !regexp.MustCompile(`衡阳市 hengyang +http://127\.0\.0\.1:\d+/ +admin +\S{43} `).MatchString(first.output) {
		t.Errorf("the table has no row for the city 衡阳市 (hengyang) with its portal and admin account:\n%s", first.output)
	}
	city, cityURL := first.signIn(t, "hengyang")
	for path, wants := range map[string][]string{
		"?period=2023-01": {"衡山县", "已报送待审核", "衡东县", "逾期未报", "耒阳市"},
		"ranking":         {"2023-01 各县（市）比较", "综合得分排名", "未报送", "衡阳县", "功效系数法"},
		"reports":         {"市级报告", "2023-01"},
	} {
		page := getPage(t, city, cityURL+path)
		for _, want := range wants {
			if !strings.Contains(page, want) {
				t.Errorf("the city portal's %s does not show %q:\n%s", cityURL+path, want, page)
			}
		}
	}
	assertReturnReachesHengnan(t, first, mailAPIPort)
	runUID, pdfSum := readReport(t, state)
	// The check below sees the servers while they run, so it is no empty check.
	if running := processesNaming(t, state); len(running) < 3 {
		t.Fatalf("expected etcd, kube-apiserver and MinIO running under %s, found:\n%s", state, strings.Join(running, "\n"))
	}
	first.interrupt(t)
	assertNoProcessLeft(t, state)

	second := startDev(t, bin, args)
	if !strings.Contains(second.output, "already rendered") {
		t.Errorf("the second start rendered again instead of resuming:\n%s", second.output)
	}
	if got := second.portalURL(t, "hengshan"); got != url {
		t.Errorf("Hengshan's portal moved from %s to %s", url, got)
	}
	if !strings.Contains(second.openReports(t, "hengshan"), "2023-01") {
		t.Errorf("after resuming, Hengshan's portal does not show its 2023-01 report")
	}
	uid2, sum2 := readReport(t, state)
	if uid2 != runUID || sum2 != pdfSum {
		t.Errorf("resumed data differs: ReportRun %s → %s, PDF %s → %s", runUID, uid2, pdfSum, sum2)
	}
	assertTestButtonAfterRestart(t, second, mailAPIPort)
	assertDeletedCountyGoes(t, state, second, "leiyang")
	second.interrupt(t)
	assertNoProcessLeft(t, state)
}

// assertDeletedCountyGoes deletes a county's CountyReport, as its
// administrator would, and then its namespace: as in a cluster, the
// portal's Deployment goes with its owner and the portal stops answering;
// the namespace does not stay Terminating.
func assertDeletedCountyGoes(t *testing.T, state string, run *devRun, county string) {
	t.Helper()
	row, ok := run.rows[county]
	if !ok || !strings.HasPrefix(row[2], "http://127.0.0.1:") {
		t.Fatalf("no portal URL for %s in the table:\n%s", county, run.output)
	}
	url := row[2]
	answers := func() bool {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url + "healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	if !answers() {
		t.Fatalf("%s's portal %s does not answer before the deletion", county, url)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(state, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: newScheme()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ns := "county-" + county
	if err := c.Delete(ctx, &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: county}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 90*time.Second, county+"'s portal Deployment to go with its CountyReport", func() bool {
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: county + "-portal"}, &appsv1.Deployment{})
		return apierrors.IsNotFound(err) && !answers()
	})
	if err := c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 90*time.Second, "namespace "+ns+" to go", func() bool {
		return apierrors.IsNotFound(c.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}))
	})
}

// waitFor polls cond until it holds or the deadline passes (a polling
// deadline, the only clock a test reads).
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// assertServersRefuseStrangers attacks the servers as another local user
// would, with no credentials: etcd wants a client certificate of the
// platform's CA, kube-apiserver a client certificate, MinIO signed requests.
func assertServersRefuseStrangers(t *testing.T, etcdPort, apiPort, minioPort string) {
	t.Helper()
	insecure := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if resp, err := insecure.Get("https://127.0.0.1:" + etcdPort + "/v3/kv/range"); err == nil {
		resp.Body.Close()
		t.Errorf("etcd answered a client without a certificate: %s", resp.Status)
	}
	if resp, err := http.Get("http://127.0.0.1:" + etcdPort + "/health"); err == nil && resp.StatusCode == http.StatusOK {
		resp.Body.Close()
		t.Errorf("etcd answered plain HTTP")
	}
	resp, err := insecure.Get("https://127.0.0.1:" + apiPort + "/api/v1/secrets")
	if err != nil {
		t.Fatalf("kube-apiserver: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		t.Errorf("kube-apiserver listed Secrets for an anonymous client: %s", resp.Status)
	}
	resp, err = http.Get("http://127.0.0.1:" + minioPort + "/")
	if err != nil {
		t.Fatalf("MinIO: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("MinIO listed buckets for an anonymous client: %s", resp.Status)
	}
}

// assertEtcdPeerRefusesEveryone: etcd's peer port (which it always opens)
// speaks TLS and admits no one: not plain HTTP, not TLS without a
// certificate, not even the admin's certificate of the platform's own CA.
func assertEtcdPeerRefusesEveryone(t *testing.T, state, peerPort string) {
	t.Helper()
	addr := "127.0.0.1:" + peerPort
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("etcd's peer port %s does not speak TLS: %v", addr, err)
	}
	conn.Close()
	if resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/members"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("etcd's peer port answered plain HTTP /members")
		}
	}
	admin, err := tls.LoadX509KeyPair(filepath.Join(state, "pki", "admin.crt"), filepath.Join(state, "pki", "admin.key"))
	if err != nil {
		t.Fatal(err)
	}
	for name, certs := range map[string][]tls.Certificate{"no certificate": nil, "the admin's certificate": {admin}} {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, Certificates: certs}}}
		if resp, err := c.Get("https://" + addr + "/members"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("etcd's peer port answered /members to a client with %s", name)
			}
		}
	}
}

// assertPrivateFiles: every file under the state directory that holds a key
// or a credential is readable by its owner only.
func assertPrivateFiles(t *testing.T, state string) {
	t.Helper()
	for _, f := range []string{"kubeconfig", "minio-root.json", "pki/ca.crt", "pki/admin.key", "pki/apiserver.key", "pki/sa.key", "pki/etcd-client.key"} {
		st, err := os.Stat(filepath.Join(state, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
}

// TestDevPortInUse: a taken port is named with the flag that changes it,
// and nothing is left running.
func TestDevPortInUse(t *testing.T) {
	bin := buildCountyreport(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	state := filepath.Join(t.TempDir(), "state")
	out, err := exec.Command(bin, "dev", "--state-dir", state, "--etcd-port", freePort(t), "--etcd-peer-port", freePort(t), "--apiserver-port", taken,
		"--minio-port", freePort(t), "--portal-port", freePort(t)).CombinedOutput()
	if err == nil {
		t.Fatalf("countyreport dev started with its port taken:\n%s", out)
	}
	if !strings.Contains(string(out), "port "+taken) || !strings.Contains(string(out), "--apiserver-port") {
		t.Errorf("the error does not name port %s and --apiserver-port:\n%s", taken, out)
	}
	assertNoProcessLeft(t, state)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildCountyreport builds the binary once for the package's tests.
func buildCountyreport(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := repo.Root()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "countyreport-dev-test-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "countyreport")
		cmd := exec.Command("go", "build", "-o", builtBin, "./cmd/countyreport")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// freePort returns a port free now, below the kernel's ephemeral range
// (32768 and up on Linux): the platform keeps its ports across a restart,
// and a port from the ephemeral range can be taken meanwhile by any
// outgoing connection of the tests running beside this one, which left the
// second start waiting for a portal that could never listen.
func freePort(t *testing.T) string {
	t.Helper()
	return strconv.Itoa(quietPorts.next(t, 1))
}

// freePortBlock returns the first of n consecutive ports free now, below
// the ephemeral range: --portal-port gives each portal the next free one.
func freePortBlock(t *testing.T, n int) string {
	t.Helper()
	return strconv.Itoa(quietPorts.next(t, n))
}

// quietPorts hands out ports from 20000–32767, starting at a place that
// depends on the process so that two test binaries rarely meet.
var quietPorts = &portCursor{at: 20000 + (os.Getpid()%600)*20}

type portCursor struct {
	mu sync.Mutex
	at int
}

// next returns the first of n consecutive ports that are free now.
func (c *portCursor) next(t *testing.T, n int) int {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for tries := 0; tries < 12768; tries++ {
		if c.at+n > 32768 {
			c.at = 20000
		}
		first := c.at
		ok := true
		for p := first; p < first+n; p++ {
			c.at = p + 1
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				ok = false
				break
			}
			_ = l.Close()
		}
		if ok {
			return first
		}
	}
	t.Fatalf("no %d consecutive free ports between 20000 and 32767", n)
	return 0
}

type devRun struct {
	cmd    *exec.Cmd
	output string              // everything up to the table's end
	rows   map[string][]string // county name → table row
	rest   chan string         // the output after the table, once it exits
}

// startDev runs countyreport dev until it has printed its table.
func startDev(t *testing.T, bin string, args []string) *devRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGINT)
			_ = cmd.Wait()
		}
	})
	r := &devRun{cmd: cmd, rows: map[string][]string{}, rest: make(chan string, 1)}
	sc := bufio.NewScanner(stdout)
	var b strings.Builder
	inTable := false
	timer := time.AfterFunc(5*time.Minute, func() { _ = cmd.Process.Signal(syscall.SIGINT) })
	defer timer.Stop()
	for sc.Scan() {
		line := sc.Text()
		b.WriteString(line + "\n")
		if strings.HasPrefix(line, "COUNTY ") {
			inTable = true
			continue
		}
		if inTable {
			if strings.TrimSpace(line) == "" {
				break
			}
			f := strings.Fields(line)
			r.rows[f[1]] = f
		}
	}
	r.output = b.String()
	if len(r.rows) == 0 {
		_ = cmd.Wait()
		t.Fatalf("countyreport dev printed no table:\n%s", r.output)
	}
	go func() {
		rest, _ := io.ReadAll(stdout)
		r.rest <- string(rest)
	}()
	return r
}

func (r *devRun) portalURL(t *testing.T, county string) string {
	t.Helper()
	row, ok := r.rows[county]
	if !ok || !strings.HasPrefix(row[2], "http://127.0.0.1:") {
		t.Fatalf("no portal URL for %s in the table:\n%s", county, r.output)
	}
	if !strings.Contains(strings.Join(row, " "), "2023-01") {
		t.Errorf("the table's %s row shows no 2023-01 report: %q", county, row)
	}
	return row[2]
}

// interrupt sends SIGINT, as Ctrl-C does, and waits for a clean exit.
func (r *devRun) interrupt(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		rest := <-r.rest
		if err != nil {
			t.Fatalf("countyreport dev exited with %v after SIGINT:\n%s%s", err, r.output, rest)
		}
	case <-time.After(90 * time.Second):
		_ = r.cmd.Process.Kill()
		t.Fatalf("countyreport dev still running 90s after SIGINT")
	}
}

// openReports signs in to the county's portal with the account the table
// shows and returns its reports page; while the portal has no accounts (the
// table says "(none yet)"), its front page, which lists the reports.
func (r *devRun) openReports(t *testing.T, county string) string {
	t.Helper()
	row := r.rows[county]
	url := r.portalURL(t, county)
	if len(row) < 5 || strings.HasPrefix(row[3], "(") {
		return getPage(t, http.DefaultClient, url)
	}
	c, _ := r.signIn(t, county)
	return getPage(t, c, url+"reports")
}

// signIn signs in to the tenant's portal with the account its row shows.
func (r *devRun) signIn(t *testing.T, tenant string) (*http.Client, string) {
	t.Helper()
	row := r.rows[tenant]
	url := r.portalURL(t, tenant)
	if len(row) < 5 {
		t.Fatalf("no account for %s in the table:\n%s", tenant, r.output)
	}
	account, password := row[3], row[4]
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(url+"signin", neturl.Values{"username": {account}, "password": {password}})
	if err != nil {
		t.Fatalf("sign in to %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.HasSuffix(resp.Request.URL.Path, "/signin") {
		t.Fatalf("signing in to %s as %s with the table's password failed: %s\n%s", url, account, resp.Status, body)
	}
	return c, url
}

func getPage(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	return string(body)
}

// readReport reads Hengshan's run and last report through the platform's
// kubeconfig, while countyreport dev runs.
func readReport(t *testing.T, state string) (runUID, pdfSHA string) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(state, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: newScheme()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := &v1alpha1.ReportRun{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "county-hengshan", Name: "hengshan-2023-01"}, run); err != nil {
		t.Fatal(err)
	}
	cr := &v1alpha1.CountyReport{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "county-hengshan", Name: "hengshan"}, cr); err != nil {
		t.Fatal(err)
	}
	if run.Status.Phase != v1alpha1.RunSucceeded || cr.Status.LastReport == nil || cr.Status.LastReport.SHA256 == "" {
		t.Fatalf("no rendered report: run %+v, lastReport %+v", run.Status, cr.Status.LastReport)
	}
	return string(run.UID), cr.Status.LastReport.SHA256
}

// assertNoProcessLeft looks through /proc for any process whose command
// line names the state directory (etcd's data, MinIO's, kube-apiserver's
// certificates are all under it).
func assertNoProcessLeft(t *testing.T, state string) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if left = processesNaming(t, state); len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("processes left running:\n%s", strings.Join(left, "\n"))
	}
}

func processesNaming(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), s) {
			found = append(found, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}
