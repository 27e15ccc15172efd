package portal_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/limits"
)

// heapAfterGC is the live heap of this process (the portal runs in it).
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Anonymous sign-ins with huge usernames are refused before the name is
// used: a body past limits.FormBytes gets 413 without being read, a name
// past limits.UsernameBytes is neither a throttle key nor logged nor shown
// (15 sign-ins with 19 MB usernames held +443 MiB and wrote 271 MB of log).
func TestSignInBounded(t *testing.T) {
	c := newCounty(t, fictional)
	huge := strings.Repeat("x", 19<<20)
	var before uint64
	for i := range 15 {
		if i == 1 { // after one round: connections and buffers are warm
			before = heapAfterGC()
		}
		for _, chunked := range []bool{false, true} {
			body := io.Reader(strings.NewReader("username=" + huge + "&password=p"))
			if chunked {
				body = io.MultiReader(body) // no Content-Length: cut off while read
			}
			req, err := http.NewRequest(http.MethodPost, c.URL+"/signin", body)
			mustDo(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if chunked && err != nil && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
				// The server answered 413 after the first 64 KiB and closed
				// the connection while this client was still sending.
				continue
			}
			if err != nil {
				t.Fatalf("sign-in %d (chunked %v): %v", i, chunked, err)
			}
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "请求过大（上限 64 KiB）") {
				t.Fatalf("sign-in %d with a 19 MB username (chunked %v): %d %s", i, chunked, resp.StatusCode, msg)
			}
		}
	}
	huge = ""
	// Other tests' portals may still be winding down in this process: the
	// budget is far below what one name held per sign-in would be (266 MiB).
	if held := int64(heapAfterGC()) - int64(before); held > 64<<20 {
		t.Errorf("the portal holds %d MiB more after 28 refused sign-ins", held>>20)
	}
	if n := len(c.Logs.String()); n > 256<<10 {
		t.Errorf("the refused sign-ins wrote %d KiB of log", n>>10)
	}

	long := strings.Repeat("y", limits.UsernameBytes+1)
	u := c.newUser(t)
	resp, page := u.post("/signin", url.Values{"username": {long}, "password": {"p"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "用户名或密码不正确") {
		t.Fatalf("a %d-byte username: %d", len(long), resp.StatusCode)
	}
	if strings.Contains(page, long) || strings.Contains(c.Logs.String(), long) {
		t.Error("a username past the limit was echoed into the page or the log")
	}
	// The real account is not throttled by it.
	if resp := u.signIn("admin", editorPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the real sign-in after the attack: %d", resp.StatusCode)
	}
}

// "Generate now" cannot queue unbounded runs: twenty posts at once for one
// period make one ReportRun and the others are told it is running; past
// limits.ManualRunsPerCounty periods waiting, a further one is refused.
func TestGenerateNowBounded(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	if resp := u.signIn("admin", editorPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	codes := make(chan int, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			resp, _ := u.post("/reports/generate", url.Values{"period": {"2023-01"}})
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for code := range codes {
		got[code]++
	}
	if got[http.StatusSeeOther] != 1 || got[http.StatusConflict] != 19 {
		t.Fatalf("20 posts at once: %v, want one 303 and nineteen 409", got)
	}
	resp, body := u.post("/reports/generate", url.Values{"period": {"2023-01"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "2023-01 的报告正在生成") {
		t.Fatalf("the same period again: %d\n%s", resp.StatusCode, body)
	}
	periods := []string{"2022-11", "2022-12"}
	for i, p := range periods[:limits.ManualRunsPerCounty-1] {
		if resp, _ := u.post("/reports/generate", url.Values{"period": {p}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("run %d (%s): %d", i+2, p, resp.StatusCode)
		}
	}
	resp, body = u.post("/reports/generate", url.Values{"period": {"2022-10"}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "请等它们完成后再试") {
		t.Fatalf("past the limit: %d\n%s", resp.StatusCode, body)
	}
	var runs v1alpha1.ReportRunList
	mustDo(t, admin.List(testCtx(t), &runs, client.InNamespace(c.Namespace)))
	if len(runs.Items) != limits.ManualRunsPerCounty {
		t.Fatalf("%d ReportRuns, want %d", len(runs.Items), limits.ManualRunsPerCounty)
	}
}
