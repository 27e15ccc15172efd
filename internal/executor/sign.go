package executor

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/storage"
)

// Signing: every report a run publishes is signed with its county's key
// (internal/signing). A Job mounts the Secret of its own namespace; the
// in-process executor reads that same Secret, by the county's name, and
// nothing else.

// Tenant is cr as a signing certificate names it.
func Tenant(cr *v1alpha1.CountyReport) signing.Tenant {
	return signing.Tenant{Code: cr.Spec.County.Code, Name: cr.Spec.County.Name, EnglishName: cr.Spec.County.EnglishName, Kind: "county"}
}

// signingVolume mounts the county's signing Secret into the Job, read-only.
func signingVolume(cr *v1alpha1.CountyReport) (corev1.Volume, corev1.VolumeMount, corev1.EnvVar) {
	return corev1.Volume{Name: "signing", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: signing.SecretName(cr.Name), DefaultMode: ptr.To[int32](0o400),
			Items: []corev1.KeyToPath{{Key: signing.KeyCert, Path: signing.KeyCert}, {Key: signing.KeyKey, Path: signing.KeyKey}, {Key: signing.KeyCA, Path: signing.KeyCA}},
		}}},
		corev1.VolumeMount{Name: "signing", MountPath: signing.MountDir, ReadOnly: true},
		corev1.EnvVar{Name: signing.EnvDir, Value: signing.MountDir}
}

// signingReady fails the attempt early when the county has no signing
// Secret yet (the operator issues it; a Job would wait for the mount).
func signingReady(ctx context.Context, r client.Reader, cr *v1alpha1.CountyReport) error {
	var sec corev1.Secret
	name := signing.SecretName(cr.Name)
	if err := r.Get(ctx, client.ObjectKey{Namespace: cr.Namespace, Name: name}, &sec); err != nil {
		return &Failure{Reason: v1alpha1.RunReasonNoCredentials, Retryable: true, Err: err,
			Message: messages.Both("executor.signingNotReady", name) + ": " + err.Error()}
	}
	return nil
}

// Sign signs the rendered report with s, keeping the report the archive
// holds when it is this same rendering signed with the same certificate.
func (r *Rendered) Sign(ctx context.Context, a *storage.Archive, s *signing.Signer) error {
	signed, mdata, err := signing.SignForArchive(ctx, a, r.Period, s, r.Out.PDF, r.Out.Manifest)
	if err != nil {
		return err
	}
	m, err := manifest.Parse(mdata)
	if err != nil {
		return err
	}
	r.Out.PDF, r.Out.Manifest, r.Out.ManifestInfo = signed, mdata, m
	return nil
}

// signer is the county's signer for an in-process attempt: nil when the
// executor signs nothing (no Keys).
func (p *InProcess) signer(ctx context.Context, cr *v1alpha1.CountyReport) (*signing.Signer, error) {
	if p.Keys == nil {
		return nil, nil
	}
	s, err := p.Keys.Signer(ctx, cr.Namespace, cr.Name, Tenant(cr))
	if err != nil {
		return nil, &Failure{Reason: v1alpha1.RunReasonNoCredentials, Retryable: true, Err: err,
			Message: messages.Both("executor.signingUnusable") + ": " + err.Error()}
	}
	return s, nil
}
