package runs

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/testenv"
)

// The Jobs of a ReportRun and the scheduled ReportRuns carry controller
// references (blockOwnerDeletion). Where the API server enforces owner
// reference permissions (OwnerReferencesPermissionEnforcement, on in
// OpenShift and hardened clusters), setting one needs "update" on the
// owner's finalizers. This control plane enforces it, and the manager acts
// with nothing but the generated ClusterRole.
func TestGeneratedRoleMaySetTheOwnerReferencesTheManagerSets(t *testing.T) {
	g := NewWithT(t)
	assets, err := testenv.Assets()
	g.Expect(err).NotTo(HaveOccurred())
	root, err := repo.Root()
	g.Expect(err).NotTo(HaveOccurred())
	te := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	te.ControlPlane.GetAPIServer().Configure().Append("enable-admission-plugins", "OwnerReferencesPermissionEnforcement")
	cfg, err := te.Start()
	if err != nil {
		t.Fatalf("control plane: %v", err)
	}
	t.Cleanup(func() { _ = te.Stop() })
	admin, err := client.New(cfg, client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())

	raw, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	role := &rbacv1.ClusterRole{}
	g.Expect(yaml.Unmarshal(raw, role)).To(Succeed())
	g.Expect(admin.Create(ctx, role)).To(Succeed())
	g.Expect(admin.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "manager"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "manager"}},
	})).To(Succeed())
	user, err := te.AddUser(envtest.User{Name: "manager"}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	manager, err := client.New(user.Config(), client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())

	cr := newCounty("default", "hengshan", "930001")
	g.Expect(admin.Create(ctx, cr)).To(Succeed())
	// The schedule's run, owned by its CountyReport.
	r := newRun("default", "hengshan", "2026-10")
	g.Expect(controllerutil.SetControllerReference(cr, r, scheme)).To(Succeed())
	g.Expect(manager.Create(ctx, r)).To(Succeed())
	// An attempt's Job, owned by its ReportRun.
	r.Status.Attempts = 1
	job := executor.MakeJob(r, cr, executor.JobOptions{Image: "countyreport:test"})
	g.Expect(controllerutil.SetControllerReference(r, job, scheme)).To(Succeed())
	g.Expect(manager.Create(ctx, job)).To(Succeed())
}
