package notifier

import (
	"context"
	"errors"
	"strings"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
)

// testRequestTTL: a test request older than this (a manager that was down
// for long) is dropped rather than sent late.
const testRequestTTL = recent / 7

// cityTests turns the test requests the city portal stored (its test
// button) into test messages in the city's outbox, then removes them:
// delivered, retried and logged like any message. A request is removed
// only once enqueued (or found unusable); enqueuing it again after a crash
// makes no second record (its id is the event's ref). Only the city's own
// bucket is read, and only its own channels are used.
func (n *Notifier) cityTests(ctx context.Context, city *v1alpha1.CityReport) error {
	spec, bucket := city.Spec.Notifications, city.Status.Bucket
	if spec == nil || bucket == "" {
		return nil
	}
	arch := n.Storage.Archive(bucket)
	ids, err := arch.NotifyTests(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		data, err := arch.GetNotifyTest(ctx, id)
		if err != nil || data == nil {
			errs = append(errs, err)
			continue
		}
		if err := n.enqueueTest(ctx, city, id, data); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, arch.DeleteNotifyTest(ctx, id))
	}
	return errors.Join(errs...)
}

// enqueueTest puts the test message of request id in the city's outbox;
// an unusable request is logged and dropped (nil).
func (n *Notifier) enqueueTest(ctx context.Context, city *v1alpha1.CityReport, id string, data []byte) error {
	req, err := notify.ParseTestRequest(data)
	if err != nil {
		n.Log.Info("notification test request dropped", "city", city.Name, "request", id, "error", err.Error())
		return nil
	}
	now := n.Clock()
	if now.Sub(req.At) > testRequestTTL {
		n.Log.Info("notification test request too old; dropped", "city", city.Name, "request", id)
		return nil
	}
	rs := testRecipients(city.Spec.Notifications, req.Channel)
	if len(rs) == 0 {
		n.Log.Info("notification test request for an unknown channel; dropped", "city", city.Name, "channel", req.Channel)
		return nil
	}
	e := notify.Event{Kind: notify.EventTest, Tenant: city.Spec.City.Code, TenantName: city.Spec.City.Name,
		TenantNameEn: city.Spec.City.EnglishName, Ref: "test-" + id, At: now, Link: link(city.Status.PortalURL, "/notifications")}
	_, err = notify.EnqueueSeen(ctx, n.Storage.Archive(city.Status.Bucket), city.Status.Bucket, n.Enqueued, e, rs, now)
	return err
}

// testRecipients is where a test through channel goes: a robot or webhook
// in its routes' language; a mail channel to every address its routes list
// (each in its language), or its own sender address when none does.
func testRecipients(spec *v1alpha1.NotificationsSpec, channel string) []notify.Recipient {
	var ch *v1alpha1.NotificationChannel
	for i := range spec.Channels {
		if spec.Channels[i].Name == channel {
			ch = &spec.Channels[i]
		}
	}
	if ch == nil {
		return nil
	}
	var out []notify.Recipient
	seen := map[string]bool{}
	lang := ""
	for _, r := range spec.Routes {
		if r.Channel != channel {
			continue
		}
		lang = firstNonEmpty(lang, r.Language)
		for _, to := range r.To {
			if key := strings.ToLower(to.Address); !seen[key] {
				seen[key] = true
				out = append(out, notify.Recipient{Channel: channel, ChannelType: ch.Type, To: to.Address, Lang: notify.LangOrDefault(to.Language)})
			}
		}
	}
	switch {
	case ch.Type != notify.TypeMail:
		return []notify.Recipient{{Channel: channel, ChannelType: ch.Type, Lang: notify.LangOrDefault(lang)}}
	case len(out) == 0 && ch.Mail != nil:
		return []notify.Recipient{{Channel: channel, ChannelType: ch.Type, To: ch.Mail.From, Lang: notify.LangOrDefault("")}}
	}
	return out
}
