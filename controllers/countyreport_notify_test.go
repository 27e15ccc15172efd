package controllers

import (
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
)

func TestDisabledChannels(t *testing.T) {
	chans := []v1alpha1.NotificationChannel{{Name: "mail"}, {Name: "group"}, {Name: "hook"}}
	tests := map[string]struct {
		states map[string]notify.ChannelState
		status metav1.ConditionStatus
		msg    string
	}{
		"none":              {nil, metav1.ConditionTrue, "every notification channel can send"},
		"enabled again":     {map[string]notify.ChannelState{"group": {Channel: "group"}}, metav1.ConditionTrue, "every notification channel can send"},
		"two, sorted":       {map[string]notify.ChannelState{"hook": {Disabled: true, Reason: "HTTP 410"}, "group": {Disabled: true, Reason: "robot answered 93000"}}, metav1.ConditionFalse, "disabled by their vendor until their Secret is updated: group (robot answered 93000); hook (HTTP 410)"},
		"a removed channel": {map[string]notify.ChannelState{"old": {Disabled: true}}, metav1.ConditionTrue, "every notification channel can send"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			status, _, msg := disabledChannels(chans, tc.states)
			if status != tc.status || msg != tc.msg {
				t.Errorf("got %s %q, want %s %q", status, msg, tc.status, tc.msg)
			}
		})
	}
}

// TestNotificationsCondition: a channel its vendor disabled (recorded in the
// county's outbox by the notifier) shows as NotificationsReady False.
func TestNotificationsCondition(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "notify-cond", "990391")
	cr.Spec.Notifications = &v1alpha1.NotificationsSpec{Channels: []v1alpha1.NotificationChannel{{Name: "group", Type: "wecom", SecretName: "robot"}}}
	g.Expect(k8s.Create(testCtx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "robot", Namespace: cr.Namespace},
		StringData: map[string]string{"key": "made-up-test-key"}})).To(Succeed())
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	key := client.ObjectKeyFromObject(cr)
	got := &v1alpha1.CountyReport{}
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, key, got)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, v1alpha1.ConditionNotificationsReady)).To(BeTrue())
	}, wait).Should(Succeed())

	state, _ := json.Marshal(notify.ChannelState{Channel: "group", Disabled: true, Reason: "robot answered 93000 invalid webhook url"})
	_, err := admin.Client.Archive(got.Status.Bucket).PutNotification(testCtx, "c.group", state, "")
	g.Expect(err).NotTo(HaveOccurred())
	touch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"test/touch":"1"}}}`))
	g.Expect(k8s.Patch(testCtx, got, touch)).To(Succeed()) // reconcile now, not in 5 minutes
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, key, got)).To(Succeed())
		c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionNotificationsReady)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(ReasonChannelDisabled))
		g.Expect(c.Message).To(ContainSubstring("group (robot answered 93000"))
	}, wait).Should(Succeed())
}

// TestCityNotificationsCondition: the city's NotificationsReady names a
// channel whose Secret is missing from city-<name> (a same-named Secret in
// another namespace does not count), turns True once it is there, and
// names a channel its vendor disabled.
func TestCityNotificationsCondition(t *testing.T) {
	g := NewWithT(t)
	city := newCity(t, "notifycond", "997561")
	city.Spec.Notifications = &v1alpha1.NotificationsSpec{Channels: []v1alpha1.NotificationChannel{
		{Name: "office", Type: "mail", Mail: &v1alpha1.MailServer{Host: "smtp.example.org", From: "reports@example.org"}},
		{Name: "group", Type: "dingtalk", SecretName: "robot"}}}
	other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "notifycond-elsewhere"}}
	g.Expect(k8s.Create(testCtx, other)).To(Succeed())
	g.Expect(k8s.Create(testCtx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "robot", Namespace: other.Name},
		StringData: map[string]string{"accessToken": "someone-elses", "secret": "someone-elses"}})).To(Succeed())
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	condition := func(g Gomega) metav1.Condition {
		c := cityCondition(getCity(g, city.Name), v1alpha1.ConditionNotificationsReady)
		g.Expect(c.Type).NotTo(BeEmpty(), "no NotificationsReady yet")
		return c
	}
	touch := func(v string) {
		patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"test/touch":"`+v+`"}}}`))
		g.Expect(k8s.Patch(testCtx, getCity(g, city.Name), patch)).To(Succeed()) // reconcile now, not in 5 minutes
	}
	g.Eventually(func(g Gomega) {
		c := condition(g)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(ReasonSecretMissing))
		g.Expect(c.Message).To(ContainSubstring("group (Secret city-notifycond/robot not found)"))
	}, wait).Should(Succeed())

	g.Expect(k8s.Create(testCtx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "robot", Namespace: "city-notifycond"},
		StringData: map[string]string{"accessToken": "made-up-token"}})).To(Succeed())
	touch("1")
	g.Eventually(func(g Gomega) {
		g.Expect(condition(g).Message).To(ContainSubstring("group (Secret city-notifycond/robot lacks secret)"))
	}, wait).Should(Succeed())

	sec := &corev1.Secret{}
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: "city-notifycond", Name: "robot"}, sec)).To(Succeed())
	sec.StringData = map[string]string{"secret": "made-up-secret"}
	g.Expect(k8s.Update(testCtx, sec)).To(Succeed())
	touch("2")
	var bucket string
	g.Eventually(func(g Gomega) {
		c := condition(g)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
		g.Expect(c.Reason).To(Equal(ReasonChannelsReady))
		bucket = getCity(g, city.Name).Status.Bucket
		g.Expect(bucket).NotTo(BeEmpty())
	}, wait).Should(Succeed())

	state, _ := json.Marshal(notify.ChannelState{Channel: "group", Disabled: true, Reason: "robot answered 310000 keywords not in content"})
	_, err := admin.Client.Archive(bucket).PutNotification(testCtx, "c.group", state, "")
	g.Expect(err).NotTo(HaveOccurred())
	touch("3")
	g.Eventually(func(g Gomega) {
		c := condition(g)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(ReasonChannelDisabled))
		g.Expect(c.Message).To(ContainSubstring("group (robot answered 310000"))
		g.Expect(c.Message).NotTo(ContainSubstring("office"))
	}, wait).Should(Succeed())
}
