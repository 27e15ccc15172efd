package notifier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/metrics"
	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/storage"
)

// DefaultInterval is the time between passes.
const DefaultInterval = 15 * time.Second

// recent is how far back an event may lie and still be sent: a new
// installation does not announce a year of old verdicts.
const recent = 7 * 24 * time.Hour

// Notifier is the loop; run it with the manager (mgr.Add).
type Notifier struct {
	Client   client.Reader // tenants (the manager's cache)
	Reader   client.Reader // Secrets, read uncached (they carry no operator label)
	Storage  *storage.Client
	Policy   notify.TargetPolicy
	Clock    func() time.Time
	Interval time.Duration
	Sender   *notify.Sender
	Log      logr.Logger
	// CredentialsTTL is the lifetime of the storage credentials the
	// operator mints (it renews them with a third left): credentials with
	// less than a sixth left were not renewed in time, and the tenant's
	// credentials_expiring route hears of it. 0: not checked.
	CredentialsTTL time.Duration
	// Enqueued remembers which records exist (nil: every pass tries to create them).
	Enqueued *notify.Seen

	staff staffCache
}

// NeedLeaderElection: only the leader notifies.
func (n *Notifier) NeedLeaderElection() bool { return true }

// Start runs passes until ctx ends.
func (n *Notifier) Start(ctx context.Context) error {
	if n.Clock == nil {
		n.Clock = time.Now
	}
	if n.Sender.Count == nil {
		n.Sender.Count = func(typ string, ev notify.EventKind, result string) {
			metrics.Notifications.WithLabelValues(typ, string(ev), result).Inc()
		}
	}
	t := time.NewTicker(max(n.Interval, time.Second))
	defer t.Stop()
	for {
		if err := n.Pass(ctx); err != nil {
			n.Log.Error(err, "notification pass")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Pass derives due events, enqueues them and delivers every tenant's outbox once.
func (n *Notifier) Pass(ctx context.Context) error {
	n.staff.newPass()
	var counties v1alpha1.CountyReportList
	if err := n.Client.List(ctx, &counties); err != nil {
		return err
	}
	var cities v1alpha1.CityReportList
	if err := n.Client.List(ctx, &cities); err != nil {
		return err
	}
	var runs v1alpha1.ReportRunList
	if err := n.Client.List(ctx, &runs); err != nil {
		return err
	}
	var errs []error
	for i := range cities.Items {
		errs = append(errs, n.cityEvents(ctx, &cities.Items[i], counties.Items), n.cityOwnEvents(ctx, &cities.Items[i], runs.Items),
			n.cityTests(ctx, &cities.Items[i]))
	}
	for i := range counties.Items {
		errs = append(errs, n.countyEvents(ctx, &counties.Items[i], runs.Items))
	}
	for i := range counties.Items {
		c := &counties.Items[i]
		errs = append(errs, n.deliver(ctx, c.Namespace+"/"+c.Name, c.Namespace, c.Status.Bucket, c.Spec.Notifications))
	}
	for i := range cities.Items {
		c := &cities.Items[i]
		errs = append(errs, n.deliver(ctx, "city/"+c.Name, c.Status.Namespace, c.Status.Bucket, c.Spec.Notifications))
	}
	return errors.Join(errs...)
}

// deliver runs the sender over one tenant's outbox with its own channels.
func (n *Notifier) deliver(ctx context.Context, key, namespace, bucket string, spec *v1alpha1.NotificationsSpec) error {
	if spec == nil || bucket == "" || namespace == "" {
		return nil
	}
	chans, versions, broken := n.channels(ctx, namespace, spec)
	for name, err := range broken {
		n.Log.Info("notification channel not usable; its messages wait", "tenant", key, "channel", name, "error", err.Error())
	}
	sender := *n.Sender // this tenant's attachments, the shared limits
	sender.Attach = n.attach(bucket, spec)
	_, err := sender.Run(ctx, notify.Tenant{Key: key, Store: n.Storage.Archive(bucket), Channels: chans, SecretVersions: versions})
	if err != nil {
		return fmt.Errorf("deliver %s: %w", key, err)
	}
	return nil
}

// enqueue sends e to the routes of tenant t into its bucket's outbox. A
// route for staff adds the staff's own addresses; when they cannot be
// listed, the others are enqueued and the staff's wait for the next pass
// (the same event gives the same keys).
func (n *Notifier) enqueue(ctx context.Context, t tenantRef, e notify.Event) error {
	if t.bucket == "" {
		return nil
	}
	if loc, err := time.LoadLocation(t.zone); err == nil && t.zone != "" && e.Kind == notify.EventCredentialsExpiring {
		e.Due = e.Due.In(loc) // not UTC: what municipal IT read is their own time
	}
	var staffErr error
	rs := recipients(t.spec, e.Kind, func() []accounts.Profile {
		ps, err := n.staffOf(ctx, t)
		staffErr = err
		return ps
	})
	if len(rs) == 0 {
		return staffErr
	}
	_, err := notify.EnqueueSeen(ctx, n.Storage.Archive(t.bucket), t.bucket, n.Enqueued, e, rs, n.Clock())
	return errors.Join(err, staffErr)
}

// attach gives the published report's PDF when the tenant's limit allows
// (attachmentLimitMiB, 0: never); the size comes from the manifest first,
// so a large PDF is not downloaded only to be left out.
func (n *Notifier) attach(bucket string, spec *v1alpha1.NotificationsSpec) func(context.Context, notify.Event) (*notify.Attachment, error) {
	limit := int64(spec.AttachmentLimitMiB) << 20
	return func(ctx context.Context, e notify.Event) (*notify.Attachment, error) {
		if limit <= 0 || e.Period == "" {
			return nil, nil
		}
		arch := n.Storage.Archive(bucket)
		r, err := arch.Report(ctx, e.Period)
		if err != nil {
			return nil, nil // linked only: the link still works when the archive does
		}
		if o, ok := r.Artifact(report.PDFName); !ok || o.Size > limit {
			return nil, nil
		}
		data, _, err := arch.Get(ctx, e.Period, report.PDFName)
		if err != nil {
			return nil, err
		}
		return &notify.Attachment{Name: e.TenantName + "-" + e.Period + ".pdf", ContentType: "application/pdf", Data: data}, nil
	}
}
