// Command chartcheck reads `helm template` output of charts/countyreport on
// stdin and checks the manager's RBAC and metrics wiring: with
// -namespaces a,b the manager is granted its namespaced rules by a Role in
// each of those namespaces and holds cluster-wide only the TokenReview and
// SubjectAccessReview it needs for /metrics; without, one ClusterRole holds
// everything. Either way /metrics has its Service, its reader ClusterRole and
// HTTPS. It prints each failure and exits 1.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	release := flag.String("release", "t", "the release name the chart was rendered with")
	namespaces := flag.String("namespaces", "", "the chart's watchNamespaces, comma-separated")
	flag.Parse()
	docs, err := readDocs(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chartcheck:", err)
		os.Exit(1)
	}
	var ns []string
	if *namespaces != "" {
		ns = strings.Split(*namespaces, ",")
	}
	if errs := check(docs, *release, ns); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, "chartcheck:", e)
		}
		os.Exit(1)
	}
	fmt.Printf("chartcheck: RBAC and metrics wiring as expected (watchNamespaces=%q)\n", *namespaces)
}

type doc struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	raw []byte
}

func readDocs(r io.Reader) ([]doc, error) {
	all, err := io.ReadAll(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	var docs []doc
	for _, part := range bytes.Split(all, []byte("\n---")) {
		var d doc
		if err := yaml.Unmarshal(part, &d); err != nil {
			return nil, fmt.Errorf("a rendered document does not parse: %w", err)
		}
		if d.Kind != "" {
			d.raw = part
			docs = append(docs, d)
		}
	}
	return docs, nil
}

func find[T any](docs []doc, kind, namespace, name string) (*T, bool) {
	for _, d := range docs {
		if d.Kind == kind && d.Metadata.Name == name && (namespace == "" || d.Metadata.Namespace == namespace) {
			var t T
			if yaml.Unmarshal(d.raw, &t) == nil {
				return &t, true
			}
		}
	}
	return nil, false
}

// grants reports whether rules allow verb on resource (of any group).
func grants(rules []rbacv1.PolicyRule, resource, verb string) bool {
	for _, r := range rules {
		if slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
			return true
		}
	}
	return false
}

func check(docs []doc, release string, namespaces []string) []string {
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	manager := release + "-manager"

	cr, ok := find[rbacv1.ClusterRole](docs, "ClusterRole", "", manager)
	if !ok {
		fail("no ClusterRole %s", manager)
		cr = &rbacv1.ClusterRole{}
	}
	for _, res := range []string{"tokenreviews", "subjectaccessreviews"} {
		if !grants(cr.Rules, res, "create") {
			fail("ClusterRole %s does not allow create on %s (the metrics endpoint's checks)", manager, res)
		}
	}
	// Cluster-scoped kinds a Role cannot grant.
	for _, res := range []string{"namespaces", "cityreports"} {
		if !grants(cr.Rules, res, "get") {
			fail("ClusterRole %s does not allow get on %s (cluster-scoped)", manager, res)
		}
	}
	namespaced := []string{"deployments", "configmaps", "secrets", "jobs", "countyreports", "reportruns"}
	if len(namespaces) == 0 {
		for _, res := range namespaced {
			if !grants(cr.Rules, res, "get") {
				fail("ClusterRole %s does not allow get on %s", manager, res)
			}
		}
	}
	for _, ns := range namespaces {
		role, ok := find[rbacv1.Role](docs, "Role", ns, manager)
		if !ok {
			fail("watchNamespaces has %s but there is no Role %s in it", ns, manager)
			continue
		}
		for _, res := range namespaced {
			if !grants(role.Rules, res, "get") {
				fail("Role %s/%s does not allow get on %s", ns, manager, res)
			}
		}
		rb, ok := find[rbacv1.RoleBinding](docs, "RoleBinding", ns, manager)
		if !ok || rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != manager || len(rb.Subjects) != 1 || rb.Subjects[0].Name != manager {
			fail("no RoleBinding %s/%s of Role %s to ServiceAccount %s", ns, manager, manager, manager)
		}
	}
	if len(namespaces) > 0 {
		for _, res := range namespaced {
			if grants(cr.Rules, res, "get") {
				fail("watchNamespaces is set but ClusterRole %s still allows get on %s in every namespace", manager, res)
			}
		}
	}

	reader, ok := find[rbacv1.ClusterRole](docs, "ClusterRole", "", release+"-metrics-reader")
	if !ok || len(reader.Rules) != 1 || !slices.Equal(reader.Rules[0].NonResourceURLs, []string{"/metrics"}) ||
		!slices.Equal(reader.Rules[0].Verbs, []string{"get"}) {
		fail("no ClusterRole %s-metrics-reader allowing exactly get on /metrics", release)
	}
	svc, ok := find[corev1.Service](docs, "Service", "", manager+"-metrics")
	if !ok || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		fail("no Service %s-metrics on the manager's metrics port", manager)
	}
	d, ok := find[appsv1.Deployment](docs, "Deployment", "", manager)
	if !ok || len(d.Spec.Template.Spec.Containers) == 0 {
		fail("no Deployment %s", manager)
	} else if args := d.Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--metrics-secure=true") {
		fail("the manager is not started with --metrics-secure=true: %v", args)
	}
	return errs
}
