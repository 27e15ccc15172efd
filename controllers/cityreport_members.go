package controllers

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// resolveMembers finds the counties that are members on both sides: listed
// by the city, naming the city in their own spec.cityRef, provisioned, and
// with a bucket the operator made for them. Every other listed county is in
// status.missingMembers with the reason.
func (r *CityReportReconciler) resolveMembers(ctx context.Context, st *cityState) error {
	city := st.city
	var missing []v1alpha1.MissingMember
	seen := map[string]bool{}    // county UIDs already a member
	buckets := map[string]bool{} // buckets already given to a member
	for _, m := range city.Spec.Members {
		ref := memberRef(m)
		cr, err := r.findCounty(ctx, m)
		if err != nil {
			return err
		}
		reason, msg := r.checkMember(ctx, city, cr, ref)
		if reason == "" && (seen[string(cr.UID)] || buckets[cr.Status.Bucket]) {
			reason, msg = v1alpha1.MemberNotFound, fmt.Sprintf("%s is the same county (or bucket) as an earlier entry", ref)
		}
		if reason != "" {
			missing = append(missing, v1alpha1.MissingMember{Member: ref, Reason: reason, Message: msg})
			continue
		}
		seen[string(cr.UID)], buckets[cr.Status.Bucket] = true, true
		st.members = append(st.members, cityMember{county: cr, bucket: cr.Status.Bucket})
	}
	sort.Slice(st.members, func(i, j int) bool {
		return st.members[i].county.Spec.County.Code < st.members[j].county.Spec.County.Code
	})
	previous := map[string]string{}
	for _, m := range city.Status.Members {
		previous[m.Code] = m.Submission
	}
	city.Status.Members = nil
	for _, m := range st.members {
		c := m.county
		city.Status.Members = append(city.Status.Members, v1alpha1.MemberStatus{
			Code: c.Spec.County.Code, Name: c.Spec.County.Name, Namespace: c.Namespace, CountyReport: c.Name,
			Bucket: m.bucket, Submission: previous[c.Spec.County.Code],
		})
	}
	city.Status.MissingMembers = missing
	city.Status.MemberSummary = fmt.Sprintf("%d/%d", len(st.members), len(city.Spec.Members))
	if len(missing) == 0 {
		setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionMembersResolved, metav1.ConditionTrue, v1alpha1.ReasonReconciled,
			fmt.Sprintf("all %d listed counties are members", len(st.members)))
		return nil
	}
	setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionMembersResolved, metav1.ConditionFalse, v1alpha1.ReasonMembersMissing,
		fmt.Sprintf("%d of %d listed counties are not members: see status.missingMembers", len(missing), len(city.Spec.Members)))
	return nil
}

// findCounty returns the CountyReport an entry names, or nil. By code it is
// the county holding the code (the oldest claim in a namespace given the
// code; a duplicate or a claim the administrator did not grant is never a
// member); by namespace and name it is that object, if it holds its code.
func (r *CityReportReconciler) findCounty(ctx context.Context, m v1alpha1.CityMember) (*v1alpha1.CountyReport, error) {
	code := m.Code
	var named *v1alpha1.CountyReport
	if code == "" {
		named = &v1alpha1.CountyReport{}
		err := r.Get(ctx, client.ObjectKey{Namespace: m.Namespace, Name: m.Name}, named)
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read CountyReport %s/%s: %w", m.Namespace, m.Name, err)
		}
		code = named.Spec.County.Code
	}
	var list v1alpha1.CountyReportList
	if err := r.List(ctx, &list, client.MatchingFields{countyCodeIndex: code}); err != nil {
		return nil, fmt.Errorf("list CountyReports with code %s: %w", code, err)
	}
	claims, err := grantedClaims(ctx, grantReaders{cached: r.Client, live: r.APIReader}, list.Items)
	if err != nil {
		return nil, err
	}
	owner := firstClaim(claims)
	if owner == nil || (named != nil && owner.UID != named.UID) {
		return nil, nil
	}
	return owner, nil
}

// checkMember says why a found (or not found) county is not a member; ""
// when it is one.
func (r *CityReportReconciler) checkMember(ctx context.Context, city *v1alpha1.CityReport, cr *v1alpha1.CountyReport, ref string) (string, string) {
	switch {
	case cr == nil:
		return v1alpha1.MemberNotFound, fmt.Sprintf("no CountyReport holds %s", ref)
	case cr.Spec.CityRef == nil || cr.Spec.CityRef.Name != city.Name:
		names := "no city"
		if cr.Spec.CityRef != nil {
			names = fmt.Sprintf("CityReport %q", cr.Spec.CityRef.Name)
		}
		return v1alpha1.MemberNotNamingCity, fmt.Sprintf(
			"CountyReport %s/%s names %s in spec.cityRef, not %q: both manifests must name each other", cr.Namespace, cr.Name, names, city.Name)
	case cr.Status.Bucket == "" || !meta.IsStatusConditionTrue(cr.Status.Conditions, v1alpha1.ConditionStorageReady):
		return v1alpha1.MemberNotProvisioned, fmt.Sprintf("CountyReport %s/%s has no ready bucket yet", cr.Namespace, cr.Name)
	}
	if r.Storage == nil {
		return "", ""
	}
	// The bucket must be the one the operator made for this county: its
	// owner record says so (a county's spec cannot be trusted to name its own bucket).
	owner, err := r.Storage.BucketOwner(ctx, cr.Status.Bucket)
	if err != nil {
		return v1alpha1.MemberNotProvisioned, fmt.Sprintf("bucket %s of CountyReport %s/%s: %v", cr.Status.Bucket, cr.Namespace, cr.Name, err)
	}
	if owner.UID == "" || owner.UID != string(cr.UID) {
		return v1alpha1.MemberNotProvisioned, fmt.Sprintf(
			"bucket %s belongs to %s, not to CountyReport %s/%s; no credentials are given for it", cr.Status.Bucket, owner, cr.Namespace, cr.Name)
	}
	return "", ""
}
