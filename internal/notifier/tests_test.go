package notifier

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
)

func putTest(t *testing.T, w *world, bucket, channel string, at time.Time) {
	t.Helper()
	data, err := json.Marshal(notify.TestRequest{Channel: channel, By: "shenhe", At: at})
	must(t, err)
	must(t, w.admin.Archive(bucket).PutNotifyTest(context.Background(), notify.TestRequestID(channel, at), data))
}

// TestCityTestRequest: the city portal's test button leaves a request in
// the city's bucket; the notifier sends it once through the outbox, to
// the addresses the channel's routes list, logs it and removes the
// request. A request for an unknown channel or an old one is dropped; a
// request a county wrote into its own bucket is never acted on.
func TestCityTestRequest(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	city := w.city.Status.Bucket
	putTest(t, w, city, "office", now.Add(-time.Minute))
	putTest(t, w, city, "nope", now.Add(-time.Minute))
	putTest(t, w, city, "office", now.Add(-2*testRequestTTL))
	putTest(t, w, w.hengnan.Status.Bucket, "office", now.Add(-time.Minute))
	for _, owner := range []string{"a", "a", "after-a-restart"} {
		must(t, w.notifier(owner).Pass(ctx))
	}
	tests := 0
	for _, m := range w.mails(t, "review@hengyang.example.org") {
		if m.Subject == "【测试】衡阳市 通知渠道测试" {
			tests++
		}
	}
	if tests != 1 {
		t.Errorf("the city's reviewers received %d test mails, want 1", tests)
	}
	for _, to := range []string{"zhang@hengnan.example.org", "li@hengnan.example.org"} {
		for _, m := range w.mails(t, to) {
			if m.Subject == "【测试】衡南县 通知渠道测试" || m.Subject == "Test: Hengnan County's notification channel" {
				t.Errorf("%s received a test a county asked for itself", to)
			}
		}
	}
	left, err := w.admin.Archive(city).NotifyTests(ctx)
	must(t, err)
	if len(left) != 0 {
		t.Errorf("requests left: %v", left)
	}
	log, err := notify.Log(ctx, w.admin.Archive(city), 100)
	must(t, err)
	found := false
	for _, r := range log {
		found = found || (r.Event.Kind == notify.EventTest && r.State == notify.StateDelivered)
	}
	if !found {
		t.Errorf("the city's log has no delivered test: %+v", log)
	}
}

func TestTestRecipients(t *testing.T) {
	spec := &v1alpha1.NotificationsSpec{
		Channels: []v1alpha1.NotificationChannel{
			{Name: "office", Type: "mail", Mail: &v1alpha1.MailServer{From: "reports@example.org"}},
			{Name: "quiet", Type: "mail", Mail: &v1alpha1.MailServer{From: "it@example.org"}},
			{Name: "group", Type: "feishu"}},
		Routes: []v1alpha1.NotificationRoute{
			{Channel: "office", To: []v1alpha1.NotificationRecipient{{Address: "a@example.org"}, {Address: "b@example.org", Language: "en"}}},
			{Channel: "office", To: []v1alpha1.NotificationRecipient{{Address: "A@example.org"}}},
			{Channel: "group", Language: "en"}},
	}
	tests := map[string]struct {
		channel string
		want    []notify.Recipient
	}{
		"mail: the routes' addresses once": {"office", []notify.Recipient{
			{Channel: "office", ChannelType: "mail", To: "a@example.org", Lang: "zh-CN"},
			{Channel: "office", ChannelType: "mail", To: "b@example.org", Lang: "en"}}},
		"mail without routes: its sender": {"quiet", []notify.Recipient{{Channel: "quiet", ChannelType: "mail", To: "it@example.org", Lang: "zh-CN"}}},
		"robot: its route's language":     {"group", []notify.Recipient{{Channel: "group", ChannelType: "feishu", Lang: "en"}}},
		"unknown":                         {"nope", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := testRecipients(spec, tc.channel); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
