//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// reset removes what an earlier run of the suite left on a node kept up
// (E2E_KEEP=1): the release, the tenants, their namespaces and every
// bucket, so each run starts from a fresh node's state. On a fresh node it
// finds nothing to do.
func (s *suite) reset(t *testing.T) {
	t.Helper()
	if out, err := s.run(5*time.Minute, s.helm(), "status", release, "--namespace", releaseNS); err == nil {
		t.Logf("an earlier run's release is installed: uninstalling it")
		s.mustRun(t, 5*time.Minute, s.helm(), "uninstall", release, "--namespace", releaseNS, "--wait")
	} else if !strings.Contains(out, "not found") {
		t.Fatalf("helm status: %v", err)
	}
	var crs v1alpha1.CountyReportList
	if err := s.c.List(s.ctx, &crs); err == nil {
		for i := range crs.Items {
			s.dropFinalizers(t, &crs.Items[i])
		}
	}
	var cities v1alpha1.CityReportList
	if err := s.c.List(s.ctx, &cities); err == nil {
		for i := range cities.Items {
			s.dropFinalizers(t, &cities.Items[i])
		}
	}
	nss := []string{releaseNS, probeNS, city.ns}
	for _, tn := range counties {
		nss = append(nss, tn.ns)
	}
	for _, ns := range nss {
		err := s.c.Delete(s.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	s.eventually(t, "the earlier run's namespaces gone", 5*time.Minute, func() (bool, string) {
		for _, ns := range nss {
			err := s.c.Get(s.ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})
			if !apierrors.IsNotFound(err) {
				return false, fmt.Sprintf("namespace %s: %v", ns, err)
			}
		}
		return true, ""
	})
	mc, err := minio.New(s.minio.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(s.minio.AccessKey, s.minio.SecretKey, ""), Secure: false})
	must(t, err)
	buckets, err := mc.ListBuckets(s.ctx)
	if err != nil {
		t.Fatalf("MinIO at %s: %v", s.minio.Endpoint, err)
	}
	for _, b := range buckets {
		if err := mc.RemoveBucketWithOptions(s.ctx, b.Name, minio.RemoveBucketOptions{ForceDelete: true}); err != nil {
			t.Fatalf("remove the earlier run's bucket %s: %v", b.Name, err)
		}
	}
}

// dropFinalizers lets an object go without the (uninstalled) operator.
func (s *suite) dropFinalizers(t *testing.T, obj client.Object) {
	t.Helper()
	if len(obj.GetFinalizers()) > 0 {
		patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`))
		if err := s.c.Patch(s.ctx, obj, patch); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	if err := s.c.Delete(s.ctx, obj); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}
