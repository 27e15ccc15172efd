package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

// kubectl runs the built kubectl against the local control plane.
func (pl *platform) kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(pl.srv.K8sBin, "kubectl"), append([]string{"--kubeconfig=" + pl.srv.Kubeconfig()}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// installCRDs applies config/crd (server-side, so a resumed platform gets
// the current schema) and waits until the API serves them.
func (pl *platform) installCRDs(ctx context.Context) error {
	if _, err := pl.kubectl(ctx, "apply", "--server-side", "--force-conflicts", "--field-manager=countyreport-dev",
		"-k", filepath.Join(pl.opts.root, "config", "crd")); err != nil {
		return err
	}
	_, err := pl.kubectl(ctx, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/countyreports.reporting.countyreport.io", "crd/reportruns.reporting.countyreport.io")
	return err
}

// applyCounties applies --counties: a kustomization (-k) or a folder or file
// of manifests (-f), and counts the CountyReports there are then.
func (pl *platform) applyCounties(ctx context.Context) (int, error) {
	src := pl.opts.counties
	st, err := os.Stat(src)
	if err != nil {
		return 0, fmt.Errorf("--counties %s: %w", src, err)
	}
	mode := "-f"
	if st.IsDir() {
		for _, k := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
			if _, err := os.Stat(filepath.Join(src, k)); err == nil {
				mode = "-k"
			}
		}
	}
	args := []string{"apply", mode, src}
	if mode == "-f" && st.IsDir() {
		args = append(args, "--recursive")
	}
	if _, err := pl.kubectl(ctx, args...); err != nil {
		return 0, fmt.Errorf("--counties %s: %w", src, err)
	}
	var list v1alpha1.CountyReportList
	if err := pl.c.List(ctx, &list); err != nil {
		return 0, err
	}
	return len(list.Items), nil
}

// waitReady shows each county as it becomes Ready, until all are.
func (pl *platform) waitReady(ctx context.Context) error {
	ready := map[string]bool{}
	stalled := map[string]time.Time{}
	var waiting []string
	for {
		var list v1alpha1.CountyReportList
		if err := pl.c.List(ctx, &list); err != nil && ctx.Err() == nil {
			return err
		}
		waiting = waiting[:0]
		for _, cr := range list.Items {
			key := cr.Namespace + "/" + cr.Name
			c := meta.FindStatusCondition(cr.Status.Conditions, v1alpha1.ConditionReady)
			served := pl.runtime.URL(types.NamespacedName{Namespace: cr.Namespace, Name: tenant.Name(&cr)}) != ""
			if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == cr.Generation && served {
				if !ready[key] {
					ready[key] = true
					pl.progress.say("county %s (%s) Ready: bucket %s", key, cr.Spec.County.Name, cr.Status.Bucket)
				}
				continue
			}
			pl.nudgeIfStalled(ctx, &cr, c, served, stalled)
			why := "not reconciled yet"
			switch {
			case c != nil && c.Status != metav1.ConditionTrue:
				why = c.Message
			case !served:
				why = "its portal is not served yet"
			}
			waiting = append(waiting, key+": "+why)
		}
		if len(list.Items) > 0 && len(waiting) == 0 {
			pl.progress.say("all %d counties Ready", len(list.Items))
			return nil
		}
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ctx.Err() // stopped, not timed out
			}
			sort.Strings(waiting)
			return fmt.Errorf("counties not Ready after %s (--timeout):\n  %s", pl.opts.timeout, strings.Join(waiting, "\n  "))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// portalStallAfter is how long a county may wait for a portal that is
// served before the platform looks again on its behalf.
const portalStallAfter = 20 * time.Second

// nudgeIfStalled touches the portal Deployment of a county that has waited
// only for its portal for portalStallAfter while the portal is served.
// Seen on a resumed platform under load (rarely): the county kept a
// PortalAvailable=False it had read before the in-process portal was up,
// and no later change of the Deployment reached it. Until that is
// understood, an annotation on the Deployment (which the operator does not
// own, so nothing else changes) makes the county read it again.
func (pl *platform) nudgeIfStalled(ctx context.Context, cr *v1alpha1.CountyReport, c *metav1.Condition, served bool, stalled map[string]time.Time) {
	key := cr.Namespace + "/" + cr.Name
	if !served || c == nil || c.Status == metav1.ConditionTrue || c.Message != "waiting for: "+v1alpha1.ConditionPortalAvailable {
		delete(stalled, key)
		return
	}
	since, seen := stalled[key]
	if !seen {
		stalled[key] = time.Now()
		return
	}
	if time.Since(since) < portalStallAfter {
		return
	}
	stalled[key] = time.Now()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{"countyreport.io/dev-looked-again":%q}}}`, time.Now().UTC().Format(time.RFC3339Nano))
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: cr.Namespace, Name: tenant.Name(cr)}}
	if err := pl.c.Patch(ctx, d, client.RawPatch(types.MergePatchType, []byte(patch))); err == nil {
		pl.progress.say("county %s still waits for its portal, which is served: looking again", key)
	}
}

// firstDataset reads --dataset, the dataset the platform starts from.
func (pl *platform) firstDataset() (*dataset.Dataset, error) {
	raw, err := os.ReadFile(pl.opts.dataset)
	if err != nil {
		return nil, fmt.Errorf("--dataset: %w", err)
	}
	ds, err := dataset.Parse(raw, filepath.Base(pl.opts.dataset))
	if err != nil {
		return nil, fmt.Errorf("--dataset %s: %w", pl.opts.dataset, err)
	}
	return ds, nil
}

// firstReport stores --dataset into its county's bucket and renders it with
// a ReportRun, unless that run already succeeded (a resumed platform).
func (pl *platform) firstReport(ctx context.Context) error {
	ds, err := pl.firstDataset()
	if err != nil {
		return err
	}
	cr, err := pl.countyByCode(ctx, ds.Meta.CountyCode)
	if err != nil {
		return err
	}
	period := ds.Meta.Period
	runKey := client.ObjectKey{Namespace: cr.Namespace, Name: cr.Name + "-" + period}
	run := &v1alpha1.ReportRun{}
	err = pl.c.Get(ctx, runKey, run)
	if err == nil && run.Status.Phase == v1alpha1.RunSucceeded {
		pl.progress.say("report %s of %s already rendered (%d pages)", period, cr.Spec.County.Name, run.Status.Pages)
		return pl.waitLastReport(ctx, client.ObjectKeyFromObject(cr), period)
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	exists := err == nil
	normalized, err := ds.Normalized()
	if err != nil {
		return err
	}
	admin, err := storage.New(pl.admin)
	if err != nil {
		return err
	}
	if _, err := admin.Archive(cr.Status.Bucket).PutDataset(ctx, period, normalized); err != nil {
		return fmt.Errorf("store the dataset: %w", err)
	}
	pl.progress.say("stored %s into %s/data/%s/dataset.json", rel(pl.opts.root, pl.opts.dataset), cr.Status.Bucket, period)
	if !exists {
		run = &v1alpha1.ReportRun{
			ObjectMeta: metav1.ObjectMeta{Namespace: runKey.Namespace, Name: runKey.Name},
			Spec:       v1alpha1.ReportRunSpec{CountyReportName: cr.Name, Period: period},
		}
		if err := pl.c.Create(ctx, run); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create ReportRun %s: %w", runKey, err)
		}
		pl.progress.say("ReportRun %s created; rendering", runKey)
	}
	if err := pl.waitRun(ctx, runKey); err != nil {
		return err
	}
	return pl.waitLastReport(ctx, client.ObjectKeyFromObject(cr), period)
}

// waitLastReport waits until the county's status shows the period's report
// (the operator records it there after the run succeeded), so the table
// printed next shows it.
func (pl *platform) waitLastReport(ctx context.Context, key client.ObjectKey, period string) error {
	for {
		cr := &v1alpha1.CountyReport{}
		if err := pl.c.Get(ctx, key, cr); err != nil && ctx.Err() == nil {
			return err
		}
		if r := cr.Status.LastReport; r != nil && r.Period >= period {
			return nil
		}
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ctx.Err()
			}
			return fmt.Errorf("CountyReport %s does not show the %s report after %s (--timeout)", key, period, pl.opts.timeout)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (pl *platform) waitRun(ctx context.Context, key client.ObjectKey) error {
	last := v1alpha1.RunPhase("")
	for {
		run := &v1alpha1.ReportRun{}
		if err := pl.c.Get(ctx, key, run); err != nil && ctx.Err() == nil {
			return err
		}
		if run.Status.Phase != last && run.Status.Phase != "" {
			last = run.Status.Phase
			if last != v1alpha1.RunSucceeded && last != v1alpha1.RunFailed {
				pl.progress.say("ReportRun %s: %s", key, last)
			}
		}
		switch run.Status.Phase {
		case v1alpha1.RunSucceeded:
			pl.progress.say("report %s rendered and archived: %d pages", run.Spec.Period, run.Status.Pages)
			return nil
		case v1alpha1.RunFailed:
			return fmt.Errorf("ReportRun %s failed (%s): %s", key, run.Status.Reason, run.Status.Message)
		}
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ctx.Err()
			}
			return fmt.Errorf("ReportRun %s not done after %s (--timeout); phase %q: %s", key, pl.opts.timeout, run.Status.Phase, run.Status.Message)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (pl *platform) countyByCode(ctx context.Context, code string) (*v1alpha1.CountyReport, error) {
	var list v1alpha1.CountyReportList
	if err := pl.c.List(ctx, &list); err != nil {
		return nil, err
	}
	for i := range list.Items {
		if list.Items[i].Spec.County.Code == code {
			return &list.Items[i], nil
		}
	}
	return nil, fmt.Errorf("--dataset is county %s's, and no CountyReport in --counties has that code", code)
}
