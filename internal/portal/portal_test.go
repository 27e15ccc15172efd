package portal

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/tenant"
)

func TestParseConfig(t *testing.T) {
	tests := map[string]struct {
		yaml    string
		wantErr string
	}{
		"complete":      {yaml: "countyCode: \"430423\"\ncountyName: 衡山县\nlanguage: zh-CN\nbucket: b\n"},
		"missing name":  {yaml: "countyCode: \"430423\"\n", wantErr: "required"},
		"unknown field": {yaml: "countyCode: \"430423\"\ncountyName: 衡山县\nadminPassword: x\n", wantErr: "adminPassword"},
		"not YAML":      {yaml: "countyCode: [", wantErr: "yaml"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("countyCode: \"430423\"\ncountyName: 衡山县\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err == nil && (c.CountyCode == "" || c.CountyName == "") {
			t.Fatalf("accepted a configuration without a county: %+v", c)
		}
	})
}

func TestHomePageNamesTheCountyEscaped(t *testing.T) {
	r := NewRouter(&tenant.PortalConfig{CountyCode: "430423", CountyName: "衡山县<script>", Language: "zh-CN"})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "衡山县&lt;script&gt;") || strings.Contains(body, "衡山县<script>") {
		t.Fatalf("status %d, body:\n%s", w.Code, body)
	}
	if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("security headers missing: %v", w.Header())
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
}

// TestRunServesUntilCancelled drives the library entry point: it listens on
// the address asked for, reports the one it got, serves the county's page and
// stops when its context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	dir := t.TempDir()
	cfgFile := dir + "/portal.yaml"
	if err := os.WriteFile(cfgFile, []byte("countyCode: \"430423\"\ncountyName: 衡山县\nlanguage: zh-CN\nbucket: countyreport-430423\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{ConfigFile: cfgFile, Listen: "127.0.0.1:0", Ready: func(a string) { addrc <- a }})
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "衡山县") {
		t.Fatalf("GET / = %d %q", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Fatal("the portal still answers after its context ended")
	}
}
