package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
)

// Reasons of NotificationsReady.
const (
	ReasonChannelsReady   = "ChannelsReady"
	ReasonChannelDisabled = "ChannelDisabled"
)

// notificationsRecheck is how often a county with channels is looked at
// again for a channel its vendor disabled meanwhile (the notifier writes
// that into the outbox, not into the CountyReport).
const notificationsRecheck = 5 * time.Minute

// NotificationChannelStates reads the channels' standing from a tenant's
// outbox (internal/notify): which ones a vendor disabled, and why.
func (a *AdminStorage) NotificationChannelStates(ctx context.Context, bucket string) (map[string]notify.ChannelState, error) {
	return notify.ChannelStates(ctx, a.Client.Archive(bucket))
}

type notificationStates interface {
	NotificationChannelStates(ctx context.Context, bucket string) (map[string]notify.ChannelState, error)
}

// readNotifications sets NotificationsReady: False naming each channel a
// vendor disabled (410, a bad key) until municipal IT update its Secret and
// a message gets through again; absent without channels. A storage failure
// leaves the condition as it was: StorageReady says why.
func (r *CountyReportReconciler) readNotifications(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	ns, ok := r.Storage.(notificationStates)
	if cr.Spec.Notifications == nil || len(cr.Spec.Notifications.Channels) == 0 {
		meta.RemoveStatusCondition(&cr.Status.Conditions, reportingv1.ConditionNotificationsReady)
		return nil
	}
	if !ok || cr.Status.Bucket == "" {
		return nil
	}
	st.requeueIn(notificationsRecheck)
	var states map[string]notify.ChannelState
	err := r.withStorage(ctx, 2, func(ctx context.Context) (err error) {
		states, err = ns.NotificationChannelStates(ctx, cr.Status.Bucket)
		return err
	})
	if err != nil {
		ctrl.LoggerFrom(ctx).Info("notification channel states unreadable", "error", err.Error())
		return nil
	}
	status, reason, msg := disabledChannels(cr.Spec.Notifications.Channels, states)
	setCondition(&cr.Status.Conditions, cr.Generation, reportingv1.ConditionNotificationsReady, status, reason, msg)
	return nil
}

// disabledChannels is the condition for channels given their states.
func disabledChannels(chans []reportingv1.NotificationChannel, states map[string]notify.ChannelState) (metav1.ConditionStatus, string, string) {
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
