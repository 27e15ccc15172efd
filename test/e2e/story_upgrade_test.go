//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
)

// upgradeTag is the second tag of the same image archive.
const upgradeTag = "e2e-upgrade"

// storyUpgrade: helm upgrade to a new image tag rolls the managers and
// then every portal to it; the tenants' data is intact (the published PDF
// the same bytes, the datasets there, the staff's password unchanged) and
// a run on the new image publishes.
func (s *suite) storyUpgrade(t *testing.T) {
	hs := counties[2]
	var before v1alpha1.ReportRun
	must(t, s.c.Get(s.ctx, client.ObjectKey{Namespace: hs.ns, Name: "hengshan-" + period + "-e2e"}, &before))
	pdf := s.downloadReport(t, hs, &before)
	password := s.password(t, hs)

	newImage := imageRepo(s.image) + ":" + upgradeTag
	archive := filepath.Join(t.TempDir(), "upgrade.tar")
	must(t, retag(s.archive, archive, newImage))
	s.importImage(t, archive)
	args := append([]string{"upgrade", release, filepath.Join(s.root, "charts", "countyreport"),
		"--namespace", releaseNS}, s.helmValues(upgradeTag)...)
	s.mustRun(t, 5*time.Minute, s.helm(), args...)
	s.currentImage = newImage
	s.waitManagers(t, newImage, 2)
	for _, tn := range append(append([]tenant{}, counties...), city) {
		s.waitRolled(t, tn, newImage)
	}
	s.eventually(t, "seven counties and the city Ready after the upgrade", 10*time.Minute, s.tenantsReady, releaseNS)

	if now := s.password(t, hs); now != password {
		t.Errorf("%s's admin password changed in the upgrade", hs.name)
	}
	if again := s.downloadReport(t, hs, &before); !bytes.Equal(again, pdf) {
		t.Errorf("%s's %s PDF changed in the upgrade", hs.name, period)
	}
	admin, err := storage.New(s.minio)
	must(t, err)
	for _, tn := range counties {
		if tn.slug == "hengdong" { // no sample data: 衡东县 published none of the figures
			continue
		}
		if _, err := admin.Archive(s.countyReport(t, tn).Status.Bucket).StatDataset(s.ctx, period); err != nil {
			t.Errorf("%s's %s dataset after the upgrade: %v", tn.name, period, err)
		}
	}
	tn := counties[1] // 衡南县
	run := s.createRun(t, tn, "hengnan-"+period+"-e2e")
	run = s.waitRun(t, client.ObjectKeyFromObject(run), 10*time.Minute)
	var pods corev1.PodList
	must(t, s.c.List(s.ctx, &pods, client.InNamespace(tn.ns), client.MatchingLabels{"batch.kubernetes.io/job-name": run.Status.JobName}))
	for _, p := range pods.Items {
		if !strings.HasSuffix(p.Spec.Containers[0].Image, newImage) {
			t.Errorf("Job pod %s ran %s, want the upgrade's %s", p.Name, p.Spec.Containers[0].Image, newImage)
		}
	}
	s.verifyPublished(t, tn)
}

// waitRolled waits until the tenant's portal Deployment runs image with
// every replica updated and available, and no pod of another image left.
func (s *suite) waitRolled(t *testing.T, tn tenant, image string) {
	t.Helper()
	s.eventually(t, tn.name+"'s portal rolled to "+image, 10*time.Minute, func() (bool, string) {
		var d appsv1.Deployment
		if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.service()}, &d); err != nil {
			return false, err.Error()
		}
		if got := d.Spec.Template.Spec.Containers[0].Image; !strings.HasSuffix(got, image) {
			return false, "Deployment still names " + got
		}
		pods, err := s.portalPods(tn)
		if err != nil {
			return false, err.Error()
		}
		for i := range pods {
			if !strings.HasSuffix(pods[i].Spec.Containers[0].Image, image) || !podReady(&pods[i]) {
				return false, podsState(pods)
			}
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		return d.Status.UpdatedReplicas == want && d.Status.AvailableReplicas == want && len(pods) == int(want),
			fmt.Sprintf("updated %d available %d of %d; %s", d.Status.UpdatedReplicas, d.Status.AvailableReplicas, want, podsState(pods))
	}, tn.ns)
}

// storyUninstall: a county deleted with deletionPolicy Delete loses its
// bucket, one with Retain keeps it; helm uninstall removes the managers
// and leaves every remaining tenant's bucket and data (Retain).
func (s *suite) storyUninstall(t *testing.T) {
	mc, err := minio.New(s.minio.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(s.minio.AccessKey, s.minio.SecretKey, ""), Secure: false})
	must(t, err)
	gone, kept := counties[0], counties[3] // 衡阳县 (made Delete), 衡东县 (Retain)
	goneBucket, keptBucket := s.countyReport(t, gone).Status.Bucket, s.countyReport(t, kept).Status.Bucket
	s.kc(t, "-n", gone.ns, "patch", "countyreport", gone.slug, "--type=merge", "-p", `{"spec":{"storage":{"deletionPolicy":"Delete"}}}`)
	for _, tn := range []tenant{gone, kept} {
		s.kc(t, "-n", tn.ns, "delete", "countyreport", tn.slug, "--wait=false")
		s.eventually(t, tn.name+"'s CountyReport deleted", 5*time.Minute, func() (bool, string) {
			err := s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.slug}, &v1alpha1.CountyReport{})
			return apierrors.IsNotFound(err), fmt.Sprintf("%v", err)
		}, tn.ns, releaseNS)
	}
	if ok, err := mc.BucketExists(s.ctx, goneBucket); err != nil || ok {
		t.Errorf("bucket %s (deletionPolicy Delete) exists=%v after its CountyReport was deleted (%v)", goneBucket, ok, err)
	}
	if ok, err := mc.BucketExists(s.ctx, keptBucket); err != nil || !ok {
		t.Errorf("bucket %s (deletionPolicy Retain) exists=%v after its CountyReport was deleted (%v)", keptBucket, ok, err)
	}

	s.mustRun(t, 5*time.Minute, s.helm(), "uninstall", release, "--namespace", releaseNS, "--wait")
	s.eventually(t, "the managers gone", 5*time.Minute, func() (bool, string) {
		var pods corev1.PodList
		if err := s.c.List(s.ctx, &pods, client.InNamespace(releaseNS), managerSelector); err != nil {
			return false, err.Error()
		}
		return len(pods.Items) == 0, podsState(pods.Items)
	}, releaseNS)
	admin, err := storage.New(s.minio)
	must(t, err)
	for _, tn := range counties[1:] {
		var cr v1alpha1.CountyReport
		if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.slug}, &cr); apierrors.IsNotFound(err) {
			continue // deleted above
		} else if err != nil {
			t.Fatal(err)
		}
		if ok, err := mc.BucketExists(s.ctx, cr.Status.Bucket); err != nil || !ok {
			t.Errorf("%s's bucket %s exists=%v after helm uninstall (%v); its deletionPolicy is %s",
				tn.name, cr.Status.Bucket, ok, err, cr.Spec.Storage.DeletionPolicy)
		}
	}
	if _, err := admin.Archive(s.countyReport(t, counties[2]).Status.Bucket).Verify(s.ctx, period); err != nil {
		t.Errorf("%s's %s report after helm uninstall: %v", counties[2].name, period, err)
	}
}
