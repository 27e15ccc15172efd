package notifier

import (
	"reflect"
	"testing"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
)

func TestRecipients(t *testing.T) {
	spec := &reportingv1.NotificationsSpec{
		Channels: []reportingv1.NotificationChannel{{Name: "office", Type: "mail"}, {Name: "group", Type: "dingtalk"}},
		Routes: []reportingv1.NotificationRoute{
			{Events: []reportingv1.NotificationEvent{"returned", "reminder"}, Channel: "office",
				To: []reportingv1.NotificationRecipient{{Address: "a@example.org"}, {Address: "b@example.org", Language: "en"}}},
			{Events: []reportingv1.NotificationEvent{"returned"}, Channel: "group", Language: "en"},
			{Events: []reportingv1.NotificationEvent{"returned"}, Channel: "office", To: []reportingv1.NotificationRecipient{{Address: "a@example.org"}}},
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
			if got := recipients(spec, tc.kind); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if recipients(nil, notify.EventReturned) != nil {
		t.Error("no spec, yet recipients")
	}
}
