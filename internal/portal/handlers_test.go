package portal_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/storage"
)

func TestSignInSignOut(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)

	resp, _ := u.get("/reports?x=1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Freports%3Fx%3D1" {
		t.Fatalf("signed out: %d to %q, want the sign-in page and back", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := u.post("/signin", url.Values{"username": {"admin"}, "password": {"wrong password"}, "next": {"/reports"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码不正确") {
		t.Fatalf("wrong password: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = u.post("/signin", url.Values{"username": {"admin"}, "password": {editorPassword}, "next": {"https://evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in with a foreign next: %d to %q, want / (no open redirect)", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "countyreport-session" {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", sess)
	}
	resp, body = u.get("/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "样例县") || !strings.Contains(body, "admin") {
		t.Fatalf("dashboard: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = u.post("/signout", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	// The old cookie is dead on the server, not only in this browser.
	replay := c.newUser(t)
	replay.http.Jar.SetCookies(mustURL(t, c.URL), []*http.Cookie{{Name: sess.Name, Value: sess.Value}})
	if resp, _ := replay.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a signed-out session still works: %d", resp.StatusCode)
	}
	logs := c.Logs.String()
	for _, want := range []string{`"event":"signin","user":"admin","ip":"127.0.0.1","result":"failure"`, `"event":"signin","user":"admin","ip":"127.0.0.1","result":"success"`, `"event":"signout","user":"admin"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("audit log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, editorPassword) || strings.Contains(logs, "wrong password") {
		t.Error("a password reached the log")
	}
}

func TestSignInThrottledNotLockedOut(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	for i := 0; i < 5; i++ {
		if resp := u.signIn("admin", "not the password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
	}
	u.signIn("admin", "not the password") // the sixth failure starts the delays
	resp, body := u.post("/signin", url.Values{"username": {"admin"}, "password": {editorPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "秒后再试") {
		t.Fatalf("throttled attempt: %d Retry-After=%q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if !strings.Contains(c.Logs.String(), `"result":"throttled"`) {
		t.Error("throttled attempt not in the audit log")
	}
	// The delay is short: the real user gets in once it has passed.
	deadline := time.Now().Add(40 * time.Second)
	for {
		if resp := u.signIn("admin", editorPassword); resp.StatusCode == http.StatusSeeOther {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the real user was locked out for more than 40 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestViewerCannotChangeAnything(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, true)
	v := c.newUser(t)
	if resp := v.signIn("viewer", viewerPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("viewer sign-in: %d", resp.StatusCode)
	}
	resp, body := v.get("/reports")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `action="/reports/generate"`) {
		t.Fatalf("a viewer sees the generate button (%d)", resp.StatusCode)
	}
	resp, body = v.post("/reports/generate", url.Values{"period": {"2023-01"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "只读") {
		t.Fatalf("viewer generate: %d\n%s", resp.StatusCode, body)
	}
	var runs v1alpha1.ReportRunList
	mustDo(t, admin.List(testCtx(t), &runs, client.InNamespace(c.Namespace)))
	if len(runs.Items) != 0 {
		t.Fatalf("a viewer's request made %d ReportRuns", len(runs.Items))
	}
}

func TestCrossSiteRequestRefused(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	for name, hdr := range map[string]map[string]string{
		"foreign origin":   {"Origin": "https://evil.example"},
		"cross-site fetch": {"Sec-Fetch-Site": "cross-site"},
	} {
		resp, _ := u.do(http.MethodPost, "/reports/generate", url.Values{"period": {"2023-01"}}, hdr)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	var runs v1alpha1.ReportRunList
	mustDo(t, admin.List(testCtx(t), &runs, client.InNamespace(c.Namespace)))
	if len(runs.Items) != 0 {
		t.Fatalf("a cross-site request made %d ReportRuns", len(runs.Items))
	}
	// No state change on GET.
	if resp, _ := u.get("/reports/generate?period=2023-01"); resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusOK {
		t.Fatalf("GET /reports/generate: %d", resp.StatusCode)
	}
}

func TestCookieOfOneCountyRefusedByAnother(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, hengshan)
	ua := a.newUser(t)
	ua.signIn("admin", editorPassword)
	stolen := ua.http.Jar.Cookies(mustURL(t, a.URL))
	if len(stolen) == 0 {
		t.Fatal("no cookie at county A")
	}
	ub := b.newUser(t)
	ub.http.Jar.SetCookies(mustURL(t, b.URL), stolen)
	if resp, _ := ub.get("/"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("county B accepted county A's cookie: %d", resp.StatusCode)
	}
}

func TestDashboardArchiveDownloadGenerate(t *testing.T) {
	c := newCounty(t, hengshan)
	c.seedDataset(t, true)
	c.runExecutor(t)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)

	resp, body := u.get("/")
	for _, want := range []string{"衡山县 概览", "地方税收", "6.31", "+10.8%", "统计期：2022年", "<svg", "/reports/2023-01/report.pdf"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff", "Referrer-Policy": "same-origin",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	// Scripts come from this site's /assets only (script-src 'self').
	if strings.Count(body, "<script") != strings.Count(body, `<script src="/assets/`) || strings.Contains(body, "style=\"") {
		t.Error("the page has an inline script or style (CSP would block it)")
	}

	_, body = u.get("/reports")
	rep, err := c.Archive.Report(testCtx(t), "2023-01")
	mustDo(t, err)
	pdf, _ := rep.Artifact("report.pdf")
	if !strings.Contains(body, pdf.SHA256) || !strings.Contains(body, "2023-01") {
		t.Fatalf("archive page lacks the period or the PDF's SHA-256:\n%s", body)
	}
	resp, data := u.get("/reports/2023-01/report.pdf")
	sum := sha256.Sum256([]byte(data))
	if resp.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != pdf.SHA256 || resp.Header.Get("X-Checksum-SHA256") != pdf.SHA256 || !strings.HasPrefix(data, "%PDF") {
		t.Fatalf("download: %d, %d bytes, sum %x (want %s)", resp.StatusCode, len(data), sum, pdf.SHA256)
	}
	if resp, _ := u.get("/reports/2023-01/..%2f..%2fdata%2f2023-01%2fdataset.json"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a path outside the archive: %d", resp.StatusCode)
	}

	// Generate now: a ReportRun (reason Manual) in the county's namespace; the page follows it.
	resp, _ = u.post("/reports/generate", url.Values{"period": {"2023-01"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/runs/hengshan-2023-01-manual-") {
		t.Fatalf("generate: %d to %q", resp.StatusCode, loc)
	}
	var run v1alpha1.ReportRun
	mustDo(t, admin.Get(testCtx(t), client.ObjectKey{Namespace: c.Namespace, Name: strings.TrimPrefix(loc, "/runs/")}, &run))
	if run.Spec.Reason != v1alpha1.RunManual || run.Spec.CountyReportName != "hengshan" || run.Annotations["reporting.countyreport.io/requested-by"] != "admin" {
		t.Fatalf("run: %+v", run)
	}
	// The page is titled in words and kept current by run.js polling its
	// status as JSON (no <meta refresh>, no reload).
	_, body = u.get(loc)
	if !strings.Contains(body, "<title>报告生成：2023年1月") || !strings.Contains(body, `<script src="/assets/run.js"`) ||
		!strings.Contains(body, `data-status="`+loc+`/status"`) || strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("run page:\n%s", body)
	}
	deadline := time.Now().Add(60 * time.Second)
	var st struct {
		Heading, State, PDF string
		Done                bool
	}
	for {
		resp, js := u.get(loc + "/status")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("run status: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), js)
		}
		mustDo(t, json.Unmarshal([]byte(js), &st))
		if st.Done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run not finished in 60 s: %s", js)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if st.Heading != "报告生成：2023年1月" || st.State != "状态：已完成" || st.PDF != "/reports/2023-01/report.pdf" {
		t.Fatalf("finished run status: %+v", st)
	}
	_, body = u.get(loc)
	if !strings.Contains(body, "/reports/2023-01/report.pdf") {
		t.Fatalf("finished run page:\n%s", body)
	}
	_, body = u.do(http.MethodGet, loc, nil, map[string]string{"Cookie": "countyreport-lang=en"})
	if !strings.Contains(body, "<title>Report for January 2023") {
		t.Errorf("English run page title:\n%s", body)
	}
	// The status is this county's and its signed-in staff's only.
	if resp, _ := c.newUser(t).get(loc + "/status"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("signed-out run status: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	other := newCounty(t, fictional)
	ou := other.newUser(t)
	ou.signIn("admin", editorPassword)
	for _, path := range []string{loc, loc + "/status"} {
		if resp, _ := ou.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another county's %s: %d", path, resp.StatusCode)
		}
	}
	if !strings.Contains(c.Logs.String(), `"event":"generate","user":"admin"`) {
		t.Error("generate not in the audit log")
	}
}

func TestEnglishSwitchRemembered(t *testing.T) {
	c := newCounty(t, hengshan)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	resp, _ := u.post("/lang", url.Values{"to": {"en"}, "back": {"/reports"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports" {
		t.Fatalf("switch: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := u.get("/")
	for _, want := range []string{`lang="en"`, "Hengshan County dashboard", "Local tax revenue", "Sign out"} {
		if !strings.Contains(body, want) {
			t.Errorf("English dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "!") && strings.Contains(body, ">!") {
		t.Error("a message key has no translation")
	}
}

// The English dashboard and period page show the dataset as the English
// PDF does (render.Edition): English titles, units and amounts counted the
// English way (6.31 亿元 is 631 million yuan); the Chinese pages show it
// as entered.
func TestEnglishPagesShowTheEnglishEdition(t *testing.T) {
	c := newCounty(t, hengshan)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	_, zhDash := u.get("/")
	_, zhPeriod := u.get("/data/periods/2023-01")
	for name, body := range map[string]string{"dashboard": zhDash, "period": zhPeriod} {
		if !strings.Contains(body, "6.31") || !strings.Contains(body, "亿元") {
			t.Errorf("Chinese %s: local tax revenue not as entered (6.31 亿元)", name)
		}
	}
	u.english()
	_, dash := u.get("/")
	_, period := u.get("/data/periods/2023-01")
	for name, body := range map[string]string{"dashboard": dash, "period": period} {
		for _, want := range []string{"631", "million yuan", "5.498", "billion yuan"} {
			if !strings.Contains(body, want) {
				t.Errorf("English %s lacks %q", name, want)
			}
		}
		for _, unwanted := range []string{"亿元", "万亩", ">个<"} {
			if strings.Contains(body, unwanted) {
				t.Errorf("English %s shows the Chinese unit %q", name, unwanted)
			}
		}
	}
	if !strings.Contains(period, "total passes 20 billion yuan; estimate") {
		t.Error("English period page: the remarks are not joined the English way")
	}
	for _, want := range []string{"Rising to the challenge", "total passes 20 billion yuan"} {
		if !strings.Contains(period, want) || !strings.Contains(dash, want) {
			t.Errorf("English pages lack the dataset's English %q", want)
		}
	}
}

func TestAccountChangesApplyWithoutRestart(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	// admin becomes a viewer (same password: a changed one ends the
	// session, TestSessionsAcrossReplicasAndRestarts), and a new editor is added.
	editAccounts(t, c, func(f *accounts.File) {
		for i := range f.Accounts {
			if f.Accounts[i].Username == "admin" {
				f.Accounts[i].Role = accounts.Viewer
				f.Accounts = append(f.Accounts, accounts.Account{Username: "li-na", Role: accounts.Editor, PasswordHash: f.Accounts[i].PasswordHash})
				break
			}
		}
	})
	deadline := time.Now().Add(3*accounts.PollInterval + 5*time.Second)
	for {
		_, body := u.get("/reports")
		if strings.Contains(body, "只读") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a role change did not apply without a restart")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A new editor is added; admin's session stays.
	h, err := accounts.Hash(editorPassword)
	mustDo(t, err)
	addAccount(t, filepath.Join(c.Dir, "accounts.yaml"), accounts.Account{Username: "li-na", Role: accounts.Editor, PasswordHash: h})
	deadline = time.Now().Add(3*accounts.PollInterval + 5*time.Second)
	for c.newUser(t).signIn("li-na", editorPassword).StatusCode != http.StatusSeeOther {
		if time.Now().After(deadline) {
			t.Fatal("an added account cannot sign in")
		}
		time.Sleep(500 * time.Millisecond)
	}
	if resp := c.newUser(t).signIn("li-na", editorPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("added account cannot sign in: %d", resp.StatusCode)
	}
	if resp, _ := u.get("/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("adding an account ended another's session: %d", resp.StatusCode)
	}
	// Removing an account ends its sessions at once.
	writeAccounts(t, filepath.Join(c.Dir, "accounts.yaml"), map[string]accounts.Role{"li-na": accounts.Editor})
	deadline = time.Now().Add(3*accounts.PollInterval + 5*time.Second)
	for {
		if resp, _ := u.get("/"); resp.StatusCode == http.StatusSeeOther {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a removed account is still signed in")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, body := u.get(p); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	if resp, _ := u.get("/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the pages' port: %d, want 404", resp.StatusCode)
	}
}

func TestMetricsOnTheirOwnPort(t *testing.T) {
	c := newCounty(t, fictional) // for its files
	ready, mready := make(chan string, 1), make(chan string, 1)
	ctx, cancel := contextWithCancel(t)
	done := make(chan error, 1)
	go func() {
		done <- portal.Run(ctx, portal.Options{
			ConfigFile: filepath.Join(c.Dir, "portal.yaml"), AccountsFile: filepath.Join(c.Dir, "accounts.yaml"),
			SessionKeyFile: filepath.Join(c.Dir, "session-key"), Storage: storageCreds(t, c),
			Listen: "127.0.0.1:0", MetricsListen: "127.0.0.1:0",
			Ready: func(a string) { ready <- a }, MetricsReady: func(a string) { mready <- a },
		})
	}()
	addr, maddr := <-ready, <-mready
	for i := 0; i < 3; i++ {
		r, err := http.Get("http://" + addr + "/signin")
		mustDo(t, err)
		r.Body.Close()
	}
	r, err := http.Get("http://" + maddr + "/metrics")
	mustDo(t, err)
	defer r.Body.Close()
	b := new(strings.Builder)
	_, _ = ioCopy(b, r)
	for _, want := range []string{`countyreport_portal_http_requests_total{code="200",method="GET",route="/signin"} 3`, `countyreport_portal_http_request_duration_seconds_bucket{method="GET",route="/signin"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	cancel()
	mustDo(t, <-done)
}

func TestRunNamesTheBadSetting(t *testing.T) {
	c := newCounty(t, fictional)
	good := portal.Options{
		ConfigFile: filepath.Join(c.Dir, "portal.yaml"), AccountsFile: filepath.Join(c.Dir, "accounts.yaml"),
		SessionKeyFile: filepath.Join(c.Dir, "session-key"), Storage: storageCreds(t, c), Listen: "127.0.0.1:0",
	}
	short := filepath.Join(c.Dir, "short-key")
	mustDo(t, os.WriteFile(short, []byte("too short"), 0o600))
	badAcc := filepath.Join(c.Dir, "bad-accounts.yaml")
	mustDo(t, os.WriteFile(badAcc, []byte("accounts:\n- {username: admin, role: root, passwordHash: x}\n"), 0o600))
	tests := map[string]struct {
		mod  func(o *portal.Options)
		want string
	}{
		"no config":      {func(o *portal.Options) { o.ConfigFile = "" }, "--config"},
		"missing config": {func(o *portal.Options) { o.ConfigFile = filepath.Join(c.Dir, "nope.yaml") }, "--config"},
		"no accounts":    {func(o *portal.Options) { o.AccountsFile = "" }, "--accounts"},
		"bad accounts":   {func(o *portal.Options) { o.AccountsFile = badAcc }, "accounts[0].role"},
		"no session key": {func(o *portal.Options) { o.SessionKeyFile = "" }, "--session-key-file"},
		"short key":      {func(o *portal.Options) { o.SessionKeyFile = short }, "at least 32 bytes"},
		"no credentials": {func(o *portal.Options) { o.Storage = storage.Config{} }, "COUNTYREPORT_STORAGE_ACCESS_KEY"},
		"no listen":      {func(o *portal.Options) { o.Listen = "" }, "--listen"},
		"bad listen":     {func(o *portal.Options) { o.Listen = "256.0.0.1:x" }, "--listen"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := good
			tc.mod(&o)
			ctx, cancel := contextWithCancel(t)
			defer cancel()
			err := portal.Run(ctx, o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %q", err, tc.want)
			}
		})
	}
}

// The portal's ServiceAccount, exactly as the operator binds it, against
// the real API server: its own runs and CountyReport, nothing else.
func TestPortalIdentityIsConfinedToItsCounty(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, hengshan)
	ctx := testCtx(t)
	pa, err := client.New(a.Kube, client.Options{Scheme: admin.Scheme()})
	mustDo(t, err)
	// Allowed: its own CountyReport, its own runs.
	mustDo(t, pa.Get(ctx, client.ObjectKey{Namespace: a.Namespace, Name: a.Name}, &v1alpha1.CountyReport{}))
	mustDo(t, pa.List(ctx, &v1alpha1.ReportRunList{}, client.InNamespace(a.Namespace)))
	mustDo(t, pa.Create(ctx, &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "own-", Namespace: a.Namespace},
		Spec:       v1alpha1.ReportRunSpec{CountyReportName: a.Name, Period: "2023-01"},
	}))
	// A second CountyReport in A's own namespace, and B's objects.
	other := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: a.Namespace},
		Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: "999002", Name: "另一县"}}}
	mustDo(t, admin.Create(ctx, other))
	refused := map[string]error{
		"another CountyReport in its namespace": pa.Get(ctx, client.ObjectKeyFromObject(other), &v1alpha1.CountyReport{}),
		"list CountyReports":                    pa.List(ctx, &v1alpha1.CountyReportList{}, client.InNamespace(a.Namespace)),
		"B's CountyReport":                      pa.Get(ctx, client.ObjectKey{Namespace: b.Namespace, Name: b.Name}, &v1alpha1.CountyReport{}),
		"B's ReportRuns":                        pa.List(ctx, &v1alpha1.ReportRunList{}, client.InNamespace(b.Namespace)),
		"a ReportRun in B's namespace": pa.Create(ctx, &v1alpha1.ReportRun{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "attack-", Namespace: b.Namespace},
			Spec:       v1alpha1.ReportRunSpec{CountyReportName: b.Name, Period: "2023-01"},
		}),
		"update its CountyReport": pa.Update(ctx, &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: a.Name, Namespace: a.Namespace}}),
	}
	kc := kubernetes.NewForConfigOrDie(a.Kube)
	_, refused["Secrets in its namespace"] = kc.CoreV1().Secrets(a.Namespace).List(ctx, metav1.ListOptions{})
	_, refused["a Secret by name"] = kc.CoreV1().Secrets(a.Namespace).Get(ctx, "hengshan-storage", metav1.GetOptions{})
	_, refused["B's Secrets"] = kc.CoreV1().Secrets(b.Namespace).List(ctx, metav1.ListOptions{})
	_, refused["ConfigMaps"] = kc.CoreV1().ConfigMaps(a.Namespace).List(ctx, metav1.ListOptions{})
	_, refused["Pods"] = kc.CoreV1().Pods(a.Namespace).List(ctx, metav1.ListOptions{})
	for what, err := range refused {
		if !apierrors.IsForbidden(err) {
			t.Errorf("%s: err = %v, want Forbidden", what, err)
		}
	}
}

// The dashboard shows the run state and the next scheduled run from the
// CountyReport's status, and escapes what the data says.
func TestDashboardRunStateAndEscaping(t *testing.T) {
	c := newCounty(t, fictional)
	ds := c.seedDataset(t, false)
	ds.Meta.Title = "<script>alert('x')</script>测试标题"
	norm, err := ds.Normalized()
	mustDo(t, err)
	_, err = c.Archive.PutDataset(testCtx(t), ds.Meta.Period, norm)
	mustDo(t, err)
	var cr v1alpha1.CountyReport
	mustDo(t, admin.Get(testCtx(t), client.ObjectKey{Namespace: c.Namespace, Name: c.Name}, &cr))
	next := metav1.NewTime(time.Date(2026, 12, 31, 22, 0, 0, 0, time.UTC))
	cr.Status.NextRun, cr.Status.NextRunLocal = &next, "2027-01-01 06:00 Asia/Shanghai"
	mustDo(t, admin.Status().Update(testCtx(t), &cr))

	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := u.get("/")
		if strings.Contains(body, "下次定时生成：2027-01-01 06:00 Asia/Shanghai") {
			if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;测试标题") {
				t.Fatalf("the title is not escaped:\n%s", problemsOf(body))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the next run never showed:\n%s", problemsOf(body))
		}
		time.Sleep(time.Second) // the cached view refreshes within stateTTL
	}
}
