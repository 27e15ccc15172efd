package tenant

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// PortalRules are everything a county's portal may do with the Kubernetes
// API: start and follow ReportRuns in its own namespace and read its own
// CountyReport, by name. Not another CountyReport, not a Secret, nothing
// in another namespace (a Role cannot reach one).
func PortalRules(cr *v1alpha1.CountyReport) []rbacv1.PolicyRule {
	group := v1alpha1.GroupVersion.Group
	return []rbacv1.PolicyRule{
		{APIGroups: []string{group}, Resources: []string{"reportruns"}, Verbs: []string{"create", "get", "list", "watch"}},
		{APIGroups: []string{group}, Resources: []string{"countyreports"}, ResourceNames: []string{cr.Name}, Verbs: []string{"get"}},
	}
}

// Role holds PortalRules in the county's namespace.
func Role(cr *v1alpha1.CountyReport) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: meta(cr), Rules: PortalRules(cr)}
}

// RoleBinding grants the Role to the portal's ServiceAccount.
func RoleBinding(cr *v1alpha1.CountyReport) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: meta(cr),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: Name(cr)},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: Name(cr), Namespace: cr.Namespace}},
	}
}
