package notifier

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
)

func TestRecipients(t *testing.T) {
	spec := &v1alpha1.NotificationsSpec{
		Channels: []v1alpha1.NotificationChannel{{Name: "office", Type: "mail"}, {Name: "group", Type: "dingtalk"}},
		Routes: []v1alpha1.NotificationRoute{
			{Events: []v1alpha1.NotificationEvent{"returned", "reminder"}, Channel: "office",
				To: []v1alpha1.NotificationRecipient{{Address: "a@example.org"}, {Address: "b@example.org", Language: "en"}}},
			{Events: []v1alpha1.NotificationEvent{"returned"}, Channel: "group", Language: "en"},
			{Events: []v1alpha1.NotificationEvent{"returned"}, Channel: "office", To: []v1alpha1.NotificationRecipient{{Address: "a@example.org"}}},
		},
	}
	tests := map[string]struct {
		kind notify.EventKind
		want []notify.Recipient
	}{
		"returned: both addresses once, and the group": {notify.EventReturned, []notify.Recipient{
			{Channel: "office", ChannelType: "mail", To: "a@example.org", Lang: "zh-CN"},
			{Channel: "office", ChannelType: "mail", To: "b@example.org", Lang: "en"},
			{Channel: "group", ChannelType: "dingtalk", Lang: "en"}}},
		"reminder: mail only": {notify.EventReminder, []notify.Recipient{
			{Channel: "office", ChannelType: "mail", To: "a@example.org", Lang: "zh-CN"},
			{Channel: "office", ChannelType: "mail", To: "b@example.org", Lang: "en"}}},
		"published: nobody": {notify.EventPublished, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := recipients(spec, tc.kind, nil); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if recipients(nil, notify.EventReturned, nil) != nil {
		t.Error("no spec, yet recipients")
	}
}

func TestExpiring(t *testing.T) {
	ttl := 6 * 24 * time.Hour // renewed with 2 days left; warned with 1 day left
	n := &Notifier{Clock: clock, CredentialsTTL: ttl}
	base := notify.Event{Tenant: "430422", TenantName: "衡南县"}
	tests := map[string]struct {
		expires *metav1.Time
		ttl     time.Duration
		want    bool
	}{
		"none":                    {nil, ttl, false},
		"renewed in time":         {&metav1.Time{Time: now.Add(40 * time.Hour)}, ttl, false},
		"not renewed, a day left": {&metav1.Time{Time: now.Add(23 * time.Hour)}, ttl, true},
		"expired already":         {&metav1.Time{Time: now.Add(-time.Minute)}, ttl, false},
		"not checked":             {&metav1.Time{Time: now.Add(time.Hour)}, 0, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n.CredentialsTTL = tc.ttl
			e, ok := n.expiring(base, tc.expires, "")
			if ok != tc.want {
				t.Fatalf("expiring = %v, want %v", ok, tc.want)
			}
			if ok && (e.Kind != notify.EventCredentialsExpiring || e.Ref != "20230208t090000z" || e.Validate() != nil) {
				t.Errorf("event %+v (%v)", e, e.Validate())
			}
		})
	}
}
