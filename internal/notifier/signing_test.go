package notifier

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/signing"
)

func TestSigningEvent(t *testing.T) {
	base := notify.Event{Tenant: "430422", TenantName: "衡南县"}
	tests := map[string]struct {
		end  time.Time
		want bool
	}{
		"renewed in time (40 days left)":   {now.Add(40 * 24 * time.Hour), false},
		"renewal window, not yet warned":   {now.Add(20 * 24 * time.Hour), false},
		"not renewed, 10 days left":        {now.Add(10 * 24 * time.Hour), true},
		"ended yesterday":                  {now.Add(-24 * time.Hour), true},
		"ended long ago: no longer news":   {now.Add(-8 * 24 * time.Hour), false},
		"exactly at the warning threshold": {now.Add(signingWarnWithin), true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, ok := signingEvent(base, tc.end, now, "county-hengnan/hengnan-signing", "")
			if ok != tc.want {
				t.Fatalf("due = %v, want %v", ok, tc.want)
			}
			if ok && (!strings.HasPrefix(e.Ref, "signing-") || e.Validate() != nil || !strings.Contains(e.Reason, "hengnan-signing")) {
				t.Errorf("event %+v (%v)", e, e.Validate())
			}
		})
	}
}

// signingSecret stores a made-up signing certificate for owner in
// namespace, ending at end (issued by a test CA, fixed dates).
func signingSecret(t *testing.T, namespace, owner string, end time.Time) {
	t.Helper()
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := signing.NewCA("test CA (made up)", start, start.AddDate(5, 0, 0))
	must(t, err)
	kp, err := ca.Issue(signing.Tenant{Code: "999999", Name: "测试县", Kind: "county"}, start, end)
	must(t, err)
	data, err := signing.EncodeKeyPair(kp)
	must(t, err)
	must(t, kube.Create(context.Background(), signing.TenantSecret(namespace, signing.SecretName(owner), nil, data)))
}

// TestSigningCertificateExpiring: a county's signing certificate that the
// operator failed to renew reaches municipal IT's route once (with the
// test's clock), and so do another county's storage credentials that were
// not renewed; that county's certificate is fine, and the city hears
// nothing.
func TestSigningCertificateExpiring(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	it := v1alpha1.NotificationRoute{Events: []v1alpha1.NotificationEvent{"credentials_expiring"}, Channel: "office",
		To: []v1alpha1.NotificationRecipient{{Address: "it-signing@hengyang.example.org"}}}
	for _, c := range []*v1alpha1.CountyReport{w.hengnan, w.qidong} {
		c.Spec.Notifications.Routes = append(c.Spec.Notifications.Routes, it)
		must(t, kube.Update(ctx, c))
	}
	signingSecret(t, w.hengnan.Namespace, w.hengnan.Name, now.Add(9*24*time.Hour))
	signingSecret(t, w.qidong.Namespace, w.qidong.Name, now.Add(200*24*time.Hour))
	// Hengnan's certificate in Qidong's namespace under another name: not Qidong's.
	signingSecret(t, w.qidong.Namespace, "someone-else", now.Add(24*time.Hour))
	w.qidong.Status.CredentialsExpireAt = &metav1.Time{Time: now.Add(10 * time.Hour)}
	must(t, kube.Status().Update(ctx, w.qidong))
	for _, owner := range []string{"a", "a", "b"} {
		n := w.notifier(owner)
		n.CredentialsTTL = 6 * 24 * time.Hour // renewed with 2 days left; warned with 1
		must(t, n.Pass(ctx))
	}
	got := w.mails(t, "it-signing@hengyang.example.org")
	subjects := map[string]string{}
	for _, m := range got {
		subjects[m.Subject] = m.ID
	}
	hengnan, qidong := "【即将过期】衡南县 的凭据将于 2023年2月16日 18:00 过期", "【即将过期】祁东县 的凭据将于 2023年2月8日 04:00 过期"
	if len(got) != 2 || subjects[hengnan] == "" || subjects[qidong] == "" {
		t.Fatalf("municipal IT received %+v, want Hengnan's certificate and Qidong's credentials, once each", got)
	}
	m, err := w.mail.Message(subjects[hengnan])
	must(t, err)
	if !strings.Contains(m.Text, w.hengnan.Namespace+"/hengnan-signing") {
		t.Errorf("the mail does not name the Secret:\n%s", m.Text)
	}
	for _, m := range w.mails(t, "review@hengyang.example.org") {
		if strings.Contains(m.Subject, "过期】") && !strings.Contains(m.Subject, "逾期") {
			t.Errorf("the city received %q", m.Subject)
		}
	}
}
