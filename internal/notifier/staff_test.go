package notifier

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/review"
)

func TestMergeStaff(t *testing.T) {
	file := &accounts.File{Accounts: []accounts.Account{
		{Username: "zhang", Role: accounts.Editor, Email: "zhang@file.example.org", Language: "en"},
		{Username: "li", Role: accounts.Viewer},
	}}
	profiles := map[string]accounts.Profile{
		"zhang":   {Username: "zhang", Role: accounts.Editor, Email: "zhang@own.example.org", Language: "zh-CN"},
		"li":      {Username: "li", Role: accounts.Editor, Email: "li@own.example.org", Language: "en"}, // saved as editor, now a viewer
		"ssouser": {Username: "ssouser", Role: accounts.Editor, Email: "sso@own.example.org", Language: "zh-CN"},
	}
	byName := func(ps []accounts.Profile) map[string]accounts.Profile {
		m := map[string]accounts.Profile{}
		for _, p := range ps {
			m[p.Username] = p
		}
		return m
	}
	got := byName(mergeStaff(file, profiles, false))
	if len(got) != 2 || got["zhang"].Email != "zhang@own.example.org" || got["zhang"].Language != "zh-CN" || got["li"].Role != accounts.Viewer {
		t.Errorf("without single sign-on: %+v", got)
	}
	if got = byName(mergeStaff(file, profiles, true)); len(got) != 3 || got["ssouser"].Email != "sso@own.example.org" {
		t.Errorf("with single sign-on: %+v", got)
	}
	if got = byName(mergeStaff(nil, profiles, false)); len(got) != 3 || got["li"].Role != accounts.Editor {
		t.Errorf("no accounts Secret yet: %+v", got)
	}
	if got = byName(mergeStaff(file, nil, false)); got["zhang"].Email != "zhang@file.example.org" || got["zhang"].Language != "en" {
		t.Errorf("the file's address without a profile: %+v", got)
	}
}

func TestRecipientsWithStaff(t *testing.T) {
	staff := []accounts.Profile{
		{Username: "wang", Role: accounts.Viewer, Email: "wang@example.org", Language: "zh-CN"},
		{Username: "li", Role: accounts.Editor, Email: "li@example.org", Language: "en"},
		{Username: "zhao", Role: accounts.Editor, Language: "zh-CN"}, // wants no mail
		{Username: "zhang", Role: accounts.Editor, Email: "a@example.org", Language: "en"},
	}
	spec := func(which string) *v1alpha1.NotificationsSpec {
		return &v1alpha1.NotificationsSpec{
			Channels: []v1alpha1.NotificationChannel{{Name: "office", Type: "mail"}},
			Routes: []v1alpha1.NotificationRoute{{Events: []v1alpha1.NotificationEvent{"returned"}, Channel: "office", Staff: which,
				To: []v1alpha1.NotificationRecipient{{Address: "a@example.org"}}}},
		}
	}
	mail := func(to, lang string) notify.Recipient {
		return notify.Recipient{Channel: "office", ChannelType: "mail", To: to, Lang: lang}
	}
	tests := map[string]struct {
		which string
		want  []notify.Recipient
	}{
		"no staff":    {"", []notify.Recipient{mail("a@example.org", "zh-CN")}},
		"editors":     {"editors", []notify.Recipient{mail("a@example.org", "zh-CN"), mail("li@example.org", "en"), mail("a@example.org", "en")}},
		"all, sorted": {"all", []notify.Recipient{mail("a@example.org", "zh-CN"), mail("li@example.org", "en"), mail("wang@example.org", "zh-CN"), mail("a@example.org", "en")}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			calls := 0
			got := recipients(spec(tc.which), notify.EventReturned, func() []accounts.Profile { calls++; return staff })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if tc.which == "" && calls != 0 {
				t.Error("listed the staff for a route without staff")
			}
		})
	}
}

// saveProfile stores p in bucket as the portal's account page does.
func saveProfile(t *testing.T, w *world, bucket, key string, p accounts.Profile) {
	t.Helper()
	p.Updated = now
	data, err := p.Marshal()
	must(t, err)
	must(t, w.admin.Archive(bucket).PutStaffProfile(context.Background(), key, data))
}

// TestStaffReadTheirOwnLanguage: two Hengnan staff gave their addresses on
// the account page, one in Chinese and one in English, and a third has
// hers in the accounts file; the city returns Hengnan's submission; each
// gets one mail in their language (besides the manifest's addresses),
// across passes and a restart. Qidong's staff, a viewer on an editors-only
// route, an account removed from the file and a profile stored under
// another account's name get nothing.
func TestStaffReadTheirOwnLanguage(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.hengnan.Spec.Notifications.Routes[0].Staff = "editors"
	must(t, kube.Update(ctx, w.hengnan))
	w.qidong.Spec.Notifications.Routes[0].Staff = "all"
	must(t, kube.Update(ctx, w.qidong))

	hb, qb := w.hengnan.Status.Bucket, w.qidong.Status.Bucket
	saveProfile(t, w, hb, "zhangsan", accounts.Profile{Username: "zhangsan", Role: accounts.Editor, Email: "zhangsan@hengnan.example.org", Language: "zh-CN"})
	saveProfile(t, w, hb, "lisi", accounts.Profile{Username: "lisi", Role: accounts.Editor, Email: "lisi@hengnan.example.org", Language: "en"})
	saveProfile(t, w, hb, "wangwu", accounts.Profile{Username: "wangwu", Role: accounts.Viewer, Email: "wangwu@hengnan.example.org", Language: "zh-CN"})
	saveProfile(t, w, hb, "mallory", accounts.Profile{Username: "zhangsan", Role: accounts.Editor, Email: "mallory@elsewhere.example.org", Language: "zh-CN"})
	saveProfile(t, w, hb, "departed", accounts.Profile{Username: "departed", Role: accounts.Editor, Email: "departed@hengnan.example.org", Language: "zh-CN"})
	hash, err := accounts.Hash("made-up test password")
	must(t, err)
	file := "accounts:\n"
	for _, a := range []string{"zhangsan, role: editor", "lisi, role: editor", "wangwu, role: viewer",
		"zhaoliu, role: editor, email: zhaoliu@hengnan.example.org, language: en"} {
		file += "- {username: " + a + ", passwordHash: '" + hash + "'}\n"
	}
	must(t, kube.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "hengnan-portal", Namespace: w.hengnan.Namespace},
		StringData: map[string]string{"accounts.yaml": file}}))
	saveProfile(t, w, qb, "qidongstaff", accounts.Profile{Username: "qidongstaff", Role: accounts.Editor, Email: "staff@qidong.example.org", Language: "zh-CN"})

	hengnan := w.admin.Archive(hb)
	ds, err := hengnan.PutDataset(ctx, "2023-01", []byte(`{"test":"fixture"}`))
	must(t, err)
	_, err = review.Append(ctx, hengnan, "2023-01", review.Entry{Verdict: review.VerdictReturned, By: "shenhe",
		At: now.Add(-time.Hour), Comment: "一般公共预算收入请核实（测试用意见）。", DatasetSHA256: ds.SHA256,
		DatasetVersion: ds.VersionID, Binding: review.BindingCityRead})
	must(t, err)
	for _, owner := range []string{"a", "a", "after-a-restart"} {
		must(t, w.notifier(owner).Pass(ctx))
	}
	want := map[string]string{
		"zhangsan@hengnan.example.org": "【退回】衡南县 2023-01 数据被退回",
		"lisi@hengnan.example.org":     "Returned: Hengnan County's figures for 2023-01",
		"zhaoliu@hengnan.example.org":  "Returned: Hengnan County's figures for 2023-01",
	}
	for to, subject := range want {
		got := w.mails(t, to)
		if len(got) != 1 || got[0].Subject != subject {
			t.Fatalf("%s received %+v, want one %q", to, got, subject)
		}
		m, err := w.mail.Message(got[0].ID)
		must(t, err)
		if !strings.Contains(m.Text, "一般公共预算收入请核实") {
			t.Errorf("%s: the comment is missing:\n%s", to, m.Text)
		}
	}
	for _, to := range []string{"wangwu@hengnan.example.org", "mallory@elsewhere.example.org", "departed@hengnan.example.org"} {
		if got := w.mails(t, to); len(got) != 0 {
			t.Errorf("%s received %+v", to, got)
		}
	}
	for _, m := range w.mails(t, "staff@qidong.example.org") {
		if strings.Contains(m.Subject, "衡南县") {
			t.Errorf("Qidong's staff received %q", m.Subject)
		}
	}
}
