package controllers

import (
	"context"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/transient"
)

// refusals are the reasons a CityReport is refused: such a city reviews
// nobody, whatever its status still lists.
var refusals = []string{v1alpha1.ReasonInvalidSpec, v1alpha1.ReasonDuplicateCity,
	v1alpha1.ReasonNamespaceMissing, v1alpha1.ReasonNamespaceInUse, v1alpha1.ReasonNamespaceNotGranted}

// readCityReview finds the deadline (and the English name) of the city
// that reviews this county, for its portal to show the same deadline as
// the city's board: the city
// its spec.cityRef names, when that city's resolved members list it too
// (membership needs both sides, as for the city's credentials). Nothing
// else of the city reaches the county.
func (r *CountyReportReconciler) readCityReview(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	if cr.Spec.CityRef == nil {
		return nil
	}
	var city v1alpha1.CityReport
	if err := r.Get(ctx, client.ObjectKey{Name: cr.Spec.CityRef.Name}, &city); err != nil {
		if transient.Is(err) {
			return err // retried in a moment; the portal keeps what it has meanwhile
		}
		if !apierrors.IsNotFound(err) {
			// The deadline is for display: the county's provisioning does
			// not stop over it; the portal shows the defaults.
			logf.FromContext(ctx).Error(err, "read the county's CityReport", "city", cr.Spec.CityRef.Name)
		}
		return nil
	}
	if !reviews(&city, cr) {
		return nil
	}
	terms := city.Spec.Review
	if _, err := time.LoadLocation(terms.TimeZone); err != nil || terms.DeadlineDay < 1 || terms.DeadlineDay > 28 {
		return nil // the city is refused for it; the portal keeps the defaults
	}
	st.inputs.Review, st.inputs.CityEnglishName = &terms, city.Spec.City.EnglishName
	return nil
}

// reviews reports whether city, not refused, has cr among its members.
func reviews(city *v1alpha1.CityReport, cr *v1alpha1.CountyReport) bool {
	if c := meta.FindStatusCondition(city.Status.Conditions, v1alpha1.ConditionReady); c != nil && slices.Contains(refusals, c.Reason) {
		return false
	}
	return slices.ContainsFunc(city.Status.Members, func(m v1alpha1.MemberStatus) bool {
		return m.Namespace == cr.Namespace && m.CountyReport == cr.Name && m.Code == cr.Spec.County.Code
	})
}

// memberKeys are who a city's members are, without their board states.
func memberKeys(c *v1alpha1.CityReport) []string {
	keys := make([]string, 0, len(c.Status.Members))
	for _, m := range c.Status.Members {
		keys = append(keys, m.Code+"/"+m.Namespace+"/"+m.CountyReport)
	}
	return keys
}

// countiesOfCity wakes the counties that name a city when its review
// terms or its members change.
func (r *CountyReportReconciler) countiesOfCity(ctx context.Context, o client.Object) []reconcile.Request {
	city := o.(*v1alpha1.CityReport)
	var list v1alpha1.CountyReportList
	if err := r.List(ctx, &list); err != nil {
		logf.FromContext(ctx).Error(err, "list CountyReports", "city", city.Name)
		return nil
	}
	var reqs []reconcile.Request
	for _, cr := range list.Items {
		if cr.Spec.CityRef != nil && cr.Spec.CityRef.Name == city.Name {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&cr)})
		}
	}
	return reqs
}

// cityTermsChanged passes the CityReport changes a county's portal depends
// on: its review terms, its members, whether it is refused. The board's
// counts and the ranking change every month and wake no county.
var cityTermsChanged = updateMatters(func(a, b *v1alpha1.CityReport) bool {
	ready := func(c *v1alpha1.CityReport) string {
		if cond := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionReady); cond != nil {
			return cond.Reason
		}
		return ""
	}
	return a.Spec.Review != b.Spec.Review || a.Spec.City.EnglishName != b.Spec.City.EnglishName || !slices.Equal(memberKeys(a), memberKeys(b)) || ready(a) != ready(b)
})
