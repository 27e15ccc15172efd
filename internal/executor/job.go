package executor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

// Job settings.
const (
	// ExitNoData is the exit code of `countyreport generate` when the period
	// has no dataset; the Job's pod failure policy fails the Job at once on it.
	ExitNoData = 3
	// ContainerName is the name of the Job's one container.
	ContainerName = "generate"
	// runUID is the non-root user the Job runs as (distroless "nonroot").
	runUID = 65532
)

// JobOptions tune the Jobs.
type JobOptions struct {
	// Image is the operator's portal image; a CountyReport's spec.portal.image overrides it.
	Image string
	// BackoffLimit is how many times a Job's pod is retried (default 2).
	BackoffLimit *int32
	// ActiveDeadline bounds one Job (default 1800 s).
	ActiveDeadlineSeconds *int64
	// TTLSecondsAfterFinished lets the cluster remove finished Jobs (default one day).
	TTLSecondsAfterFinished *int32
	// StorageCA mounts the storage CA bundle from the credentials Secret
	// (the endpoint is behind a private CA).
	StorageCA bool
	// Sign mounts the county's signing Secret: the Job signs report.pdf.
	Sign bool
}

// Job runs each attempt as a batch/v1 Job in the county's namespace.
type Job struct {
	Client client.Client
	// Reader reads past the cache (the manager's API reader): a Job the
	// cache does not hold yet may just have been created, so it is gone
	// only when the API server says so. Nil: Client's answer is final.
	Reader   client.Reader
	Scheme   *runtime.Scheme
	Archives *Archives
	Options  JobOptions
}

// JobName is the Job of attempt n of run: <run>-<n>, shortened with a hash
// when that would not fit a label value (63 characters).
func JobName(run *v1alpha1.ReportRun, attempt int32) string {
	name := run.Name + "-" + strconv.Itoa(int(attempt))
	if len(name) <= 63 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := "-" + hex.EncodeToString(sum[:])[:8] + "-" + strconv.Itoa(int(attempt))
	return run.Name[:63-len(suffix)] + suffix
}

// MakeJob builds the Job of the current attempt of run. It is pure.
func MakeJob(run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport, o JobOptions) *batchv1.Job {
	secret := tenant.CredentialsSecretName(cr)
	from := func(env, key string, optional bool) corev1.EnvVar {
		return corev1.EnvVar{Name: env, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key, Optional: ptr.To(optional),
		}}}
	}
	labels := map[string]string{
		v1alpha1.LabelManagedBy:       v1alpha1.ManagedByValue,
		v1alpha1.LabelCounty:          cr.Spec.County.Code,
		v1alpha1.LabelCountyReport:    cr.Name,
		v1alpha1.LabelReportRun:       run.Name,
		v1alpha1.LabelPeriod:          run.Spec.Period,
		"app.kubernetes.io/name":      "countyreport-generate",
		"app.kubernetes.io/component": "report-run",
	}
	env := []corev1.EnvVar{
		from(storage.EnvEndpoint, tenant.SecretEndpoint, false),
		from(storage.EnvAccessKey, tenant.SecretAccessKey, false),
		from(storage.EnvSecretKey, tenant.SecretSecretKey, false),
		from(storage.EnvSessionToken, tenant.SecretSessionToken, true),
		from(storage.EnvInsecure, tenant.SecretInsecure, true),
		from(storage.EnvBucket, tenant.SecretBucket, false),
		{Name: "TMPDIR", Value: "/tmp"},
	}
	mounts := []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}}
	volumes := []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{
		EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("256Mi"))},
	}}}
	if o.StorageCA {
		v, m, e := tenant.StorageCA(secret)
		volumes, mounts, env = append(volumes, v), append(mounts, m), append(env, e)
	}
	if o.Sign {
		v, m, e := signingVolume(cr)
		volumes, mounts, env = append(volumes, v), append(mounts, m), append(env, e)
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: JobName(run, run.Status.Attempts), Namespace: run.Namespace, Labels: labels},
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr.To(ptr.Deref(o.BackoffLimit, 2)),
			ActiveDeadlineSeconds:   ptr.To(ptr.Deref(o.ActiveDeadlineSeconds, 1800)),
			TTLSecondsAfterFinished: ptr.To(ptr.Deref(o.TTLSecondsAfterFinished, 86400)),
			PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
				Action: batchv1.PodFailurePolicyActionFailJob,
				OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
					ContainerName: ptr.To(ContainerName), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{ExitNoData},
				},
			}}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyNever,
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: ptr.To(true),
						RunAsUser:    ptr.To[int64](runUID),
						RunAsGroup:   ptr.To[int64](runUID),
						// The signing Secret is mounted 0400: without the
						// volume's group set to the run's, the kubelet leaves
						// its files root's and the non-root run cannot read
						// its key (found on a real node; envtest runs no pod).
						FSGroup:        ptr.To[int64](runUID),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:  ContainerName,
						Image: Image(cr, o.Image),
						Args:  []string{"generate", "--period", run.Spec.Period, "--publish", "--lang", Language(cr)},
						Env:   env,
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")},
						},
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot:             ptr.To(true),
							ReadOnlyRootFilesystem:   ptr.To(true),
							AllowPrivilegeEscalation: ptr.To(false),
							Privileged:               ptr.To(false),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
						},
						TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
						VolumeMounts:             mounts,
					}},
					Volumes: volumes,
				},
			},
		},
	}
}

// Start checks that the period has data (so no Job is started for nothing)
// and creates the attempt's Job, owned by the ReportRun. The attempt is
// Running from then on: the Job's pods take far longer than one reconcile.
func (j *Job) Start(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (Result, error) {
	if err := j.fresh(ctx, run); err != nil {
		return Result{}, err
	}
	if err := j.preflight(ctx, run, cr); err != nil {
		return Result{}, err
	}
	job := MakeJob(run, cr, j.Options)
	if err := controllerutil.SetControllerReference(run, job, j.Scheme); err != nil {
		return Result{}, err
	}
	if err := j.Client.Create(ctx, job); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			return Result{}, fmt.Errorf("create Job %s: %w", job.Name, err)
		}
		if err := j.adopt(ctx, run, job.Name); err != nil {
			return Result{}, err
		}
	}
	run.Status.JobName = job.Name
	return Result{State: Running}, nil
}

// ErrStale: the run was read from a cache that has not seen its latest
// write. Nothing was done; the caller looks again shortly.
var ErrStale = errors.New("the ReportRun read is older than the API server's; nothing started")

// fresh checks run against the API server before an attempt's Job is made.
// A cache behind the run's own last status write would otherwise start
// again an attempt that has run, and remake a Job that finished and was
// removed. One read per attempt: Jobs start once a month per county.
func (j *Job) fresh(ctx context.Context, run *v1alpha1.ReportRun) error {
	var live v1alpha1.ReportRun
	if err := j.reader().Get(ctx, client.ObjectKeyFromObject(run), &live); err != nil {
		return fmt.Errorf("read ReportRun %s: %w", run.Name, err)
	}
	if live.ResourceVersion != run.ResourceVersion {
		return ErrStale
	}
	return nil
}

// adopt accepts an existing Job of the attempt's name only when this run
// controls it. One left by an earlier ReportRun of the same name (deleted and
// created again, its Job not yet collected) is deleted and the attempt starts
// again on the next reconcile: that Job's result is not this run's.
func (j *Job) adopt(ctx context.Context, run *v1alpha1.ReportRun, name string) error {
	var have batchv1.Job
	if err := j.reader().Get(ctx, client.ObjectKey{Namespace: run.Namespace, Name: name}, &have); err != nil {
		return fmt.Errorf("read existing Job %s: %w", name, err)
	}
	owner := metav1.GetControllerOf(&have)
	switch {
	case owner != nil && owner.UID == run.UID:
		return nil
	case owner != nil && owner.Kind == "ReportRun" && owner.Name == run.Name:
		err := j.Client.Delete(ctx, &have, client.Preconditions{UID: &have.UID},
			client.PropagationPolicy(metav1.DeletePropagationBackground))
		if client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete Job %s of an earlier ReportRun %s: %w", name, run.Name, err)
		}
		return fmt.Errorf("job %s belonged to an earlier ReportRun %s (uid %s): deleted, this run's is created next", name, run.Name, owner.UID)
	}
	return fmt.Errorf("job %s exists and does not belong to ReportRun %s", name, run.Name)
}

func (j *Job) reader() client.Reader {
	if j.Reader != nil {
		return j.Reader
	}
	return j.Client
}

// preflight fails the attempt early when there is no dataset or no storage.
func (j *Job) preflight(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) error {
	if j.Options.Sign {
		if err := signingReady(ctx, j.reader(), cr); err != nil {
			return err
		}
	}
	a, err := j.Archives.Open(ctx, cr)
	if err != nil {
		return err
	}
	// A Stat, not a download: the Job reads the dataset itself.
	if _, err := a.StatDataset(ctx, run.Spec.Period); err != nil {
		return Classify(run.Spec.Period, err)
	}
	return nil
}

// Poll follows the Job's conditions; on Complete the result is read from the
// published manifest.
func (j *Job) Poll(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (Result, error) {
	name := run.Status.JobName
	if name == "" {
		name = JobName(run, run.Status.Attempts)
	}
	var job batchv1.Job
	key := client.ObjectKey{Namespace: run.Namespace, Name: name}
	err := j.Client.Get(ctx, key, &job)
	if apierrors.IsNotFound(err) && j.Reader != nil {
		// The cache may not have seen yet the Job this run's status follows.
		err = j.Reader.Get(ctx, key, &job)
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			return j.gone(ctx, run, cr, name, err)
		}
		return Result{}, err
	}
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return readPublished(ctx, j.Archives, run, cr)
		case batchv1.JobFailed:
			f := &Failure{Reason: v1alpha1.RunReasonJobFailed, Retryable: true,
				Message: messages.Both("executor.jobFailed", name) + ": " + c.Reason + " " + c.Message}
			// A Job that failed because the period has no data is not retried.
			if a, err := j.Archives.Open(ctx, cr); err == nil {
				if _, err := a.StatDataset(ctx, run.Spec.Period); errors.Is(err, storage.ErrNotFound) {
					f = NoData(run.Spec.Period, err)
				}
			}
			return Result{State: Failed, Failure: f}, nil
		}
	}
	return Result{State: Running}, nil
}

// gone decides an attempt whose Job no longer exists. A Job removed by its
// ttlSecondsAfterFinished before this run read it (a manager down for longer
// than that) has likely published: a report for the period written since
// the run started is its result, and rendering it again would be for
// nothing. Otherwise the attempt failed and is retried.
func (j *Job) gone(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport, name string, notFound error) (Result, error) {
	rep, ok, err := publishedSince(ctx, j.Archives, run, cr)
	if err != nil {
		return Result{}, fmt.Errorf("job %s is gone: %w", name, err)
	}
	if ok {
		return Result{State: Succeeded, Report: rep}, nil
	}
	return Result{State: Failed, Failure: &Failure{Reason: v1alpha1.RunReasonJobFailed, Retryable: true, Err: notFound,
		Message: messages.Both("executor.jobGone", name)}}, nil
}

// readPublished reads the period's report from the archive: the artifacts a
// ReportRun shows are the manifest's.
func readPublished(ctx context.Context, archives *Archives, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (Result, error) {
	a, err := archives.Open(ctx, cr)
	if err != nil {
		f, ok := AsFailure(err)
		if !ok {
			return Result{}, err // the API server's: read again later
		}
		return Result{State: Failed, Failure: f}, nil
	}
	rep, err := a.Report(ctx, run.Spec.Period)
	if err != nil {
		if storage.IsUnavailable(err) {
			// The attempt is over and has likely published: read it again
			// later rather than count a failed attempt and render once more.
			return Result{}, fmt.Errorf("read the published report of %s: %w", run.Spec.Period, err)
		}
		f := Classify(run.Spec.Period, err)
		if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrIncomplete) || errors.Is(err, storage.ErrCorrupt) {
			f = &Failure{Reason: v1alpha1.RunReasonRenderFailed, Retryable: true, Err: err,
				Message: messages.Both("executor.noCompleteReport") + ": " + err.Error()}
		}
		return Result{State: Failed, Failure: f}, nil
	}
	return Result{State: Succeeded, Report: rep}, nil
}
