package notifier

import (
	"context"
	"errors"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// countyEvents: the county's own report published, and its runs failed.
func (n *Notifier) countyEvents(ctx context.Context, c *v1alpha1.CountyReport, runs []v1alpha1.ReportRun) error {
	spec := c.Spec.Notifications
	if spec == nil || c.Status.Bucket == "" {
		return nil
	}
	now := n.Clock()
	base := countyEvent(c)
	var errs []error
	if e, ok := n.expiring(base, c.Status.CredentialsExpireAt, c.Status.PortalURL); ok {
		errs = append(errs, n.enqueue(ctx, countyRef(c), e))
	}
	errs = append(errs, n.signingExpiring(ctx, base, countyRef(c), c.Name, c.Status.PortalURL))
	if lr := c.Status.LastReport; lr != nil && now.Sub(lr.Time.Time) < recent {
		e := base
		e.Kind, e.Period, e.At = notify.EventPublished, lr.Period, lr.Time.Time
		e.Ref = strings.ToLower(lr.Time.UTC().Format("20060102T150405Z"))
		e.Link = link(c.Status.PortalURL, "/reports")
		errs = append(errs, n.enqueue(ctx, countyRef(c), e))
	}
	for _, r := range runs {
		if r.Namespace != c.Namespace || r.Spec.CountyReportName != c.Name || r.Status.Phase != v1alpha1.RunFailed ||
			r.Status.CompletionTime == nil || now.Sub(r.Status.CompletionTime.Time) >= recent {
			continue
		}
		e := base
		e.Kind, e.Period, e.Ref, e.Reason, e.At = notify.EventRunFailed, r.Spec.Period, r.Name, r.Status.Message, r.Status.CompletionTime.Time
		e.Link = link(c.Status.PortalURL, "/")
		errs = append(errs, n.enqueue(ctx, countyRef(c), e))
	}
	return errors.Join(errs...)
}

// expiring is the credentials_expiring event when the tenant's storage
// credentials have less than a sixth of their lifetime left (the operator
// renews them with a third left, so renewal has been failing), keyed by the
// expiry: one message per set of credentials.
func (n *Notifier) expiring(base notify.Event, expires *metav1.Time, portal string) (notify.Event, bool) {
	if n.CredentialsTTL <= 0 || expires == nil {
		return base, false
	}
	now := n.Clock()
	if left := expires.Sub(now); left <= 0 || left > n.CredentialsTTL/6 {
		return base, false
	}
	return expiryEvent(base, expires.Time, now, "", "", portal), true
}

// expiryEvent is a credentials_expiring event for something ending at
// expires; ref tells apart what ends (nothing: the storage credentials).
func expiryEvent(base notify.Event, expires, now time.Time, ref, reason, portal string) notify.Event {
	e := base
	e.Kind, e.Due, e.At, e.Link, e.Reason = notify.EventCredentialsExpiring, expires, now, link(portal, "/"), reason
	e.Ref = strings.ToLower(expires.UTC().Format("20060102T150405Z"))
	if ref != "" {
		e.Ref = ref + "-" + e.Ref
	}
	return e
}

func countyEvent(c *v1alpha1.CountyReport) notify.Event {
	return notify.Event{Tenant: c.Spec.County.Code, TenantName: c.Spec.County.Name, TenantNameEn: c.Spec.County.EnglishName}
}

func link(portal, path string) string {
	if portal == "" {
		return ""
	}
	return strings.TrimRight(portal, "/") + path
}

// cityOwnEvents: the city's own report published, and its runs failed.
func (n *Notifier) cityOwnEvents(ctx context.Context, city *v1alpha1.CityReport, runs []v1alpha1.ReportRun) error {
	spec := city.Spec.Notifications
	if spec == nil || city.Status.Bucket == "" {
		return nil
	}
	now := n.Clock()
	base := notify.Event{Tenant: city.Spec.City.Code, TenantName: city.Spec.City.Name, TenantNameEn: city.Spec.City.EnglishName}
	var errs []error
	if e, ok := n.expiring(base, city.Status.CredentialsExpireAt, city.Status.PortalURL); ok {
		errs = append(errs, n.enqueue(ctx, cityRef(city), e))
	}
	errs = append(errs, n.signingExpiring(ctx, base, cityRef(city), city.Name, city.Status.PortalURL))
	if lr := city.Status.LastReport; lr != nil && now.Sub(lr.Time.Time) < recent {
		e := base
		e.Kind, e.Period, e.At = notify.EventPublished, lr.Period, lr.Time.Time
		e.Ref = strings.ToLower(lr.Time.UTC().Format("20060102T150405Z"))
		e.Link = link(city.Status.PortalURL, "/reports")
		errs = append(errs, n.enqueue(ctx, cityRef(city), e))
	}
	for _, r := range runs {
		if r.Namespace != city.Status.Namespace || r.Spec.CityReportName != city.Name || r.Status.Phase != v1alpha1.RunFailed ||
			r.Status.CompletionTime == nil || now.Sub(r.Status.CompletionTime.Time) >= recent {
			continue
		}
		e := base
		e.Kind, e.Period, e.Ref, e.Reason, e.At = notify.EventRunFailed, r.Spec.Period, r.Name, r.Status.Message, r.Status.CompletionTime.Time
		e.Link = link(city.Status.PortalURL, "/reports")
		errs = append(errs, n.enqueue(ctx, cityRef(city), e))
	}
	return errors.Join(errs...)
}

// cityEvents: for each member of city, the month under review's reminder,
// overdue notice, submission and verdicts.
func (n *Notifier) cityEvents(ctx context.Context, city *v1alpha1.CityReport, counties []v1alpha1.CountyReport) error {
	loc, err := time.LoadLocation(city.Spec.Review.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	now := n.Clock()
	p := period.Of(now, loc).AddMonths(-1)
	deadline := review.Deadline(p, int(max(city.Spec.Review.DeadlineDay, 1)), loc)
	var errs []error
	for _, m := range city.Status.Members {
		c := findCounty(counties, m.Namespace, m.CountyReport)
		if c == nil || m.Bucket == "" {
			continue
		}
		errs = append(errs, n.memberEvents(ctx, city, c, p, deadline), n.verdictEvents(ctx, city, c))
	}
	return errors.Join(errs...)
}

func findCounty(cs []v1alpha1.CountyReport, ns, name string) *v1alpha1.CountyReport {
	for i := range cs {
		if cs[i].Namespace == ns && cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

// memberEvents derives one member's events for period p.
func (n *Notifier) memberEvents(ctx context.Context, city *v1alpha1.CityReport, c *v1alpha1.CountyReport, p period.Period, deadline time.Time) error {
	now := n.Clock()
	arch := n.Storage.Archive(c.Status.Bucket)
	ds, err := arch.DescribeDataset(ctx, p.String())
	var dsp *storage.DatasetInfo
	switch {
	case err == nil:
		dsp = &ds
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	log, err := review.Read(ctx, arch, p.String())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	st := review.Derive(dsp, log, deadline, now)
	base := countyEvent(c)
	base.Period, base.Due = p.String(), deadline
	base.City, base.CityEn = city.Spec.City.Name, city.Spec.City.EnglishName
	base.Link = link(c.Status.PortalURL, "/data/periods/"+p.String())
	toCity := base
	toCity.Tenant, toCity.TenantName, toCity.TenantNameEn = city.Spec.City.Code, city.Spec.City.Name, city.Spec.City.EnglishName
	toCity.County, toCity.CountyEn = c.Spec.County.Name, firstNonEmpty(c.Spec.County.EnglishName, c.Spec.County.Name)
	toCity.Link = link(city.Status.PortalURL, "/")
	county := c.Spec.Notifications
	days := time.Duration(3)
	if county != nil && county.ReminderDaysBefore > 0 {
		days = time.Duration(county.ReminderDaysBefore)
	}
	var errs []error
	add := func(t tenantRef, e notify.Event, kind notify.EventKind, ref string, at time.Time) {
		e.Kind, e.Ref, e.At = kind, ref, at
		errs = append(errs, n.enqueue(ctx, t, e))
	}
	switch {
	case dsp == nil && now.Before(deadline) && !now.Before(deadline.Add(-days*24*time.Hour)):
		add(countyRef(c), base, notify.EventReminder, "", now)
	case dsp == nil && !now.Before(deadline) && now.Before(deadline.Add(recent)):
		add(countyRef(c), base, notify.EventOverdue, "", now)
		add(cityRef(city), toCity, notify.EventOverdue, c.Spec.County.Code, now)
	}
	if dsp != nil && now.Sub(dsp.Modified) < recent && (st.State == review.Submitted || st.State == review.Resubmitted) {
		kind := notify.EventSubmitted
		if st.State == review.Resubmitted {
			kind = notify.EventResubmitted
		}
		add(cityRef(city), toCity, kind, c.Spec.County.Code+"-"+dsp.SHA256[:16], dsp.Modified)
	}
	return errors.Join(errs...)
}

// verdictEvents: the city's verdicts of the last days on any period of c,
// each to the county once (keyed by its time).
func (n *Notifier) verdictEvents(ctx context.Context, city *v1alpha1.CityReport, c *v1alpha1.CountyReport) error {
	if c.Spec.Notifications == nil {
		return nil
	}
	now := n.Clock()
	arch := n.Storage.Archive(c.Status.Bucket)
	periods, err := arch.ReviewedSince(ctx, now.Add(-recent))
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range periods {
		log, err := review.Read(ctx, arch, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, v := range log.Entries {
			if now.Sub(v.At) >= recent {
				continue
			}
			e := countyEvent(c)
			e.Kind, e.Period, e.Comment, e.At = notify.EventAccepted, p, v.Comment, v.At
			if v.Verdict == review.VerdictReturned {
				e.Kind = notify.EventReturned
			}
			e.Ref = strings.ToLower(v.At.UTC().Format("20060102T150405Z"))
			e.City, e.CityEn = city.Spec.City.Name, city.Spec.City.EnglishName
			e.Link = link(c.Status.PortalURL, "/data/periods/"+p)
			errs = append(errs, n.enqueue(ctx, countyRef(c), e))
		}
	}
	return errors.Join(errs...)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
