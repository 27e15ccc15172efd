package controllers

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
)

// Reasons of NotificationsReady.
const (
	ReasonChannelsReady   = "ChannelsReady"
	ReasonChannelDisabled = "ChannelDisabled"
	ReasonSecretMissing   = "SecretMissing"
)

// notificationsRecheck is how often a tenant with channels is looked at
// again for a channel its vendor disabled meanwhile (the notifier writes
// that into the outbox, not into the tenant's object) or a Secret that
// appeared (Secrets are not watched).
const notificationsRecheck = 5 * time.Minute

// NotificationChannelStates reads the channels' standing from a tenant's
// outbox (internal/notify): which ones a vendor disabled, and why.
func (a *AdminStorage) NotificationChannelStates(ctx context.Context, bucket string) (map[string]notify.ChannelState, error) {
	return notify.ChannelStates(ctx, a.Client.Archive(bucket))
}

type notificationStates interface {
	NotificationChannelStates(ctx context.Context, bucket string) (map[string]notify.ChannelState, error)
}

// readNotifications sets the county's NotificationsReady (notificationsReady).
func (r *CountyReportReconciler) readNotifications(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	ns, _ := r.Storage.(notificationStates)
	return notificationsReady(ctx, liveReader(r.APIReader, r.Client), ns, &st.stepState, notifyTenant{
		namespace: cr.Namespace, bucket: cr.Status.Bucket, spec: cr.Spec.Notifications,
		conditions: &cr.Status.Conditions, generation: cr.Generation, storageTimeout: cmp.Or(r.StorageTimeout, DefaultStorageTimeout)})
}

// readCityNotifications sets the city's NotificationsReady, its Secrets
// read in the city's own namespace (city-<name>) only.
func (r *CityReportReconciler) readCityNotifications(ctx context.Context, st *cityState) error {
	city := st.city
	ns, _ := r.Storage.(notificationStates)
	return notificationsReady(ctx, liveReader(r.APIReader, r.Client), ns, &st.stepState, notifyTenant{
		namespace: city.Status.Namespace, bucket: city.Status.Bucket, spec: city.Spec.Notifications,
		conditions: &city.Status.Conditions, generation: city.Generation, storageTimeout: cmp.Or(r.StorageTimeout, DefaultStorageTimeout)})
}

// liveReader is the uncached reader when there is one: the manager's cache
// holds only Secrets the operator labelled, and channel Secrets are
// municipal IT's.
func liveReader(live client.Reader, cached client.Client) client.Reader {
	if live != nil {
		return live
	}
	return cached
}

// notifyTenant is what NotificationsReady needs of a county or a city.
type notifyTenant struct {
	namespace, bucket string
	spec              *v1alpha1.NotificationsSpec
	conditions        *[]metav1.Condition
	generation        int64
	storageTimeout    time.Duration
}

// notificationsReady sets NotificationsReady: False naming each channel
// whose Secret is missing or lacks a key (SecretMissing), else each channel
// a vendor disabled (410, a bad key) until municipal IT update its Secret
// and a message gets through again (ChannelDisabled); absent without
// channels. A storage failure leaves the disabled states unread: StorageReady
// says why.
func notificationsReady(ctx context.Context, reader client.Reader, ns notificationStates, st *stepState, t notifyTenant) error {
	if t.spec == nil || len(t.spec.Channels) == 0 {
		meta.RemoveStatusCondition(t.conditions, v1alpha1.ConditionNotificationsReady)
		return nil
	}
	if t.namespace == "" {
		return nil
	}
	st.requeueIn(notificationsRecheck)
	missing, err := missingSecrets(ctx, reader, t.namespace, t.spec.Channels)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		setCondition(t.conditions, t.generation, v1alpha1.ConditionNotificationsReady, metav1.ConditionFalse, ReasonSecretMissing,
			"their messages wait until the Secret is there: "+strings.Join(missing, "; "))
		return nil
	}
	if ns == nil || t.bucket == "" {
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, 2*t.storageTimeout)
	defer cancel()
	states, err := ns.NotificationChannelStates(sctx, t.bucket)
	if err != nil {
		ctrl.LoggerFrom(ctx).Info("notification channel states unreadable", "error", err.Error())
		return nil
	}
	status, reason, msg := disabledChannels(t.spec.Channels, states)
	setCondition(t.conditions, t.generation, v1alpha1.ConditionNotificationsReady, status, reason, msg)
	return nil
}

// secretKeys are the keys each channel type needs in its Secret (a mail
// channel's Secret is optional, for authentication).
var secretKeys = map[string][]string{
	notify.TypeMail:     {"username", "password"},
	notify.TypeWeCom:    {"key"},
	notify.TypeDingTalk: {"accessToken", "secret"},
	notify.TypeFeishu:   {"token", "secret"},
	notify.TypeWebhook:  {"url", "secret"},
}

// missingSecrets names each channel whose Secret is not in namespace or
// lacks a key its type needs, sorted.
func missingSecrets(ctx context.Context, reader client.Reader, namespace string, chans []v1alpha1.NotificationChannel) ([]string, error) {
	var out []string
	for _, c := range chans {
		if c.SecretName == "" {
			continue
		}
		var sec corev1.Secret
		err := reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: c.SecretName}, &sec)
		if apierrors.IsNotFound(err) {
			out = append(out, fmt.Sprintf("%s (Secret %s/%s not found)", c.Name, namespace, c.SecretName))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read Secret %s/%s of notification channel %s: %w", namespace, c.SecretName, c.Name, err)
		}
		if lack := lackingKeys(sec.Data, secretKeys[c.Type]); len(lack) > 0 {
			out = append(out, fmt.Sprintf("%s (Secret %s/%s lacks %s)", c.Name, namespace, c.SecretName, strings.Join(lack, ", ")))
		}
	}
	sort.Strings(out)
	return out, nil
}

func lackingKeys(data map[string][]byte, keys []string) []string {
	var out []string
	for _, k := range keys {
		if len(strings.TrimSpace(string(data[k]))) == 0 {
			out = append(out, k)
		}
	}
	return out
}

// disabledChannels is the condition for channels given their states.
func disabledChannels(chans []v1alpha1.NotificationChannel, states map[string]notify.ChannelState) (metav1.ConditionStatus, string, string) {
	var off []string
	for _, c := range chans {
		if s := states[c.Name]; s.Disabled {
			off = append(off, fmt.Sprintf("%s (%s)", c.Name, s.Reason))
		}
	}
	if len(off) == 0 {
		return metav1.ConditionTrue, ReasonChannelsReady, "every notification channel can send"
	}
	sort.Strings(off)
	return metav1.ConditionFalse, ReasonChannelDisabled,
		"disabled by their vendor until their Secret is updated: " + strings.Join(off, "; ")
}
