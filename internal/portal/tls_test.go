package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/storage"
)

// Behind an https Ingress (publicURL https://...) cookies are Secure with
// the __Host- prefix and every page carries HSTS. Unit test: nothing here
// reaches storage (the endpoint is never dialled).
func TestUnderTLS(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	h, err := accounts.Hash("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	s, err := newServer(Options{
		ConfigFile:     write("portal.yaml", "namespace: county-hengshan\ncountyReport: hengshan\ncountyCode: \"430423\"\ncountyName: 衡山县\nbucket: b\npublicURL: https://hengshan.example.org/\n"),
		AccountsFile:   write("accounts.yaml", "accounts:\n- {username: admin, role: editor, passwordHash: '"+h+"'}\n"),
		SessionKeyFile: write("key", strings.Repeat("k", 40)),
		Storage:        storage.Config{Endpoint: "127.0.0.1:1", AccessKey: "a", SecretKey: "b", Insecure: true},
		Listen:         "127.0.0.1:0",
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.routes())
	defer srv.Close()
	form := url.Values{"username": {"admin"}, "password": {"a long enough password"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != "__Host-countyreport-session" || !cookies[0].Secure || !cookies[0].HttpOnly ||
		cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].Path != "/" || cookies[0].Domain != "" {
		t.Fatalf("session cookie under TLS: %+v", cookies)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=31536000") {
		t.Fatalf("HSTS = %q", got)
	}
	// A form posted from the public origin itself is allowed (Origin check).
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/lang", strings.NewReader("to=en"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://hengshan.example.org")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode == http.StatusForbidden {
		t.Fatalf("same-site post from the public URL refused: %v %v", err, resp.Status)
	}
}
