package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/notify/mailpittest"
)

// selfSigned writes a certificate for 127.0.0.1 and returns its files and a pool trusting it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailpit test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: fixedNow.AddDate(-1, 0, 0), NotAfter: fixedNow.AddDate(30, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return certFile, keyFile, pool
}

// testPDF is a made-up one-page PDF for attachment tests, not a real report.
var testPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// mailSettings are a mail channel to srv over STARTTLS with auth.
func mailSettings(srv *mailpittest.Server, pool *x509.CertPool, password string) Settings {
	return Settings{Type: TypeMail, Host: srv.SMTPHost, Port: srv.SMTPPort, Security: "starttls",
		Username: "countyreport", Password: password, From: "reports@city.example.org",
		RootCAs: pool, Policy: loopback, Clock: clock}
}

// TestMailToMailpit: a Chinese subject and a PDF attachment reach a real
// mail server over STARTTLS with authentication, once per recipient, each in
// the recipient's language, with the Message-ID from the idempotency key.
func TestMailToMailpit(t *testing.T) {
	cert, key, pool := selfSigned(t)
	srv := mailpittest.Start(t, mailpittest.Options{CertFile: cert, KeyFile: key, Auth: "countyreport:s3cret-for-tests"})
	ch, err := New(mailSettings(srv, pool, "s3cret-for-tests"))
	if err != nil {
		t.Fatal(err)
	}
	e := sample(EventPublished)
	e.Attachment = &Attachment{Name: "衡南县-2023-01.pdf", ContentType: "application/pdf", Data: testPDF}
	recipients := map[string]string{"zhang@hengnan.example.org": "zh-CN", "li@hengnan.example.org": "en"}
	for to, lang := range recipients {
		m, err := Render(e, lang, e.Key()+"."+to)
		if err != nil {
			t.Fatal(err)
		}
		m.To = to
		if err := ch.Send(context.Background(), m); err != nil {
			t.Fatalf("send to %s: %v", to, err)
		}
	}
	wantSubject := map[string]string{"zh-CN": "【报告发布】衡南县 2023-01 月度报告已发布", "en": "Published: Hengnan County's report for 2023-01"}
	for to, lang := range recipients {
		list, err := srv.Messages("to:" + to)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Fatalf("%s received %d mails, want 1", to, len(list))
		}
		m, err := srv.Message(list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != wantSubject[lang] {
			t.Errorf("%s: subject %q, want %q", to, m.Subject, wantSubject[lang])
		}
		if want := strings.NewReplacer("@", "-").Replace(e.Key()+"."+to) + "@city.example.org"; m.MessageID != want {
			t.Errorf("%s: Message-ID %q, want %q", to, m.MessageID, want)
		}
		if !m.Date.Equal(fixedNow) {
			t.Errorf("%s: Date %v, want %v", to, m.Date, fixedNow)
		}
		if !strings.Contains(m.Text, "https://hengnan.example.org/data/periods/2023-01") || !strings.Contains(m.HTML, `href="https://hengnan.example.org/data/periods/2023-01"`) {
			t.Errorf("%s: plain text or HTML lacks the portal link:\n%s\n%s", to, m.Text, m.HTML)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].FileName != "衡南县-2023-01.pdf" || m.Attachments[0].ContentType != "application/pdf" {
			t.Fatalf("%s: attachments %+v, want the PDF", to, m.Attachments)
		}
		data, err := srv.Part(m.ID, m.Attachments[0].PartID)
		if err != nil || !bytes.Equal(data, testPDF) {
			t.Errorf("%s: attachment bytes differ (%v)", to, err)
		}
		h, err := srv.Headers(m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := h["Content-Language"]; len(got) != 1 || got[0] != lang {
			t.Errorf("%s: Content-Language %v, want %s", to, got, lang)
		}
		if got := strings.Join(h["Subject"], ""); lang == "zh-CN" && !strings.HasPrefix(got, "=?UTF-8?") {
			t.Errorf("%s: raw Subject %q is not a UTF-8 encoded-word", to, got)
		}
	}
}

// TestMailBadPasswordDisables: the server refusing the login is a bad key.
func TestMailBadPasswordDisables(t *testing.T) {
	cert, key, pool := selfSigned(t)
	srv := mailpittest.Start(t, mailpittest.Options{CertFile: cert, KeyFile: key, Auth: "countyreport:right"})
	ch, err := New(mailSettings(srv, pool, "wrong"))
	if err != nil {
		t.Fatal(err)
	}
	m := rendered(t, EventTest, "zh-CN")
	m.To = "it@city.example.org"
	err = ch.Send(context.Background(), m)
	if e := Classify(err); err == nil || !e.Disable {
		t.Fatalf("send with a wrong password: %v, want the channel disabled", err)
	}
	if list, _ := srv.Messages(""); len(list) != 0 {
		t.Errorf("%d mails arrived", len(list))
	}
}

// TestMailRefusesUntrustedServer: STARTTLS to a certificate nobody trusts fails
// before the password is sent.
func TestMailRefusesUntrustedServer(t *testing.T) {
	cert, key, _ := selfSigned(t)
	srv := mailpittest.Start(t, mailpittest.Options{CertFile: cert, KeyFile: key, Auth: "countyreport:right"})
	ch, err := New(mailSettings(srv, x509.NewCertPool(), "right"))
	if err != nil {
		t.Fatal(err)
	}
	m := rendered(t, EventTest, "zh-CN")
	m.To = "it@city.example.org"
	if err := ch.Send(context.Background(), m); err == nil {
		t.Fatal("sent over TLS to an untrusted certificate")
	}
}
