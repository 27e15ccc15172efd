package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

// An Ingress host routes the public's traffic to one tenant's portal, so it
// is claimed once:
//
//   - a city's host is the city's: cities are made by cluster
//     administrators, and no county takes a host a city names;
//   - among counties, the first claim keeps it: the oldest CountyReport
//     (creation time, then namespace and name) in a namespace given its code
//     and whose host the installation allows. A later claim never moves it;
//   - the installation may restrict counties' hosts (HostPatterns, the
//     manager's --county-hosts), e.g. to {code}.reports.example.gov.cn:
//     then a county can claim no host but its own, even while the owner is
//     deleted and applied again.
//
// A refused claim gets HostAdmitted=False (HostNotGranted) and no Ingress.

// hostIndex indexes CountyReports by their Ingress host.
const hostIndex = "spec.portal.ingress.host"

// countyHost is cr's Ingress host ("" when it asks for none).
func countyHost(cr *v1alpha1.CountyReport) string {
	if cr.Spec.Portal.Ingress == nil {
		return ""
	}
	return strings.ToLower(cr.Spec.Portal.Ingress.Host)
}

// cityHost is c's Ingress host ("" when it asks for none).
func cityHost(c *v1alpha1.CityReport) string {
	if c.Spec.Portal.Ingress == nil {
		return ""
	}
	return strings.ToLower(c.Spec.Portal.Ingress.Host)
}

// HostAllowed reports whether a county's host matches one of the
// installation's patterns (any host when there are none). In a pattern,
// {code}, {namespace} and {name} stand for the county's code, namespace and
// CountyReport name, and a leading "*." for any one DNS label.
func HostAllowed(patterns []string, cr *v1alpha1.CountyReport) bool {
	host := countyHost(cr)
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		p = strings.NewReplacer("{code}", cr.Spec.County.Code, "{namespace}", cr.Namespace, "{name}", cr.Name).Replace(strings.ToLower(p))
		if rest, ok := strings.CutPrefix(p, "*."); ok {
			label, tail, found := strings.Cut(host, ".")
			if found && label != "" && tail == rest {
				return true
			}
			continue
		}
		if host == p {
			return true
		}
	}
	return false
}

// CheckHostPattern refuses a pattern that could match no host name: after
// its placeholders, and past a leading "*.", it must be a DNS name.
func CheckHostPattern(p string) error {
	host := strings.NewReplacer("{code}", "430423", "{namespace}", "county-x", "{name}", "x").Replace(strings.ToLower(p))
	host = strings.TrimPrefix(host, "*.")
	if errs := validation.IsDNS1123Subdomain(host); len(errs) > 0 || !strings.Contains(host, ".") {
		return fmt.Errorf("host pattern %q: not a host name with {code}, {namespace}, {name} or a leading *. (%s)", p, strings.Join(errs, "; "))
	}
	return nil
}

// hostRefusal says why cr may not have its Ingress host ("": it may).
func (r *CountyReportReconciler) hostRefusal(ctx context.Context, cr *v1alpha1.CountyReport) (string, error) {
	host := countyHost(cr)
	if host == "" {
		return "", nil
	}
	if !HostAllowed(r.HostPatterns, cr) {
		return fmt.Sprintf("host %s is not one this installation allows for county %s (allowed: %s)",
			host, cr.Spec.County.Code, strings.Join(r.HostPatterns, ", ")), nil
	}
	var cities v1alpha1.CityReportList
	if err := r.List(ctx, &cities); err != nil {
		return "", fmt.Errorf("list CityReports: %w", err)
	}
	for _, c := range cities.Items {
		if cityHost(&c) == host {
			return fmt.Sprintf("host %s is CityReport %s's; no Ingress is made for it", host, c.Name), nil
		}
	}
	var list v1alpha1.CountyReportList
	if err := r.List(ctx, &list, client.MatchingFields{hostIndex: host}); err != nil {
		return "", fmt.Errorf("list CountyReports with host %s: %w", host, err)
	}
	claims, err := grantedClaims(ctx, r.grantReader(), list.Items)
	if err != nil {
		return "", err
	}
	allowed := claims[:0]
	for _, c := range claims {
		if HostAllowed(r.HostPatterns, &c) {
			allowed = append(allowed, c)
		}
	}
	if owner := firstClaim(allowed); owner != nil && owner.UID != cr.UID {
		return fmt.Sprintf("host %s is claimed by CountyReport %s/%s, created earlier; no Ingress is made for it",
			host, owner.Namespace, owner.Name), nil
	}
	return "", nil
}

// reconcileIngress makes the portal's Ingress when its host is cr's, and
// removes it otherwise; HostAdmitted says which.
func (r *CountyReportReconciler) reconcileIngress(ctx context.Context, cr *v1alpha1.CountyReport) error {
	ing := tenant.Ingress(cr)
	if ing == nil {
		meta.RemoveStatusCondition(&cr.Status.Conditions, v1alpha1.ConditionHostAdmitted)
		return remove(ctx, r, cr, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: tenant.Name(cr), Namespace: cr.Namespace}})
	}
	msg, err := r.hostRefusal(ctx, cr)
	if err != nil {
		return err
	}
	if msg != "" {
		if c := meta.FindStatusCondition(cr.Status.Conditions, v1alpha1.ConditionHostAdmitted); c == nil || c.Message != msg {
			recordEvent(r.Recorder, cr, "Warning", v1alpha1.ReasonHostNotGranted, "ClaimHost", "%s", msg)
		}
		setCondition(&cr.Status.Conditions, cr.Generation, v1alpha1.ConditionHostAdmitted, metav1.ConditionFalse, v1alpha1.ReasonHostNotGranted, msg)
		return remove(ctx, r, cr, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: tenant.Name(cr), Namespace: cr.Namespace}})
	}
	setCondition(&cr.Status.Conditions, cr.Generation, v1alpha1.ConditionHostAdmitted, metav1.ConditionTrue, v1alpha1.ReasonReconciled,
		fmt.Sprintf("host %s routes to this county's portal", countyHost(cr)))
	return ensure(ctx, r, cr, ing)
}

// portalURL is where the portal is reached: its host when admitted, the
// Service otherwise.
func portalURL(cr *v1alpha1.CountyReport) string {
	if cr.Spec.Portal.Ingress != nil && !meta.IsStatusConditionTrue(cr.Status.Conditions, v1alpha1.ConditionHostAdmitted) {
		c := cr.DeepCopy()
		c.Spec.Portal.Ingress = nil
		return tenant.PortalURL(c)
	}
	return tenant.PortalURL(cr)
}

// countiesOfHost wakes the counties whose host a city names or stops
// naming.
func (r *CountyReportReconciler) countiesOfHost(ctx context.Context, o client.Object) []reconcile.Request {
	c := o.(*v1alpha1.CityReport)
	host := cityHost(c)
	if host == "" {
		return nil
	}
	var list v1alpha1.CountyReportList
	if err := r.List(ctx, &list, client.MatchingFields{hostIndex: host}); err != nil {
		logf.FromContext(ctx).Error(err, "list CountyReports", "host", host)
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, cr := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&cr)})
	}
	return reqs
}

// cityHostOwner is the city that holds c's host: the oldest CityReport
// naming it (creation time, then name); nil when c names none.
func cityHostOwner(cities []v1alpha1.CityReport, c *v1alpha1.CityReport) *v1alpha1.CityReport {
	host := cityHost(c)
	if host == "" {
		return nil
	}
	var claims []v1alpha1.CityReport
	for _, it := range cities {
		if cityHost(&it) == host && it.DeletionTimestamp.IsZero() {
			claims = append(claims, it)
		}
	}
	sort.Slice(claims, func(i, j int) bool {
		if !claims[i].CreationTimestamp.Equal(&claims[j].CreationTimestamp) {
			return claims[i].CreationTimestamp.Before(&claims[j].CreationTimestamp)
		}
		return claims[i].Name < claims[j].Name
	})
	if len(claims) == 0 {
		return nil
	}
	return &claims[0]
}

// cityHostChanged passes a city's creation, deletion and host changes.
var cityHostChanged = updateMatters(func(a, b *v1alpha1.CityReport) bool {
	return cityHost(a) != cityHost(b) || a.DeletionTimestamp.IsZero() != b.DeletionTimestamp.IsZero()
})
