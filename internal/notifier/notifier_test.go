package notifier

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/notify/mailpittest"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// now is the test's clock: 7 February 2023, after January's deadline (5 February).
var now = time.Date(2023, 2, 7, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

type world struct {
	admin           *storage.Client
	mail            *mailpittest.Server
	hengnan, qidong *v1alpha1.CountyReport
	city            *v1alpha1.CityReport
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mailRoute sends events to addresses through the tenant's mail channel.
func mailRoute(mail *mailpittest.Server, events []v1alpha1.NotificationEvent, to ...v1alpha1.NotificationRecipient) *v1alpha1.NotificationsSpec {
	return &v1alpha1.NotificationsSpec{
		Channels: []v1alpha1.NotificationChannel{{Name: "office", Type: "mail",
			Mail: &v1alpha1.MailServer{Host: mail.SMTPHost, Port: int32(mail.SMTPPort), Security: "none", From: "reports@hengyang.example.org"}}},
		Routes:             []v1alpha1.NotificationRoute{{Events: events, Channel: "office", To: to}},
		ReminderDaysBefore: 3,
	}
}

// county creates a made-up-data county tenant with its bucket, as the operator would.
func county(t *testing.T, w *world, slug, code, name, en string, spec *v1alpha1.NotificationsSpec) *v1alpha1.CountyReport {
	ctx := context.Background()
	ns := "county-" + slug + "-" + strings.ToLower(t.Name()[len(t.Name())-4:])
	must(t, kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	c := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: slug, Namespace: ns},
		Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: code, Name: name, EnglishName: en, City: "衡阳市"},
			CityRef: &v1alpha1.CityReference{Name: "hengyang"}, Notifications: spec}}
	must(t, kube.Create(ctx, c))
	t.Cleanup(func() { _ = kube.Delete(context.Background(), c) }) // before its bucket goes
	c.Status.Bucket = needMinIO(t).NewBucket(t)
	c.Status.PortalURL = "http://" + slug + ".portal.example.org"
	must(t, kube.Status().Update(ctx, c))
	return c
}

func newWorld(t *testing.T) *world {
	ctx := context.Background()
	w := &world{mail: mailpittest.Start(t, mailpittest.Options{})}
	var err error
	w.admin, err = storage.New(needMinIO(t).RootConfig())
	must(t, err)
	w.hengnan = county(t, w, "hengnan", "430422", "衡南县", "Hengnan County",
		mailRoute(w.mail, []v1alpha1.NotificationEvent{"returned", "accepted", "overdue"},
			v1alpha1.NotificationRecipient{Address: "zhang@hengnan.example.org", Language: "zh-CN"},
			v1alpha1.NotificationRecipient{Address: "li@hengnan.example.org", Language: "en"}))
	w.qidong = county(t, w, "qidong", "430426", "祁东县", "Qidong County",
		mailRoute(w.mail, []v1alpha1.NotificationEvent{"returned", "accepted", "overdue", "reminder", "published"},
			v1alpha1.NotificationRecipient{Address: "office@qidong.example.org"}))
	w.city = &v1alpha1.CityReport{ObjectMeta: metav1.ObjectMeta{Name: "hengyang"},
		Spec: v1alpha1.CityReportSpec{City: v1alpha1.CityIdentity{Code: "430400", Name: "衡阳市", EnglishName: "Hengyang City"},
			Notifications: mailRoute(w.mail, []v1alpha1.NotificationEvent{"submitted", "resubmitted", "overdue"},
				v1alpha1.NotificationRecipient{Address: "review@hengyang.example.org"})}}
	must(t, kube.Create(ctx, w.city))
	t.Cleanup(func() { _ = kube.Delete(context.Background(), w.city) })
	w.city.Status.Namespace, w.city.Status.Bucket = "default", minio.NewBucket(t)
	for _, c := range []*v1alpha1.CountyReport{w.hengnan, w.qidong} {
		w.city.Status.Members = append(w.city.Status.Members, v1alpha1.MemberStatus{Code: c.Spec.County.Code, Name: c.Spec.County.Name,
			Namespace: c.Namespace, CountyReport: c.Name, Bucket: c.Status.Bucket})
	}
	must(t, kube.Status().Update(ctx, w.city))
	return w
}

func (w *world) notifier(owner string) *Notifier {
	return &Notifier{Client: kube, Reader: kube, Storage: w.admin, Policy: notify.TargetPolicy{AllowPrivate: true},
		Clock: clock, Sender: &notify.Sender{Owner: owner, Clock: clock}}
}

// mails lists what arrived for address.
func (w *world) mails(t *testing.T, address string) []mailpittest.Summary {
	t.Helper()
	list, err := w.mail.Messages("to:" + address)
	must(t, err)
	return list
}

// TestReturnedReachesTheCountyOnce is the path the issue names: the city
// returns Hengnan's 2023-01 submission; Hengnan's staff get the comment by
// mail, each in their language, once, across restarts; nobody else does.
func TestReturnedReachesTheCountyOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	hengnan := w.admin.Archive(w.hengnan.Status.Bucket)
	// Made-up figures and comment for the test.
	ds, err := hengnan.PutDataset(ctx, "2023-01", []byte(`{"test":"fixture"}`))
	must(t, err)
	_, err = review.Append(ctx, hengnan, "2023-01", review.Entry{Verdict: review.VerdictReturned, By: "市统计局审核员",
		At: now.Add(-time.Hour), Comment: "一般公共预算收入与财政局口径不一致，请核实后重报。", DatasetSHA256: ds.SHA256,
		DatasetVersion: ds.VersionID, Binding: review.BindingCityRead})
	must(t, err)

	for _, owner := range []string{"first", "first", "after-a-restart"} {
		must(t, w.notifier(owner).Pass(ctx))
	}

	want := map[string]string{"zhang@hengnan.example.org": "【退回】衡南县 2023-01 数据被退回", "li@hengnan.example.org": "Returned: Hengnan County's figures for 2023-01"}
	for to, subject := range want {
		got := w.mails(t, to)
		if len(got) != 1 {
			t.Fatalf("%s received %d mails, want 1", to, len(got))
		}
		m, err := w.mail.Message(got[0].ID)
		must(t, err)
		if m.Subject != subject || !strings.Contains(m.Text, "一般公共预算收入与财政局口径不一致") || !strings.Contains(m.Text, "http://hengnan.portal.example.org/data/periods/2023-01") {
			t.Errorf("%s: subject %q, text:\n%s", to, m.Subject, m.Text)
		}
	}
	// Qidong did not submit: its overdue notice only; the city hears of Qidong's overdue, not Hengnan's return.
	for _, m := range w.mails(t, "office@qidong.example.org") {
		if !strings.HasPrefix(m.Subject, "【逾期】") {
			t.Errorf("Qidong received %q", m.Subject)
		}
	}
	for _, m := range w.mails(t, "review@hengyang.example.org") {
		if strings.Contains(m.Subject, "退回") || strings.Contains(m.Subject, "衡南县") {
			t.Errorf("the city received %q", m.Subject)
		}
	}
	// The log Hengnan's portal shows.
	log, err := notify.Log(ctx, hengnan, 100)
	must(t, err)
	if len(log) != 2 || log[0].State != notify.StateDelivered || log[1].State != notify.StateDelivered {
		t.Errorf("Hengnan's log: %+v, want 2 delivered", log)
	}
}

// TestScheduleEvents: the reminder three days before the deadline, the
// overdue notice to the county and the city, the submission to the city;
// each once however often the schedule is re-evaluated.
func TestScheduleEvents(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	n := w.notifier("a")
	reminderDay := time.Date(2023, 2, 3, 9, 0, 0, 0, time.UTC) // deadline: end of 5 Feb, Asia/Shanghai
	n.Clock = func() time.Time { return reminderDay }
	n.Sender.Clock = n.Clock
	must(t, n.Pass(ctx))
	must(t, n.Pass(ctx))
	if got := w.mails(t, "office@qidong.example.org"); len(got) != 1 || got[0].Subject != "【催报】祁东县 2023-01 数据请于 2023年2月6日 00:00 前报送" {
		t.Fatalf("Qidong's reminder: %+v", got)
	}
	n.Clock = clock
	n.Sender.Clock = clock
	must(t, n.Pass(ctx))
	must(t, n.Pass(ctx))
	if got := w.mails(t, "office@qidong.example.org"); len(got) != 2 {
		t.Fatalf("Qidong has %d mails, want the reminder and the overdue notice", len(got))
	}
	city := w.mails(t, "review@hengyang.example.org")
	subjects := map[string]bool{}
	for _, m := range city {
		subjects[m.Subject] = true
	}
	if len(city) != 2 || !subjects["【逾期】祁东县 2023-01 数据逾期未报"] || !subjects["【逾期】衡南县 2023-01 数据逾期未报"] {
		t.Fatalf("the city received %v", subjects)
	}
	// Hengnan submits late: the city hears once.
	_, err := w.admin.Archive(w.hengnan.Status.Bucket).PutDataset(ctx, "2023-01", []byte(`{"test":"fixture"}`))
	must(t, err)
	// MinIO stamps the dataset with its own time, after the test's clock:
	// still "recent" (not older than 7 days), so announced.
	must(t, n.Pass(ctx))
	must(t, n.Pass(ctx))
	if got := len(w.mails(t, "review@hengyang.example.org")); got != 3 {
		t.Errorf("the city has %d mails after Hengnan submitted, want 3", got)
	}
}

// TestChannelSettingsRefusedByField: the API server refuses bad channels and routes, naming the field.
func TestChannelSettingsRefusedByField(t *testing.T) {
	ctx := context.Background()
	ns := "county-refused"
	must(t, kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	base := func(n *v1alpha1.NotificationsSpec) *v1alpha1.CountyReport {
		return &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{GenerateName: "c-", Namespace: ns},
			Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: "999001", Name: "样例县", City: "样例市"}, Notifications: n}}
	}
	mail := &v1alpha1.MailServer{Host: "smtp.example.org", From: "a@example.org"}
	tests := map[string]struct {
		spec *v1alpha1.NotificationsSpec
		want string
	}{
		"route to an unknown channel": {&v1alpha1.NotificationsSpec{
			Routes: []v1alpha1.NotificationRoute{{Events: []v1alpha1.NotificationEvent{"returned"}, Channel: "nope"}}}, "notifications.routes[].channel"},
		"mail without its server": {&v1alpha1.NotificationsSpec{
			Channels: []v1alpha1.NotificationChannel{{Name: "m", Type: "mail"}}}, "notifications.channels[].mail"},
		"robot without its Secret": {&v1alpha1.NotificationsSpec{
			Channels: []v1alpha1.NotificationChannel{{Name: "g", Type: "wecom"}}}, "notifications.channels[].secretName"},
		"unknown type": {&v1alpha1.NotificationsSpec{
			Channels: []v1alpha1.NotificationChannel{{Name: "s", Type: "sms", SecretName: "x"}}}, "type"},
		"addresses on a robot": {&v1alpha1.NotificationsSpec{
			Channels: []v1alpha1.NotificationChannel{{Name: "g", Type: "dingtalk", SecretName: "x"}},
			Routes: []v1alpha1.NotificationRoute{{Events: []v1alpha1.NotificationEvent{"returned"}, Channel: "g",
				To: []v1alpha1.NotificationRecipient{{Address: "a@example.org"}}}}}, "notifications.routes[].to"},
		"unknown event": {&v1alpha1.NotificationsSpec{
			Channels: []v1alpha1.NotificationChannel{{Name: "m", Type: "mail", Mail: mail}},
			Routes:   []v1alpha1.NotificationRoute{{Events: []v1alpha1.NotificationEvent{"lunch"}, Channel: "m"}}}, "events"},
		"bad address": {&v1alpha1.NotificationsSpec{
			Channels: []v1alpha1.NotificationChannel{{Name: "m", Type: "mail", Mail: mail}},
			Routes: []v1alpha1.NotificationRoute{{Events: []v1alpha1.NotificationEvent{"returned"}, Channel: "m",
				To: []v1alpha1.NotificationRecipient{{Address: "张三"}}}}}, "address"},
		"a password in the spec has nowhere to go": {&v1alpha1.NotificationsSpec{
			Channels: []v1alpha1.NotificationChannel{{Name: "m", Type: "mail", Mail: &v1alpha1.MailServer{Host: "smtp.example.org:25", From: "a@example.org"}}}}, "host"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := kube.Create(ctx, base(tc.spec))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("create: %v, want a refusal naming %q", err, tc.want)
			}
		})
	}
}

// TestChannelsReadOnlyTheirOwnNamespace: a channel's Secret is looked up in
// the tenant's namespace only; a same-named Secret elsewhere is not used.
func TestChannelsReadOnlyTheirOwnNamespace(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []string{"county-owner", "county-other"} {
		must(t, kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	must(t, kube.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "robot", Namespace: "county-other"},
		StringData: map[string]string{"key": "someone-elses-key"}}))
	n := &Notifier{Reader: kube, Policy: notify.TargetPolicy{AllowPrivate: true}, Clock: clock}
	spec := &v1alpha1.NotificationsSpec{Channels: []v1alpha1.NotificationChannel{{Name: "g", Type: "wecom", SecretName: "robot"}}}
	chans, _, broken := n.channels(ctx, "county-owner", spec)
	if len(chans) != 0 || broken["g"] == nil || !strings.Contains(broken["g"].Error(), "county-owner/robot") {
		t.Fatalf("channels %v, broken %v: want the channel unusable, its Secret looked up in county-owner", chans, broken)
	}
	var list corev1.SecretList
	must(t, kube.List(ctx, &list, client.InNamespace("county-owner")))
}

// TestRunFailedReachesItsTenant: a failed run's reason reaches the county's
// route for run_failed once, and no other tenant.
func TestRunFailedReachesItsTenant(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	it := v1alpha1.NotificationRoute{Events: []v1alpha1.NotificationEvent{"run_failed"}, Channel: "office",
		To: []v1alpha1.NotificationRecipient{{Address: "it@hengyang.example.org", Language: "en"}}}
	w.hengnan.Spec.Notifications.Routes = append(w.hengnan.Spec.Notifications.Routes, it)
	must(t, kube.Update(ctx, w.hengnan))
	run := &v1alpha1.ReportRun{ObjectMeta: metav1.ObjectMeta{Name: "hengnan-2023-01", Namespace: w.hengnan.Namespace},
		Spec: v1alpha1.ReportRunSpec{CountyReportName: w.hengnan.Name, Period: "2023-01"}}
	must(t, kube.Create(ctx, run))
	run.Status.Phase = v1alpha1.RunFailed
	run.Status.Message = "数据集缺少必填指标 gdp / the dataset lacks the required indicator gdp (test fixture)"
	run.Status.CompletionTime = &metav1.Time{Time: now.Add(-time.Hour)}
	must(t, kube.Status().Update(ctx, run))
	for range 2 {
		must(t, w.notifier("a").Pass(ctx))
	}
	got := w.mails(t, "it@hengyang.example.org")
	if len(got) != 1 || got[0].Subject != "Failed: Hengnan County's report for 2023-01" {
		t.Fatalf("municipal IT received %+v, want the one failure", got)
	}
	m, err := w.mail.Message(got[0].ID)
	must(t, err)
	if !strings.Contains(m.Text, "lacks the required indicator gdp") {
		t.Errorf("the mail lacks the reason:\n%s", m.Text)
	}
	for _, m := range w.mails(t, "office@qidong.example.org") {
		if strings.Contains(m.Subject, "Failed") || strings.Contains(m.Subject, "失败") {
			t.Errorf("Qidong received %q", m.Subject)
		}
	}
}
